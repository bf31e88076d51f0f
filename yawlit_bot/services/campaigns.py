"""Sending campaigns: audience rows, the batch jobs, cancel and retry, opt-outs.

Exactly once per recipient rests on the recipient row, not on the job:
- one row per (campaign, phone): the row's name is built from both, so a second add of the
  same number is a no-op, and a UNIQUE key says the same;
- a row is sent only by whoever flips it `Pending -> Sending` first, committed before the
  request leaves; `Sent` (with WAPI's wamid) or `Failed` is committed after;
- a worker killed between the two leaves the row `Sending`: the sweeper reports it as
  `Unknown`, never resends it, and resumes the rest of the campaign.
Jobs send in bounded batches and queue the next one after their commit; one job at a time
per campaign (a Redis lock whose key carries the site), and one shared rate for all of them.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from yawlit_bot.engine import campaign as rules
from yawlit_bot.engine import replies
from yawlit_bot.engine.opt_out import OptCommand
from yawlit_bot.services.locks import ConversationLock
from yawlit_bot.services.rate_limit import SendPacer, send_pace_key
from yawlit_bot.services.settings import get_bot_settings, get_wapi_config
from yawlit_bot.services.wapi_client import (
	WapiAuthError,
	WapiError,
	WapiOutcomeUnknown,
	WapiRateLimited,
	send_template,
	sent_wamid,
)

SEND_JOB = "yawlit_bot.services.campaigns.send_batch"
SENDABLE = ("Draft", "Failed")  # a Failed campaign (e.g. WAPI not configured) can be sent again
RUNNING = ("Queued", "Sending")
RETRYABLE = ("Completed", "Cancelled", "Failed")
RECIPIENT = "tabWA Campaign Recipient"
RECEIPT_DAYS = 3  # how long after a campaign ends its counts follow delivery receipts


# ---------------------------------------------------------------- audience


def recipient_name(campaign: str, phone: str) -> str:
	return f"{campaign}-{phone}"


def _invalid_name(campaign: str, raw: str) -> str:
	return f"{campaign}-x{hashlib.sha1(raw.encode()).hexdigest()[:16]}"


def listed_phones(campaign: str) -> set[str]:
	return set(frappe.db.sql_list(f"select phone from `{RECIPIENT}` where campaign = %s", campaign))


def add_audience(campaign: str, candidates: list[rules.Candidate], source: str) -> dict:
	"""Add numbers to a draft campaign; returns how many were added, repeated or invalid."""
	doc = frappe.get_doc("WA Campaign", campaign)
	doc.check_permission("write")
	if doc.status != "Draft":
		frappe.throw(_("Recipients can only be added while the campaign is a Draft."))
	reading = rules.sort_audience(candidates, listed_phones(campaign))
	now = now_datetime()
	user = frappe.session.user
	fields = ["name", "campaign", "phone", "first_name", "last_name", "status", "source", "attempts"]
	fields += ["creation", "modified", "owner", "modified_by", "docstatus", "idx"]
	rows = [
		(
			recipient_name(campaign, r.phone),
			campaign,
			r.phone,
			r.first_name,
			r.last_name,
			rules.PENDING,
			source,
			0,
		)
		for r in reading.recipients
	]
	rows += [
		(_invalid_name(campaign, raw), campaign, raw[:100], None, None, rules.INVALID, source, 0)
		for raw in dict.fromkeys(reading.invalid)
	]
	# INSERT IGNORE: the same list added twice at once by two people still adds each row once.
	frappe.db.bulk_insert(
		"WA Campaign Recipient",
		fields,
		[(*row, now, now, user, user, 0, 0) for row in rows],
		ignore_duplicates=True,
	)
	refresh_counts(campaign)
	return reading.summary()


def candidates_from_conversations(filters: dict | None) -> list[rules.Candidate]:
	"""Customers who have written to the bot (the list the user may read, with their filters)."""
	rows = frappe.get_list(
		"WA Conversation", filters=filters or {}, fields=["name", "contact_name"], limit_page_length=0
	)
	candidates = []
	for row in rows:
		first, _sep, last = (row.contact_name or "").partition(" ")
		if first == row.name:  # no profile name: the conversation was named after the number
			first = last = ""
		candidates.append(rules.Candidate(row.name, first or None, last or None))
	return candidates


def candidates_from_bookings(filters: dict | None) -> list[rules.Candidate]:
	rows = frappe.get_list(
		"WA Service Booking",
		filters=filters or {},
		fields=["phone", "first_name", "last_name"],
		order_by="creation desc",
		limit_page_length=0,
	)
	return [rules.Candidate(row.phone or "", row.first_name, row.last_name) for row in rows]


# ---------------------------------------------------------------- counts


def status_counts(campaign: str) -> dict[str, int]:
	return dict(
		frappe.db.sql(
			f"select status, count(*) from `{RECIPIENT}` where campaign = %s group by status", campaign
		)
	)


def refresh_counts(campaign: str, finish: bool = False) -> dict:
	"""Counts are derived from the rows (never `count + 1` from parallel jobs) and stored on the
	campaign; a running campaign with nothing left to send is marked Completed. Commits."""
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
		"modified": now_datetime(),
	}
	status = frappe.db.sql("select status from `tabWA Campaign` where name = %s for update", campaign)
	status = status[0][0] if status else None
	if finish and status == "Sending" and not (progress["pending"] or progress["sending"]):
		values.update(status="Completed", finished_at=now_datetime())
		status = "Completed"
	frappe.db.set_value("WA Campaign", campaign, values, update_modified=False)
	frappe.db.commit()
	return {**progress, "status": status}


# ---------------------------------------------------------------- actions


def skip_opted_out(campaign: str) -> int:
	frappe.db.sql(
		f"""update `{RECIPIENT}` r join `tabWA Opt Out` o on o.phone = r.phone
		set r.status = %s, r.error = 'The customer opted out of marketing messages', r.modified = %s
		where r.campaign = %s and r.status = %s and o.opted_out = 1""",
		(rules.OPTED_OUT, now_datetime(), campaign, rules.PENDING),
	)
	return frappe.db._cursor.rowcount


def _lock_campaign(campaign: str):
	doc = frappe.get_doc("WA Campaign", campaign, for_update=True)
	doc.check_permission("write")
	return doc


def start_sending(campaign: str) -> dict:
	"""Queue a draft (or failed) campaign. Returns {"queued": n, "skipped": m}."""
	doc = _lock_campaign(campaign)
	if doc.status not in SENDABLE:
		frappe.throw(
			_("Campaign {0} is {1}: only a Draft or Failed campaign can be sent.").format(
				campaign, _(doc.status)
			)
		)
	doc.run_method("validate")  # template, parameters and header as the form checks them
	settings = get_bot_settings()
	problem = rules.check_send_rate(settings.campaign_rate_limit, settings.whatsapp_rate_cap)
	if problem:
		frappe.throw(_(problem))
	get_wapi_config()  # raises with a clear message when WAPI is not configured
	skip_opted_out(campaign)
	counts = rules.campaign_progress(status_counts(campaign))
	if not counts["pending"]:
		frappe.throw(
			_("Nobody to send to: add recipients first (opted-out and invalid numbers are skipped).")
		)
	frappe.db.set_value(
		"WA Campaign",
		campaign,
		{"status": "Queued", "queued_at": now_datetime(), "finished_at": None, "last_error": None},
	)
	enqueue_batch(campaign, after_commit=True)
	refresh_counts(campaign)
	return {"queued": counts["pending"], "skipped": counts["opted_out"] + counts["invalid"]}


def cancel(campaign: str) -> dict:
	"""Stop sending: rows not yet claimed become Cancelled; a job mid-batch stops before its next send."""
	doc = _lock_campaign(campaign)
	if doc.status not in (*RUNNING, "Draft"):
		frappe.throw(_("Campaign {0} is {1} and cannot be cancelled.").format(campaign, _(doc.status)))
	frappe.db.sql(
		f"update `{RECIPIENT}` set status = %s, modified = %s where campaign = %s and status = %s",
		(rules.CANCELLED, now_datetime(), campaign, rules.PENDING),
	)
	frappe.db.set_value("WA Campaign", campaign, {"status": "Cancelled", "finished_at": now_datetime()})
	return refresh_counts(campaign)


def retry_failed(campaign: str) -> dict:
	"""Send the Failed rows again (only those: WAPI certainly did not take them, or WhatsApp
	reported them failed). Unknown rows stay as they are."""
	doc = _lock_campaign(campaign)
	if doc.status not in RETRYABLE:
		frappe.throw(_("Campaign {0} is {1}: wait until it has finished.").format(campaign, _(doc.status)))
	frappe.db.sql(
		f"update `{RECIPIENT}` set status = %s, modified = %s where campaign = %s and status = %s",
		(rules.PENDING, now_datetime(), campaign, rules.FAILED),
	)
	retried = frappe.db._cursor.rowcount
	if not retried:
		frappe.throw(_("Campaign {0} has no failed recipients.").format(campaign))
	skip_opted_out(campaign)
	frappe.db.set_value(
		"WA Campaign",
		campaign,
		{"status": "Queued", "queued_at": now_datetime(), "finished_at": None, "last_error": None},
	)
	enqueue_batch(campaign, after_commit=True)
	refresh_counts(campaign)
	return {"queued": retried}


def enqueue_batch(campaign: str, after_commit: bool = False) -> None:
	frappe.enqueue(SEND_JOB, queue="default", campaign=campaign, enqueue_after_commit=after_commit)


# ---------------------------------------------------------------- the batch job


def campaign_lock(campaign: str, timeout: float) -> ConversationLock:
	return ConversationLock(frappe.cache, f"{frappe.local.site}|yawlit_bot|campaign-lock|{campaign}", timeout)


def _campaign_status(campaign: str) -> str | None:
	frappe.db.rollback()  # a fresh snapshot: Cancel may have committed since the last read
	return frappe.db.get_value("WA Campaign", campaign, "status")


def send_batch(campaign: str) -> dict:
	"""RQ job: send the next batch of a campaign's pending rows, then queue the next batch."""
	settings = get_bot_settings()
	lock = campaign_lock(campaign, settings.lock_timeout or 30)
	if not lock.acquire():
		return {"skipped": "another job is sending this campaign"}
	sent = 0
	try:
		status = _campaign_status(campaign)
		if status == "Queued":
			frappe.db.set_value("WA Campaign", campaign, {"status": "Sending", "started_at": now_datetime()})
			frappe.db.commit()
		elif status != "Sending":
			return {"stopped": status}
		skip_opted_out(campaign)
		frappe.db.commit()
		sender = CampaignSender(campaign, settings)
		batch = frappe.db.sql_list(
			f"select name from `{RECIPIENT}` where campaign = %s and status = %s order by name limit %s",
			(campaign, rules.PENDING, settings.campaign_batch_size or 100),
		)
		for name in batch:
			# Cancel (or a Failed campaign) stops the batch before the next send.
			if not lock.refresh() or _campaign_status(campaign) != "Sending":
				break
			if not sender.send(name):
				break
			sent += 1
	finally:
		lock.release()
	progress = refresh_counts(campaign, finish=True)
	if progress["status"] == "Sending" and progress["pending"]:
		enqueue_batch(campaign)  # our work is committed: the next batch can start now
	return {"sent": sent, **progress}


class CampaignSender:
	"""Sends one recipient row at a time, under the shared rate."""

	def __init__(self, campaign: str, settings):
		doc = frappe.get_doc("WA Campaign", campaign)
		self.campaign = campaign
		self.doc = doc
		self.parameters = [rules.TemplateParameter(p.source, p.value) for p in doc.parameters]
		self.header = (doc.header_type, doc.header_url) if doc.header_type and doc.header_url else None
		self.max_attempts = settings.max_send_attempts or 5
		self.pacer = SendPacer(
			frappe.cache, send_pace_key(frappe.local.site), settings.campaign_rate_limit or 20
		)
		self.config = None

	def _set(self, name: str, values: dict, where_status: str | None = None) -> int:
		values = {**values, "modified": now_datetime()}
		assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
		guard = " and status = %(_status)s" if where_status else ""
		frappe.db.sql(
			f"update `{RECIPIENT}` set {assignments} where name = %(_name)s{guard}",
			{**values, "_name": name, "_status": where_status},
		)
		changed = frappe.db._cursor.rowcount
		frappe.db.commit()
		return changed

	def send(self, name: str) -> bool:
		"""Send one row if it is still pending. False when the campaign must stop (fatal error)."""
		try:
			self.config = self.config or get_wapi_config()
		except WapiError as exc:
			self._fail_campaign(str(exc))
			return False
		self.pacer.wait_turn()
		row = frappe.db.get_value(
			"WA Campaign Recipient", name, ["phone", "first_name", "last_name", "attempts"], as_dict=True
		)
		# Durably ours before anything leaves: a second job, or a retry, finds it taken.
		claimed = self._set(
			name,
			{
				"status": rules.SENDING,
				"attempts": (row.attempts or 0) + 1,
				"claimed_at": now_datetime(),
				"error": None,
			},
			where_status=rules.PENDING,
		)
		if not claimed:
			return True
		try:
			response = send_template(
				self.config,
				row.phone,
				self.doc.template_name,
				self.doc.template_language,
				rules.template_fields(self.parameters, row),
				self.header,
			)
		except WapiRateLimited as exc:
			# WAPI certainly did not take it: slow everyone down and leave the row for a later pass.
			self.pacer.back_off()
			again = (row.attempts or 0) + 1 < self.max_attempts
			self._set(name, {"status": rules.PENDING if again else rules.FAILED, "error": str(exc)[:1000]})
			return True
		except WapiAuthError as exc:
			self._set(name, {"status": rules.PENDING, "error": str(exc)[:1000]})
			self._fail_campaign(str(exc))
			return False
		except WapiOutcomeUnknown as exc:
			self._set(name, {"status": rules.UNKNOWN, "error": str(exc)[:1000]})
			return True
		except WapiError as exc:
			self._set(name, {"status": rules.FAILED, "error": str(exc)[:1000]})
			return True
		self._set(name, {"status": rules.SENT, "wamid": sent_wamid(response), "sent_at": now_datetime()})
		return True

	def _fail_campaign(self, error: str) -> None:
		frappe.db.set_value("WA Campaign", self.campaign, {"status": "Failed", "last_error": error[:1000]})
		frappe.db.commit()


# ---------------------------------------------------------------- recovery and delivery


def sweep_campaigns(settings) -> dict:
	"""Resume campaigns whose chain of jobs broke (a killed worker, Redis down at enqueue time).

	Only when nobody holds the campaign's lock: then a row still `Sending` was claimed by a job
	that died, and whether WAPI got it cannot be known, so it becomes `Unknown`, never resent.
	"""
	cutoff = now_datetime() - timedelta(seconds=settings.sweeper_age or 60)
	stalled = frappe.db.sql_list(
		"select name from `tabWA Campaign` where status in ('Queued', 'Sending') and modified < %s", cutoff
	)
	resumed = unknown = 0
	for campaign in stalled:
		if campaign_lock(campaign, 1).is_held():
			continue
		frappe.db.sql(
			f"""update `{RECIPIENT}` set status = %s, modified = %s,
			error = 'The worker stopped while sending: WAPI may or may not have it. Not resent.'
			where campaign = %s and status = %s""",
			(rules.UNKNOWN, now_datetime(), campaign, rules.SENDING),
		)
		unknown += frappe.db._cursor.rowcount
		refresh_counts(campaign, finish=True)
		if frappe.db.get_value("WA Campaign", campaign, "status") in RUNNING:
			enqueue_batch(campaign)
			resumed += 1
	# Delivery and read receipts keep arriving after a campaign ends: keep its counts current.
	recent = frappe.db.sql_list(
		"select name from `tabWA Campaign` where status in ('Completed', 'Cancelled') and finished_at > %s",
		now_datetime() - timedelta(days=RECEIPT_DAYS),
	)
	for campaign in recent:
		refresh_counts(campaign)
	return {"campaigns_resumed": resumed, "campaign_rows_unknown": unknown}


_RECIPIENT_REPLACES = {
	"sent": (rules.SENDING, rules.UNKNOWN),
	"delivered": (rules.SENDING, rules.SENT, rules.UNKNOWN, rules.FAILED),
	"read": (rules.SENDING, rules.SENT, rules.DELIVERED, rules.UNKNOWN, rules.FAILED),
	"failed": (rules.SENDING, rules.SENT, rules.UNKNOWN),
}
_RECIPIENT_STAMP = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}


def apply_recipient_status(wamid: str, status: str, error: str | None) -> int:
	"""A delivery status from the webhook, forward only; an unknown wamid changes nothing."""
	values = {"status": status.capitalize(), "modified": now_datetime()}
	if status in _RECIPIENT_STAMP:
		values[_RECIPIENT_STAMP[status]] = now_datetime()
	if status == "failed":
		values["error"] = (error or "WhatsApp reported the message as failed")[:1000]
	assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
	frappe.db.sql(
		f"update `{RECIPIENT}` set {assignments} where wamid = %(wamid)s and status in %(replaces)s",
		{**values, "wamid": wamid, "replaces": _RECIPIENT_REPLACES[status]},
	)
	return frappe.db._cursor.rowcount


# ---------------------------------------------------------------- opt-out


def record_opt_command(phone: str, command: OptCommand, source: str) -> replies.Reply:
	"""STOP records an opt-out and skips the number's pending campaign rows; START undoes both
	(for campaigns not finished yet). Written in the caller's transaction."""
	now = now_datetime()
	opted_out = command == OptCommand.STOP
	if frappe.db.exists("WA Opt Out", phone):
		values = {"opted_out": int(opted_out), "source": source}
		values["opted_out_at" if opted_out else "opted_in_at"] = now
		frappe.db.set_value("WA Opt Out", phone, values)
	elif opted_out:
		frappe.get_doc(
			{"doctype": "WA Opt Out", "phone": phone, "opted_out": 1, "source": source, "opted_out_at": now}
		).insert(ignore_permissions=True)
	if opted_out:
		frappe.db.sql(
			f"""update `{RECIPIENT}` set status = %s, modified = %s,
			error = 'The customer opted out of marketing messages'
			where phone = %s and status = %s""",
			(rules.OPTED_OUT, now, phone, rules.PENDING),
		)
		return replies.opted_out()
	# Back in: campaigns not yet finished include the number again.
	frappe.db.sql(
		f"""update `{RECIPIENT}` r join `tabWA Campaign` c on c.name = r.campaign
		set r.status = %s, r.error = null, r.modified = %s
		where r.phone = %s and r.status = %s and c.status in ('Draft', 'Queued', 'Sending')""",
		(rules.PENDING, now, phone, rules.OPTED_OUT),
	)
	return replies.opted_in()
