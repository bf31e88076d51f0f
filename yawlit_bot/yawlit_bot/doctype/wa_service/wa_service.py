# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from yawlit_bot.services.booking.catalog.builtin import ForgetsCatalog


class WAService(ForgetsCatalog, Document):
	"""A service customers can book, with its price per vehicle type and its add-ons."""

	def validate(self):
		if not self.prices:
			frappe.throw(_("Add a price for at least one vehicle type: a service without one is offered to nobody."))
		seen = set()
		for row in self.prices:
			if row.vehicle_type in seen:
				frappe.throw(_("Row {0}: {1} has two prices. Keep one.").format(row.idx, _(row.vehicle_type)))
			seen.add(row.vehicle_type)
		addons = set()
		for row in self.addons or []:
			if row.addon in addons:
				frappe.throw(_("Row {0}: {1} is listed twice.").format(row.idx, frappe.bold(row.addon)))
			addons.add(row.addon)
