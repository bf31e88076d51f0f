"""Removing a conversation and all it made: its messages, scratchpads, bookings and the seats
they hold. For the WhatsApp Simulator's conversations only: cleared by staff, or given up when a
real customer writes from the same number (`services/inbound`)."""

from __future__ import annotations

import frappe


def remove_conversation(number: str) -> int:
	"""In the caller's transaction. Returns how many messages went; refuses a real customer's."""
	from yawlit_bot.services.booking.slots import release_holds

	kind = frappe.db.get_value("WA Conversation", number, "simulated")
	if kind is None:
		return 0
	if not kind:
		raise frappe.ValidationError(f"{number} is a real customer's conversation: it is never removed here")
	release_holds([number])
	for booking in frappe.get_all("WA Service Booking", filters={"conversation": number}, pluck="name"):
		frappe.delete_doc("WA Service Booking", booking, ignore_permissions=True, force=True)  # frees its seat
	frappe.db.delete("WA Booking Scratchpad", {"conversation": number})
	count = frappe.db.count("WA Message", {"conversation": number})
	frappe.db.delete("WA Message", {"conversation": number})
	frappe.db.delete("WA Conversation", number)
	return count
