# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WACampaignParameter(Document):
	"""One template variable: a fixed value, or a recipient field with a fallback."""
