"""Bookings, for Desk: the visit marked done. Bot roles only, and write permission on each
booking marked.

    yawlit_bot.api.bookings.mark_visit(bookings, outcome)   # outcome: Completed / No-show
"""

from __future__ import annotations

import json

import frappe
from frappe import _

from yawlit_bot.api.inbox import STAFF_ROLES
from yawlit_bot.services.aftercare import follow_up
from yawlit_bot.services.site.retry import run_with_db_retries

MAX_AT_ONCE = 200  # a bulk action from the list


@frappe.whitelist(methods=["POST"])
def mark_visit(bookings, outcome: str) -> dict:
	"""Mark each booking (a name, or a JSON list of names) Completed or No-show, each in its own
	transaction. Returns {"marked": [...], "refused": {name: why}}."""
	frappe.only_for(STAFF_ROLES)
	names = json.loads(bookings) if isinstance(bookings, str) and bookings.startswith("[") else bookings
	names = [names] if isinstance(names, str) else list(names or [])
	if not names:
		frappe.throw(_("Choose at least one booking."))
	if len(names) > MAX_AT_ONCE:
		frappe.throw(_("At most {0} bookings at once.").format(MAX_AT_ONCE))
	marked, refused = [], {}
	for name in names:
		if not frappe.has_permission("WA Service Booking", "write", doc=name):
			refused[name] = _("You may not change this booking.")
			continue

		def mark(name=name):
			status = follow_up.mark_visit(name, outcome)
			frappe.db.commit()
			return status

		try:
			run_with_db_retries(mark)
			marked.append(name)
		except frappe.ValidationError as exc:
			frappe.db.rollback()
			frappe.clear_last_message()
			refused[name] = str(exc)
	return {"marked": marked, "refused": refused}
