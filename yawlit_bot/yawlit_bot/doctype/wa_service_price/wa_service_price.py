# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WAServicePrice(Document):
	"""The price of a service for one vehicle type."""

	pass
