# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WACapacityOverride(Document):
	"""Bookings per slot on one date (a festival day with more bays, a day with fewer)."""

	pass
