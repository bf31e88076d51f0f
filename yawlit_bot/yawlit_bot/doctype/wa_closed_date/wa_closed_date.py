# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WAClosedDate(Document):
	"""A date no bookings are taken (a holiday)."""

	pass
