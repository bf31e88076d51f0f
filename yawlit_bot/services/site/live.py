"""The live events Desk listens to: "this conversation's thread changed", published to the
conversation's document room once the writer's transaction commits (never before: a reader
would fetch a message that is not there yet). The chat view (`public/js/chat_view.js`) reloads
its thread on it; the simulator page joins the same room with `frappe.realtime.doc_subscribe`."""

from __future__ import annotations

import frappe

THREAD_EVENT = "yawlit_bot_thread"


def publish_thread(conversation: str, what: str = "message") -> None:
	frappe.publish_realtime(
		THREAD_EVENT,
		{"conversation": conversation, "what": what},
		doctype="WA Conversation",
		docname=conversation,
		after_commit=True,
	)


def publish_list(conversation: str) -> None:
	"""Open conversation lists refresh the row (who holds it, its last message)."""
	frappe.publish_realtime(
		"list_update", {"doctype": "WA Conversation", "name": conversation}, doctype="WA Conversation", after_commit=True
	)
