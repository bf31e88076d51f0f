# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WABookingSlot(Document):
	"""One row per (date, slot): locked FOR UPDATE while a booking or a hold takes a seat, so the seats are counted one customer at a time."""

	pass
