# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WAConversation(Document):
	"""One per customer, named by the phone with country code. The turn job changes it."""
