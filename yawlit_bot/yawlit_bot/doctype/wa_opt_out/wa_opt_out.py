# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, now_datetime

from yawlit_bot.engine.validation import normalize_whatsapp_number


class WAOptOut(Document):
	"""A number that said STOP (or was opted out by staff). Every campaign skips it while
	`opted_out` is set; START clears it. Kept, never deleted, as the record of consent."""

	def autoname(self):
		# Named by the normalised number, so "098123 45678" and "919812345678" are one record.
		self.phone = normalize_whatsapp_number(self.phone or "") or self.phone
		self.name = self.phone

	def validate(self):
		phone = normalize_whatsapp_number(self.phone or "")
		if not phone:
			frappe.throw(
				_("{0} is not a valid WhatsApp number").format(frappe.bold(escape_html(self.phone or "")))
			)
		if not self.is_new() and phone != self.name:
			frappe.throw(_("The phone of an opt-out cannot be changed; add a new one instead."))
		self.phone = phone
		before = self.get_doc_before_save()
		if before and before.opted_out and not self.opted_out and not self.flags.customer_request:
			# Consent is the customer's to give back: they opt in again by sending START.
			frappe.throw(_("Only the customer can opt back in, by sending START on WhatsApp."))
		if self.opted_out and (not before or not before.opted_out):
			self.opted_out_at = now_datetime()
		if not self.source:
			self.source = "Desk"

	def on_trash(self):
		frappe.throw(_("Opt-outs are the record of a customer's consent and are never deleted."))
