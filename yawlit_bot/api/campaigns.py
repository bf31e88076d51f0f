"""Campaign actions, for the Desk form and for other systems (API key or session).

Sending, cancelling, retrying and adding recipients need the WA Campaign Manager role (or
System Manager) and write access to the campaign; progress needs read access.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import escape_html

from yawlit_bot.engine import campaign as rules
from yawlit_bot.services.campaigns import audience, sending
from yawlit_bot.services.campaigns.results import campaign_results, status_counts
from yawlit_bot.services.site.clock import today_in_india

SENDER_ROLES = ("WA Campaign Manager", "System Manager")
MAX_CSV_BYTES = 5 * 1024 * 1024


def _campaign(campaign: str, ptype: str = "write"):
	frappe.only_for(SENDER_ROLES)
	if not isinstance(campaign, str) or not frappe.db.exists("WA Campaign", campaign):
		frappe.throw(
			_("Campaign {0} not found").format(frappe.bold(escape_html(str(campaign)[:140]))),
			frappe.DoesNotExistError,
		)
	doc = frappe.get_doc("WA Campaign", campaign)
	doc.check_permission(ptype)
	return doc


@frappe.whitelist(methods=["POST"])
def send(campaign: str) -> dict:
	"""Queue the campaign. Answers {"queued": n, "skipped": m} (m: opted out or invalid)."""
	_campaign(campaign)
	return sending.start_sending(campaign)


@frappe.whitelist(methods=["POST"])
def cancel(campaign: str) -> dict:
	_campaign(campaign)
	return sending.cancel(campaign)


@frappe.whitelist(methods=["POST"])
def retry_failed(campaign: str) -> dict:
	"""Send the failed recipients again (only those). Answers {"queued": n}."""
	_campaign(campaign)
	return sending.retry_failed(campaign)


@frappe.whitelist()
def progress(campaign: str) -> dict:
	"""Live counts from the recipient rows, the status and the share done (percent)."""
	doc = _campaign(campaign, "read")
	return {
		**rules.campaign_progress(status_counts(campaign)),
		"status": doc.status,
		"last_error": doc.last_error,
	}


@frappe.whitelist()
def audience_summary(campaign: str) -> dict:
	"""What Send would do now: how many will receive it, how many are skipped."""
	_campaign(campaign, "read")
	counts = rules.campaign_progress(status_counts(campaign))
	recipient, opt_out = frappe.qb.DocType("WA Campaign Recipient"), frappe.qb.DocType("WA Opt Out")
	opted_out_pending = (
		frappe.qb.from_(recipient)
		.join(opt_out)
		.on(opt_out.phone == recipient.phone)
		.select(Count("*"))
		.where((recipient.campaign == campaign) & (recipient.status == "Pending") & (opt_out.opted_out == 1))
	).run()[0][0]
	return {
		"will_receive": counts["pending"] - opted_out_pending,
		"opted_out": counts["opted_out"] + opted_out_pending,
		"invalid": counts["invalid"],
		"total": counts["total"],
	}


def _add(campaign: str, read, source: str) -> dict:
	_campaign(campaign)
	try:
		return audience.add_audience(campaign, read(), source)
	except rules.AudienceError as exc:
		frappe.throw(str(exc), title=_("Cannot read the list"))


@frappe.whitelist(methods=["POST"])
def add_numbers(campaign: str, numbers: str) -> dict:
	"""Numbers pasted one per line (or separated by commas)."""
	return _add(
		campaign, lambda: rules.split_pasted_numbers(numbers if isinstance(numbers, str) else ""), "Pasted"
	)


@frappe.whitelist(methods=["POST"])
def add_csv(campaign: str, file_url: str) -> dict:
	"""An uploaded CSV (a File the user may read): phone column, optional name columns."""

	def read():
		name = (
			frappe.db.get_value("File", {"file_url": file_url}, "name") if isinstance(file_url, str) else None
		)
		if not name:
			frappe.throw(_("Upload the CSV file first"))
		file = frappe.get_doc("File", name)
		file.check_permission("read")
		if (file.file_size or 0) > MAX_CSV_BYTES:
			frappe.throw(_("The CSV file is larger than 5 MB: split it"))
		return rules.read_csv_audience(file.get_content())

	return _add(campaign, read, "CSV")


@frappe.whitelist(methods=["POST"])
def add_from_conversations(campaign: str, filters: str | dict | None = None) -> dict:
	"""Customers who wrote to the bot, narrowed by WA Conversation filters."""
	return _add(
		campaign, lambda: audience.candidates_from_conversations(frappe.parse_json(filters)), "Conversations"
	)


@frappe.whitelist(methods=["POST"])
def add_from_bookings(campaign: str, filters: str | dict | None = None) -> dict:
	"""Customers with a booking, narrowed by WA Service Booking filters."""
	return _add(campaign, lambda: audience.candidates_from_bookings(frappe.parse_json(filters)), "Bookings")


@frappe.whitelist()
def comeback_audience(campaign: str, filters: str | dict | None = None) -> dict:
	"""How many customers the choice from the bookings finds now (opted-out numbers left out),
	with a few names, before they are added."""
	_campaign(campaign, "read")
	try:
		rule = rules.read_comeback(frappe.parse_json(filters) if filters else {})
	except rules.AudienceError as exc:
		frappe.throw(str(exc), title=_("Cannot choose these customers"))
	found = audience.comeback_candidates(rule, today_in_india())
	return {
		"count": len(found),
		"sample": [" ".join(filter(None, (c.first_name, c.last_name))) or c.raw for c in found[:5]],
	}


@frappe.whitelist(methods=["POST"])
def add_comeback_audience(campaign: str, filters: str | dict | None = None) -> dict:
	"""Add the customers `comeback_audience` counts (as they are at this moment)."""

	def read():
		try:
			rule = rules.read_comeback(frappe.parse_json(filters) if filters else {})
		except rules.AudienceError as exc:
			frappe.throw(str(exc), title=_("Cannot choose these customers"))
		return audience.comeback_candidates(rule, today_in_india())

	return _add(campaign, read, "Bookings: bring back")


@frappe.whitelist()
def results(campaign: str, days: int | str = rules.DEFAULT_RESULT_DAYS) -> dict:
	"""The campaign's results: sent, delivered, read, replied, opted out after it, bookings."""
	_campaign(campaign, "read")
	days = frappe.utils.cint(days) or rules.DEFAULT_RESULT_DAYS
	if not 1 <= days <= 90:
		frappe.throw(_("Choose between 1 and 90 days."))
	return campaign_results(campaign, days)
