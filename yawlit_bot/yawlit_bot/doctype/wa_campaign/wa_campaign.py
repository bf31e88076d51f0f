# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from yawlit_bot.engine.campaign import TemplateParameter, check_parameter
from yawlit_bot.engine.validation import clean_text

# What a running or finished campaign sent must stay what it says it sent.
FROZEN_FIELDS = ("template_name", "template_language", "header_type", "header_url")


class WACampaign(Document):
	"""A marketing template sent to many customers. Recipients are WA Campaign Recipient rows;
	the status and counts are written by the sending jobs only."""

	def validate(self):
		self.title = clean_text(self.title, 140)
		self.template_name = clean_text(self.template_name, 512)
		self.template_language = clean_text(self.template_language or "en_US", 20)
		if not self.template_name:
			frappe.throw(_("WAPI Template Name is required"))
		if self.header_type and not (self.header_url or "").startswith(("http://", "https://")):
			frappe.throw(
				_("Header Media URL must be a public http(s) link to the {0}").format(self.header_type)
			)
		for row in self.parameters:
			problem = check_parameter(TemplateParameter(row.source, row.value))
			if problem:
				frappe.throw(_("Template parameter {0}: {1}").format(row.idx, _(problem)))
		self.check_frozen()

	def check_frozen(self):
		before = self.get_doc_before_save()
		if before and (self.status or "Draft") != (before.status or "Draft"):
			# Status moves only through Send, Cancel and Retry Failed (and the sending jobs).
			frappe.throw(_("The status of a campaign changes only through its actions."))
		if not before or before.status in ("Draft", "Failed"):
			return
		changed = [f for f in FROZEN_FIELDS if (self.get(f) or "") != (before.get(f) or "")]
		params = [(p.source, p.value) for p in self.parameters]
		if params != [(p.source, p.value) for p in before.parameters]:
			changed.append("parameters")
		if changed:
			frappe.throw(
				_("Campaign is {0}: its template can no longer be changed ({1}).").format(
					_(before.status), ", ".join(changed)
				)
			)

	def on_trash(self):
		if self.status in ("Queued", "Sending"):
			frappe.throw(_("Cancel the campaign before deleting it."))
		# The recipient rows are this campaign's own record: they go with it.
		frappe.db.delete("WA Campaign Recipient", {"campaign": self.name})
