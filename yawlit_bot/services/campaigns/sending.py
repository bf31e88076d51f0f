"""Sending campaigns: the batch jobs, start, cancel and retry, and the sweeper's part.

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

import time
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from yawlit_bot.engine import campaign as rules
from yawlit_bot.engine import send_outcome as outcome
from yawlit_bot.services.campaigns.audience import OPTED_OUT_SQL
from yawlit_bot.services.campaigns.results import (
	RECEIPT_DAYS,
	RECIPIENT,
	RUNNING,
	lock_campaign,
	refresh_counts,
	status_counts,
)
from yawlit_bot.services.clients.wapi_client import (
	WORKER_DIED_MID_SEND,
	WapiError,
	WapiRateLimited,
	send_template,
	sent_wamid,
)
from yawlit_bot.services.outbound.rate_limit import SendPacer, send_pace_key
from yawlit_bot.services.site.db import rows_changed
from yawlit_bot.services.site.locks import ConversationLock, campaign_lock_key
from yawlit_bot.services.site.retry import run_with_db_retries
from yawlit_bot.services.site.settings import bot_settings, get_wapi_config

SEND_JOB = "yawlit_bot.services.campaigns.sending.send_batch"
SENDABLE = ("Draft", "Failed")  # a Failed campaign (e.g. WAPI not configured) can be sent again
RETRYABLE = ("Completed", "Cancelled", "Failed")
BATCH_SECONDS = 60  # a batch also ends after this long, well inside the job timeout
STATUS_EVERY = 0.5  # seconds between a sending batch's looks at its campaign's status and lock
JOB_TIMEOUT = 600


def _set_status(campaign: str, values: dict, only_from: tuple[str, ...]) -> bool:
	"""Change the campaign's status only if it still is one of `only_from` (Cancel may have won)."""
	values = {**values, "modified": now_datetime()}
	assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
	frappe.db.sql(
		f"update `tabWA Campaign` set {assignments} where name = %(_name)s and status in %(_from)s",
		{**values, "_name": campaign, "_from": only_from},
	)
	changed = rows_changed() == 1
	frappe.db.commit()
	return changed


def skip_opted_out(campaign: str) -> int:
	frappe.db.sql(
		f"""update `{RECIPIENT}` r join `tabWA Opt Out` o on o.phone = r.phone
		set r.status = %s, r.error = 'The customer opted out of marketing messages', r.modified = %s
		where r.campaign = %s and r.status = %s and o.opted_out = 1""",
		(rules.OPTED_OUT, now_datetime(), campaign, rules.PENDING),
	)
	return rows_changed()


def start_sending(campaign: str) -> dict:
	"""Queue a draft (or failed) campaign. Returns {"queued": n, "skipped": m}."""
	doc = lock_campaign(campaign)
	if doc.status not in SENDABLE:
		frappe.throw(
			_("Campaign {0} is {1}: only a Draft or Failed campaign can be sent.").format(
				campaign, _(doc.status)
			)
		)
	doc.validate()  # template, parameters and header as the form checks them
	settings = bot_settings()
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
	queue_campaign(campaign)
	return {"queued": counts["pending"], "skipped": counts["opted_out"] + counts["invalid"]}


def cancel(campaign: str) -> dict:
	"""Stop sending: rows not yet claimed become Cancelled; a job mid-batch stops before its next send."""
	doc = lock_campaign(campaign)
	if doc.status not in (*RUNNING, "Draft"):
		frappe.throw(_("Campaign {0} is {1} and cannot be cancelled.").format(campaign, _(doc.status)))
	recipient = frappe.qb.DocType("WA Campaign Recipient")
	(
		frappe.qb.update(recipient)
		.set(recipient.status, rules.CANCELLED)
		.set(recipient.modified, now_datetime())
		.where((recipient.campaign == campaign) & (recipient.status == rules.PENDING))
	).run()
	frappe.db.set_value("WA Campaign", campaign, {"status": "Cancelled", "finished_at": now_datetime()})
	return refresh_counts(campaign)


def retry_failed(campaign: str) -> dict:
	"""Send the Failed rows again (only those: WAPI certainly did not take them, or WhatsApp
	reported them failed). Unknown rows stay as they are."""
	doc = lock_campaign(campaign)
	if doc.status not in RETRYABLE:
		frappe.throw(_("Campaign {0} is {1}: wait until it has finished.").format(campaign, _(doc.status)))
	# The old wamid goes: a late receipt for the failed message must not move the new send.
	recipient = frappe.qb.DocType("WA Campaign Recipient")
	(
		frappe.qb.update(recipient)
		.set(recipient.status, rules.PENDING)
		.set(recipient.wamid, None)
		.set(recipient.modified, now_datetime())
		.where((recipient.campaign == campaign) & (recipient.status == rules.FAILED))
	).run()
	retried = rows_changed()
	if not retried:
		frappe.throw(_("Campaign {0} has no failed recipients.").format(campaign))
	skip_opted_out(campaign)
	queue_campaign(campaign)
	return {"queued": retried}


def queue_campaign(campaign: str) -> None:
	"""Mark it Queued and queue its first batch once that is committed (the campaign row is
	locked by the caller)."""
	frappe.db.set_value(
		"WA Campaign",
		campaign,
		{"status": "Queued", "queued_at": now_datetime(), "finished_at": None, "last_error": None},
	)
	enqueue_batch(campaign, after_commit=True)
	refresh_counts(campaign)  # commits


def enqueue_batch(campaign: str, after_commit: bool = False) -> None:
	frappe.enqueue(
		SEND_JOB, queue="default", timeout=JOB_TIMEOUT, campaign=campaign, enqueue_after_commit=after_commit
	)


def campaign_lock(campaign: str, timeout: float) -> ConversationLock:
	return ConversationLock(frappe.cache, campaign_lock_key(frappe.local.site, campaign), timeout)


def _campaign_status(campaign: str) -> str | None:
	frappe.db.rollback()  # a fresh snapshot: Cancel may have committed since the last read
	return frappe.db.get_value("WA Campaign", campaign, "status")


def send_batch(campaign: str) -> dict:
	"""RQ job: send the next batch of a campaign's pending rows, then queue the next batch."""
	settings = bot_settings()
	lock = campaign_lock(campaign, settings.lock_timeout)
	if not lock.acquire():
		return {"skipped": "another job is sending this campaign"}
	sent = 0
	started = time.monotonic()
	try:
		status = _campaign_status(campaign)
		if status == "Queued":
			_set_status(campaign, {"status": "Sending", "started_at": now_datetime()}, only_from=("Queued",))
		elif status != "Sending":
			return {"stopped": status}
		skip_opted_out(campaign)
		frappe.db.commit()
		sender = CampaignSender(campaign, settings)
		checked = 0.0
		going = True
		# Batch after batch for up to BATCH_SECONDS, then the next job: a job per batch left a
		# gap of a fork and a start at every hundred sends (a tenth of the time at 80/s).
		while going and time.monotonic() - started < BATCH_SECONDS:
			# The rows as they stand now, in one read: each is claimed (still Pending, number not
			# opted out) just before it goes, so a row cancelled or opted out meanwhile is skipped.
			batch = frappe.db.sql(
				f"""select name, phone, first_name, last_name, attempts from `{RECIPIENT}`
				where campaign = %s and status = %s order by name limit %s""",
				(campaign, rules.PENDING, settings.campaign_batch_size),
				as_dict=True,
			)
			if not batch:
				break
			for row in batch:
				if time.monotonic() - started > BATCH_SECONDS:
					break  # the next job goes on: no job outlives its timeout
				# Cancel (or a Failed campaign) stops the batch: looked at every STATUS_EVERY
				# seconds, not per send (Cancel's own update makes its rows unclaimable at once).
				if time.monotonic() - checked > STATUS_EVERY:
					if not lock.refresh() or _campaign_status(campaign) != "Sending":
						going = False
						break
					checked = time.monotonic()
				if not sender.send(row):
					going = False
					break
				sent += 1
			else:
				refresh_counts(campaign)  # the progress bar between batches (and the sweeper's heartbeat)
	finally:
		lock.release()
	progress = refresh_counts(campaign, finish=True)
	if progress["status"] in RUNNING and progress["pending"]:
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
		self.max_attempts = settings.max_send_attempts
		self.pacer = SendPacer(frappe.cache, send_pace_key(frappe.local.site), settings.campaign_rate_limit)
		self.config = None

	def _set(self, name: str, values: dict, claim: bool = False) -> int:
		"""Write one row and commit, retrying a deadlock: after a send this write is the only
		record that WAPI took the message. With `claim`, only a pending row whose number has
		not opted out is taken."""
		values = {**values, "modified": now_datetime()}
		assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
		guard = f" and status = %(_pending)s and not {OPTED_OUT_SQL}" if claim else ""

		def write() -> int:
			frappe.db.sql(
				f"update `{RECIPIENT}` set {assignments} where name = %(_name)s{guard}",
				{**values, "_name": name, "_pending": rules.PENDING},
			)
			changed = rows_changed()
			frappe.db.commit()
			return changed

		return run_with_db_retries(write)

	def send(self, row) -> bool:
		"""Send one row (name, phone, names, attempts, as read for the batch) if it is still
		pending. False when the campaign must stop (fatal error)."""
		try:
			self.config = self.config or get_wapi_config()
		except WapiError as exc:
			self._fail_campaign(str(exc))
			return False
		name = row.name
		# Durably ours before anything leaves: a second job, or a retry, finds it taken.
		claimed = self._set(
			name,
			{
				"status": rules.SENDING,
				"attempts": (row.attempts or 0) + 1,
				"claimed_at": now_datetime(),
				"error": None,
			},
			claim=True,
		)
		if not claimed:  # another job took it, it was cancelled, or the number just opted out
			frappe.db.sql(
				f"update `{RECIPIENT}` set status = %s, error = %s, modified = %s where name = %s and status = %s",
				(
					rules.OPTED_OUT,
					"The customer opted out of marketing messages",
					now_datetime(),
					name,
					rules.PENDING,
				),
			)
			frappe.db.commit()
			return True
		# The slot is taken last, right before the request: nothing between it and WAPI but the
		# request itself, so the spacing WhatsApp sees is the pacer's.
		self.pacer.wait_turn()
		try:
			response = send_template(
				self.config,
				row.phone,
				self.doc.template_name,
				self.doc.template_language,
				rules.template_fields(self.parameters, row),
				self.header,
			)
		except WapiError as exc:
			if isinstance(exc, WapiRateLimited):
				self.pacer.back_off()  # WAPI certainly did not take it: slow every sender down
			status, stop = outcome.campaign_row_after(exc.kind, (row.attempts or 0) + 1, self.max_attempts)
			self._set(name, {"status": status, "error": str(exc)[:1000]})
			if stop:
				self._fail_campaign(str(exc))
			return not stop
		self._set(name, {"status": rules.SENT, "wamid": sent_wamid(response), "sent_at": now_datetime()})
		return True

	def _fail_campaign(self, error: str) -> None:
		_set_status(self.campaign, {"status": "Failed", "last_error": error[:1000]}, only_from=RUNNING)


def sweep_campaigns(settings) -> dict:
	"""Resume campaigns whose chain of jobs broke (a killed worker, Redis down at enqueue time).

	Only where nobody holds the campaign's lock: then a row still `Sending` was claimed by a job
	that died, and whether WAPI got it cannot be known, so it becomes `Unknown`, never resent.
	One campaign's trouble does not stop the others.
	"""
	now = now_datetime()
	cutoff = now - timedelta(seconds=settings.sweeper_age)
	receipts_since = now - timedelta(days=RECEIPT_DAYS)
	campaigns = frappe.get_all(
		"WA Campaign",
		or_filters=[
			["status", "in", RUNNING],
			["modified", ">", receipts_since],
			["finished_at", ">", receipts_since],
		],
		fields=["name", "status", "modified"],
	)
	recipient = frappe.qb.DocType("WA Campaign Recipient")
	resumed = unknown = 0
	for row in campaigns:
		try:
			if campaign_lock(row.name, 1).is_held():
				continue
			(
				frappe.qb.update(recipient)
				.set(recipient.status, rules.UNKNOWN)
				.set(recipient.modified, now)
				.set(recipient.error, WORKER_DIED_MID_SEND)
				.where(
					(recipient.campaign == row.name)
					& (recipient.status == rules.SENDING)
					& (recipient.claimed_at < cutoff)
				)
			).run()
			unknown += rows_changed()
			stalled = row.status in RUNNING and row.modified < cutoff
			# Finished ones too: delivery and read receipts keep arriving for a few days.
			progress = refresh_counts(row.name, finish=stalled)
			if stalled and progress["status"] in RUNNING and progress["pending"]:
				enqueue_batch(row.name)
				resumed += 1
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=f"yawlit_bot: could not sweep campaign {row.name}")
	return {"campaigns_resumed": resumed, "campaign_rows_unknown": unknown}
