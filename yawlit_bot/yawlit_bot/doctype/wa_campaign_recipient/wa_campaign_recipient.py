# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class WACampaignRecipient(Document):
	"""One (campaign, phone): written by the campaign's actions and jobs, read in Desk."""


def on_doctype_update():
	frappe.db.add_unique("WA Campaign Recipient", ["campaign", "phone"], "campaign_phone")
	# The batch job picks a campaign's next pending rows.
	frappe.db.add_index("WA Campaign Recipient", ["campaign", "status"], "campaign_status")
	frappe.db.add_index("WA Campaign Recipient", ["phone", "status"], "phone_status")
