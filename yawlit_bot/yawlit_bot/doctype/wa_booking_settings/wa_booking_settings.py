# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_time


class WABookingSettings(Document):
	"""Opening hours, slots, capacity and the area served: read through
	`services.booking_settings.booking_settings()`."""

	def validate(self):
		opens, closes = get_time(self.opens_at or "06:00:00"), get_time(self.closes_at or "18:00:00")
		if closes <= opens:
			frappe.throw(_("Closes At must be after Opens At."))
		if (self.slot_minutes or 0) <= 0:
			frappe.throw(_("Slot Length must be at least one minute."))
		open_minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
		if self.slot_minutes > open_minutes:
			frappe.throw(_("A slot of {0} minutes does not fit in the opening hours.").format(self.slot_minutes))
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
