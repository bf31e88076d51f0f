"""Writing `WA Message` rows from the pipeline.

Updates go through plain SQL on purpose: the rows are never cached, and Frappe's
`set_value` / `db_set` on an autoincrement (integer) name clears every cached WA Message
key with a Redis KEYS scan, on the Redis that also holds the conversation locks.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import frappe
from frappe.utils import now_datetime

from yawlit_bot.services.site.bot_user import author
from yawlit_bot.services.site.db import rows_changed

if TYPE_CHECKING:  # the webhook inserts through here on every delivery; only turns queue replies
	from yawlit_bot.engine.replies import Reply


def update_message(name, values: dict, where: str = "", guard_values: dict | None = None) -> int:
	"""UPDATE one message; `where` adds a guard (e.g. a status it must still have), with its
	parameters in `guard_values`. Returns rows changed."""
	assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
	frappe.db.sql(
		f"update `tabWA Message` set {assignments} where name = %(_name)s {('and ' + where) if where else ''}",
		{**values, **(guard_values or {}), "_name": name},
	)
	return rows_changed()


MESSAGE_ID_SEQUENCE = "wa_message_id_seq"  # frappe.database.sequence names it scrub(doctype + "_id_seq")


def insert_message(values: dict) -> bool:
	"""INSERT one `WA Message` row in the caller's transaction; False when its wamid is stored.

	Plain SQL, one statement, on the hot paths (a Document and its db_insert cost several times
	as much; no hook or validation applies to rows the pipeline writes from clean values). The id
	comes from Frappe's own sequence for this autoincrement DocType, as its insert would take it.
	The UNIQUE wamid is the fence for inbound rows: when a concurrent delivery of the same
	message won, the no-op update leaves the row as it is and reports 0 rows."""
	now = now_datetime()
	user = author()
	row = {
		**{"creation": now, "modified": now, "owner": user, "modified_by": user, "docstatus": 0, "idx": 0},
		**{"processing_attempts": 0, "send_attempts": 0, "replies_held_back": 0},  # counters start at 0
		**values,
	}
	columns = ", ".join(f"`{column}`" for column in row)
	frappe.db.sql(
		f"""insert into `tabWA Message` (`name`, {columns})
		values (nextval(`{MESSAGE_ID_SEQUENCE}`), {', '.join(['%s'] * len(row))})
		on duplicate key update `name` = `name`""",
		tuple(row.values()),
	)
	return rows_changed() == 1


def queue_reply(conversation: str, reply: Reply, reply_to=None) -> None:
	"""An outbound row, written in the caller's transaction and sent after its commit."""
	inserted = insert_message(
		{
			"conversation": conversation,
			"role": "assistant",
			"message_type": "interactive" if reply.buttons or reply.sections else "text",
			"content": reply.body,
			# buttons: a list of titles; a WhatsApp list: {"button", "sections"} (Reply.list_payload)
			"buttons": (
				json.dumps(list(reply.buttons))
				if reply.buttons
				else json.dumps(reply.list_payload(), ensure_ascii=False)
				if reply.sections
				else None
			),
			"reply_to": reply_to,
			"send_status": "Queued",
		}
	)
	if not inserted:  # a reply has no wamid: only the id can clash (a sequence behind its table)
		raise RuntimeError("WA Message id clash queueing a reply: check wa_message_id_seq")
