"""Sending replies after commit (the outbox).

A reply is a `WA Message` row written in the turn's transaction. It is sent only after that
commit, and only by whoever flips it to `Sending` first, so a row is sent at most once per
attempt. A worker that dies mid-send leaves `Sending`; the sweeper marks it `Unknown` for a
person to look at rather than sending it blindly again.
"""

from __future__ import annotations

import json

import frappe
from frappe.utils import now_datetime

from yawlit_bot.services.settings import get_wapi_config
from yawlit_bot.services.wapi_client import WapiError, send_buttons, send_text, sent_wamid


def queued_replies(conversation: str, include_failed: bool = False, max_attempts: int = 0) -> list[str]:
	statuses = ["Queued", "Failed"] if include_failed else ["Queued"]
	filters = {"conversation": conversation, "role": "assistant", "send_status": ["in", statuses]}
	if include_failed and max_attempts:
		filters["send_attempts"] = ["<", max_attempts]
	return frappe.get_all("WA Message", filters=filters, order_by="name asc", pluck="name")


def send_replies(conversation: str, include_failed: bool = False, max_attempts: int = 0) -> int:
	"""Send this conversation's queued replies in order; returns how many went out."""
	return sum(send_reply(name) for name in queued_replies(conversation, include_failed, max_attempts))


def _claim(name: str) -> bool:
	frappe.db.sql(
		"""update `tabWA Message` set send_status = 'Sending', send_attempts = send_attempts + 1,
		modified = %s where name = %s and role = 'assistant' and send_status in ('Queued', 'Failed')""",
		(now_datetime(), name),
	)
	claimed = frappe.db._cursor.rowcount == 1
	frappe.db.commit()
	return claimed


def send_reply(name: str) -> bool:
	if not _claim(name):
		return False  # someone else is sending it, or it went already
	row = frappe.db.get_value("WA Message", name, ["conversation", "content", "buttons"], as_dict=True)
	try:
		config = get_wapi_config()
		buttons = json.loads(row.buttons) if row.buttons else []
		if buttons:
			response = send_buttons(config, row.conversation, row.content or "", buttons)
		else:
			response = send_text(config, row.conversation, row.content or "")
	except WapiError as exc:
		frappe.db.set_value("WA Message", name, {"send_status": "Failed", "send_error": str(exc)[:1000]})
		frappe.db.commit()
		return False
	now = now_datetime()
	sent = {"send_status": "Sent", "wamid": sent_wamid(response), "sent_at": now, "send_error": None}
	try:
		frappe.db.set_value("WA Message", name, sent)
	except Exception as exc:
		if not frappe.db.is_duplicate_entry(exc):
			raise
		# WAPI sent it, but reused a wamid we hold already: keep the row Sent, without the id.
		frappe.db.rollback()
		frappe.db.set_value("WA Message", name, {**sent, "wamid": None, "send_error": f"WAPI reused wamid {sent['wamid']}"})
	frappe.db.set_value("WA Conversation", row.conversation, "last_outbound_at", now, update_modified=False)
	frappe.db.commit()
	return True
