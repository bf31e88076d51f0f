# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WAServiceBooking(Document):
	"""A booking made from a confirmed scratchpad. The unique scratchpad link means one booking
	per scratchpad, whatever races above it."""

	def validate(self):
		self.customer_name = " ".join(filter(None, (self.first_name, self.last_name)))
