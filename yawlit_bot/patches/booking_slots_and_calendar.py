"""Bookings made before slots were counted: their calendar times filled in, and the seats of
upcoming confirmed ones counted on their slot rows (so no slot is overbooked after the upgrade)."""

import frappe
from frappe.utils import getdate

from yawlit_bot.services.site.clock import today_in_india
from yawlit_bot.services.booking.slots import recount


def execute():
	for name in frappe.get_all(
		"WA Service Booking",
		filters={"starts_at": ["is", "not set"], "appointment_date": ["is", "set"], "time_slot": ["is", "set"]},
		pluck="name",
	):
		booking = frappe.get_doc("WA Service Booking", name)
		booking.set_calendar_times()
		if booking.starts_at:
			booking.db_set({"starts_at": booking.starts_at, "ends_at": booking.ends_at}, update_modified=False)
	upcoming = frappe.get_all(
		"WA Service Booking",
		filters={"status": "Confirmed", "appointment_date": [">=", today_in_india()], "time_slot": ["is", "set"]},
		fields=["appointment_date", "time_slot"],
		distinct=True,
	)
	for row in upcoming:
		recount(getdate(row.appointment_date), row.time_slot)
