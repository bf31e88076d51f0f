"""The booking a confirmed scratchpad becomes. Later issues put the catalog, slots, pricing
and Yawlit's ERP behind this same function."""

import frappe

from yawlit_bot.engine.fields import ALL_FIELDS


def create_booking(scratchpad) -> str:
	"""Create the booking for `scratchpad` once; a second call returns the first booking."""
	existing = frappe.db.get_value("WA Service Booking", {"scratchpad": scratchpad.name})
	if existing:
		return existing
	booking = frappe.get_doc(
		{
			"doctype": "WA Service Booking",
			"scratchpad": scratchpad.name,
			"conversation": scratchpad.conversation,
			"status": "Confirmed",
			**{name: scratchpad.get(name) for name in ALL_FIELDS},
		}
	)
	booking.insert(ignore_permissions=True)
	return booking.name
