"""Sites installed before a booking setting existed (the reminder times, the feedback delay)
have no stored value for it: store the form's default, so the form shows what the bot does.
Time fields especially: Frappe would otherwise show the moment the form is opened."""

import frappe


def execute():
	stored = frappe.db.get_singles_dict("WA Booking Settings")
	for field in frappe.get_meta("WA Booking Settings").fields:
		if field.default not in (None, "") and stored.get(field.fieldname) in (None, ""):
			frappe.db.set_single_value("WA Booking Settings", field.fieldname, field.default)
