# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, get_time

from yawlit_bot.engine.aftercare import read_template_sources
from yawlit_bot.engine.catalog import opening_hours_problem


class WABookingSettings(Document):
	"""Opening hours, slots, capacity and the area served: read through
	`services.booking_settings.booking_settings()`."""

	def validate(self):
		problem = opening_hours_problem(
			get_time(self.opens_at) if self.opens_at else None,
			get_time(self.closes_at) if self.closes_at else None,
			cint(self.slot_minutes),
		)
		if problem:
			frappe.throw(_(problem), title=_("No slot fits"))
		for prefix in ("reminder", "feedback"):
			try:
				read_template_sources(self.get(f"{prefix}_template_values"))
			except ValueError as exc:
				frappe.throw(_(str(exc)), title=_("Template values"))
		if self.catalog_backend == "Yawlit ERP" and not self.erp_in_process():
			if not (self.erp_url or "").startswith(("http://", "https://")):
				frappe.throw(_("Set the ERP URL (starting with https://) to use Yawlit's ERP."))
			if not self.erp_api_key:
				frappe.throw(_("Set the ERP API Key and Secret to use Yawlit's ERP."))
		for table in ("closed_dates", "capacity_overrides"):
			seen = set()
			for row in self.get(table) or []:
				if row.date in seen:
					frappe.throw(
						_("Row {0} of {1}: {2} is listed twice.").format(
							row.idx, _(self.meta.get_label(table)), frappe.format(row.date, "Date")
						)
					)
				seen.add(row.date)

	@staticmethod
	def erp_in_process() -> bool:
		return "yawlit_automotive_services" in frappe.get_installed_apps()
