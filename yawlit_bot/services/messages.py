"""Writing `WA Message` rows from the pipeline.

Updates go through plain SQL on purpose: the rows are never cached, and Frappe's
`set_value` / `db_set` on an autoincrement (integer) name clears every cached WA Message
key with a Redis KEYS scan, on the Redis that also holds the conversation locks.
"""

from __future__ import annotations

import json

import frappe

from yawlit_bot.engine.replies import Reply


def update_message(name, values: dict, where: str = "") -> int:
	"""UPDATE one message; `where` adds a guard (e.g. a status it must still have). Returns rows changed."""
	assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
	frappe.db.sql(
		f"update `tabWA Message` set {assignments} where name = %(_name)s {('and ' + where) if where else ''}",
		{**values, "_name": name},
	)
	return frappe.db._cursor.rowcount


def queue_reply(conversation: str, reply: Reply, reply_to=None) -> None:
	"""An outbound row, written in the caller's transaction and sent after its commit."""
	frappe.get_doc(
		{
			"doctype": "WA Message",
			"conversation": conversation,
			"role": "assistant",
			"message_type": "interactive" if reply.buttons else "text",
			"content": reply.body,
			"buttons": json.dumps(list(reply.buttons)) if reply.buttons else None,
			"reply_to": reply_to,
			"send_status": "Queued",
		}
	).insert(ignore_permissions=True, ignore_links=True)
