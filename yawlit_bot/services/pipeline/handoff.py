"""Raising "needs a person" on a conversation and telling the bot's staff (a Desk notification
to every enabled WA Bot Manager), in the caller's transaction. The rules are the engine's
(`engine/handoff.py`)."""

from __future__ import annotations

import frappe

from yawlit_bot.services.site.bot_user import BOT_USER
from yawlit_bot.services.site.roles import BOT_ROLE


def notify_staff(conversation: str, reason: str) -> None:
	staff = frappe.get_all(
		"Has Role", filters={"role": BOT_ROLE, "parenttype": "User"}, pluck="parent", distinct=True
	)
	enabled = set(frappe.get_all("User", filters={"name": ("in", staff or [""]), "enabled": 1}, pluck="name"))
	for user in sorted(enabled - {BOT_USER, "Guest"}):
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": "WA Conversation",
				"document_name": conversation,
				"subject": f"WhatsApp {conversation} needs a person: {reason}",
			}
		).insert(ignore_permissions=True)


def flag_conversation(conversation: str, reason: str) -> None:
	"""For a conversation the turn does not hold as a document (a message given up on)."""
	if frappe.db.get_value("WA Conversation", conversation, "needs_person"):
		return
	frappe.db.set_value(
		"WA Conversation", conversation, {"needs_person": 1, "needs_person_reason": reason}, update_modified=False
	)
	notify_staff(conversation, reason)
