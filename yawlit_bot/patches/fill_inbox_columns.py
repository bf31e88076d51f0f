"""The inbox's columns on conversations stored before they existed: each conversation's last
message and its time, from its messages (unread counts start at 0)."""

from __future__ import annotations

import frappe

from yawlit_bot.engine import inbox


def execute():
	for conversation in frappe.get_all("WA Conversation", filters={"last_message_at": ("is", "not set")}, pluck="name"):
		last = frappe.get_all(
			"WA Message",
			filters={"conversation": conversation},
			fields=["role", "sent_by", "content", "message_type", "received_at", "creation"],
			order_by="name desc",
			limit=1,
		)
		if not last:
			continue
		row = last[0]
		who = inbox.author_of(row.role, row.sent_by)
		text = inbox.media_preview(row.message_type, row.content) if who == inbox.CUSTOMER else row.content
		frappe.db.set_value(
			"WA Conversation",
			conversation,
			{"last_message": inbox.preview(text, who, row.sent_by)[:140], "last_message_at": row.received_at or row.creation},
			update_modified=False,
		)
