"""What a campaign did: the counts stored on it (derived from its rows, never `count + 1`), the
delivery receipts that move its rows forward, the booking it brought and its results panel."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from yawlit_bot.engine import campaign as rules
from yawlit_bot.engine import delivery
from yawlit_bot.services.site.db import rows_changed

RECIPIENT = "tabWA Campaign Recipient"
RUNNING = ("Queued", "Sending")
RECEIPT_DAYS = 3  # how long after a campaign ends its counts follow delivery receipts


def campaign_from(conversation: str, now=None) -> str | None:
	"""The campaign a booking made now came from: the latest that reached this customer within
	`DEFAULT_RESULT_DAYS` before it."""
	now = now or now_datetime()
	rows = frappe.db.sql(
		"""select campaign from `tabWA Campaign Recipient`
		where phone = %s and status in %s and sent_at between %s and %s
		order by sent_at desc limit 1""",
		(conversation, rules.REACHED, now - timedelta(days=rules.DEFAULT_RESULT_DAYS), now),
	)
	return rows[0][0] if rows else None


def campaign_results(campaign: str, days: int = rules.DEFAULT_RESULT_DAYS) -> dict:
	"""Sent, delivered, read, replied, opted out after it, and bookings made within `days`."""
	progress = rules.campaign_progress(status_counts(campaign))
	reached = "r.campaign = %(campaign)s and r.status in %(reached)s and r.sent_at is not null"
	window = "between r.sent_at and r.sent_at + interval %(days)s day"
	values = {"campaign": campaign, "days": days, "reached": rules.REACHED}
	replied = frappe.db.sql(
		f"""select count(*) from `tabWA Campaign Recipient` r where {reached}
		and exists (select 1 from `tabWA Message` m where m.conversation = r.phone and m.role = 'user'
			and m.received_at {window})""",
		values,
	)[0][0]
	stopped = frappe.db.sql(
		f"""select count(*) from `tabWA Campaign Recipient` r join `tabWA Opt Out` o on o.phone = r.phone
		where {reached} and o.opted_out = 1 and o.opted_out_at {window}""",
		values,
	)[0][0]
	bookings = frappe.db.sql(
		f"""select count(*) from `tabWA Service Booking` b join `tabWA Campaign Recipient` r
			on r.phone = b.conversation and r.campaign = b.campaign
		where b.campaign = %(campaign)s and {reached} and b.creation {window}""",
		values,
	)[0][0]
	counts = {**progress, "opted_out": stopped}
	return {
		"days": days,
		"rows": [
			{"label": label, "value": value, "share": share}
			for label, value, share in rules.campaign_results(counts, replied, bookings, days)
		],
	}


def status_counts(campaign: str) -> dict[str, int]:
	rows = frappe.get_all(
		"WA Campaign Recipient",
		filters={"campaign": campaign},
		fields=["status", "count(name) as count"],
		group_by="status",
	)
	return {row.status: row.count for row in rows}


def refresh_counts(campaign: str, finish: bool = False) -> dict:
	"""Counts are derived from the rows (never `count + 1` from parallel jobs) and stored on the
	campaign; a running campaign with nothing left to send is marked Completed. Commits."""
	# The row lock first, so the counts read after it are never older than another writer's.
	status = frappe.db.sql("select status from `tabWA Campaign` where name = %s for update", campaign)
	status = status[0][0] if status else None
	progress = rules.campaign_progress(status_counts(campaign))
	values = {
		"total_recipients": progress["total"],
		"pending_count": progress["pending"],
		"sent_count": progress["sent"],
		"delivered_count": progress["delivered"],
		"read_count": progress["read"],
		"failed_count": progress["failed"],
		"opted_out_count": progress["opted_out"],
		"invalid_count": progress["invalid"],
		"unknown_count": progress["unknown"],
		"cancelled_count": progress["cancelled"],
		"progress_percent": progress["percent"],
	}
	if status in RUNNING:
		values["modified"] = now_datetime()  # the heartbeat the sweeper reads
	if finish and status == "Sending" and not (progress["pending"] or progress["sending"]):
		values.update(status="Completed", finished_at=now_datetime())
		status = "Completed"
	frappe.db.set_value("WA Campaign", campaign, values, update_modified=False)
	frappe.db.commit()
	return {**progress, "status": status}


def apply_recipient_status(wamid: str, status: str, error: str | None) -> int:
	"""A delivery status from the webhook, forward only (`engine.delivery`, the same rule as the
	bot's replies); an unknown wamid changes nothing."""
	values = {"status": delivery.status_after(status), "modified": now_datetime()}
	if status in delivery.STAMPS:
		values[delivery.STAMPS[status]] = now_datetime()
	if status == "failed":
		values["error"] = delivery.failure_reason(status, error)
	assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
	frappe.db.sql(
		f"update `{RECIPIENT}` set {assignments} where wamid = %(wamid)s and status in %(replaces)s",
		{**values, "wamid": wamid, "replaces": delivery.REPLACES[status]},
	)
	return rows_changed()


def lock_campaign(campaign: str):
	doc = frappe.get_doc("WA Campaign", campaign, for_update=True)
	doc.check_permission("write")
	return doc
