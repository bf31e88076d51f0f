# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class WAMessage(Document):
	"""An inbound or outbound WhatsApp message. Inbound rows are the store-first record."""


def on_doctype_update():
	# The turn job reads a conversation's pending messages in arrival order.
	frappe.db.add_index("WA Message", ["conversation", "processing_status"], "conversation_processing")
	frappe.db.add_index("WA Message", ["send_status", "modified"], "send_status_modified")
