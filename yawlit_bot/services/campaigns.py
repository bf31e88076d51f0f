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
import time
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from yawlit_bot.engine import campaign as rules
from yawlit_bot.engine import delivery, replies
from yawlit_bot.engine import send_outcome as outcome
from yawlit_bot.engine.opt_out import OptCommand, decide_opt_command
from yawlit_bot.engine.validation import normalize_whatsapp_number
from yawlit_bot.services.db import rows_changed
from yawlit_bot.services.locks import ConversationLock, campaign_lock_key
from yawlit_bot.services.rate_limit import SendPacer, send_pace_key
from yawlit_bot.services.retry import run_with_db_retries
from yawlit_bot.services.settings import bot_settings, get_wapi_config
from yawlit_bot.services.wapi_client import (
	WORKER_DIED_MID_SEND,
	WapiError,
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
BATCH_SECONDS = 60  # a batch also ends after this long, well inside the job timeout
STATUS_EVERY = 0.5  # seconds between a sending batch's looks at its campaign's status and lock
JOB_TIMEOUT = 600
# Qualified: inside the subquery a bare `phone` would be the opt-out's own column.
OPTED_OUT_SQL = (
	f"exists (select 1 from `tabWA Opt Out` o where o.phone = `{RECIPIENT}`.phone and o.opted_out = 1)"
)


# ---------------------------------------------------------------- audience


def recipient_name(campaign: str, phone: str) -> str:
	return f"{campaign}-{phone}"


def _invalid_name(campaign: str, raw: str) -> str:
	return f"{campaign}-x{hashlib.sha1(raw.encode()).hexdigest()[:16]}"


def listed_phones(campaign: str) -> set[str]:
	return set(frappe.db.sql_list(f"select phone from `{RECIPIENT}` where campaign = %s", campaign))


def add_audience(campaign: str, candidates: list[rules.Candidate], source: str) -> dict:
	"""Add numbers to a draft campaign; returns how many were added, repeated or invalid."""
	_lock_campaign(campaign)  # a Send committing meanwhile sees all of these rows or none
	doc = frappe.get_doc("WA Campaign", campaign)
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
	"""Customers who have written to the bot. Campaign managers may not read conversations
	themselves: they get numbers and names only, behind the campaign methods' role check."""
	# never the WhatsApp Simulator's numbers: a campaign is real WhatsApp traffic
	rows = frappe.get_all(
		"WA Conversation", filters={**(filters or {}), "simulated": 0}, fields=["name", "contact_name"]
	)
	return [rules.Candidate(row.name, *_split_contact_name(row.name, row.contact_name)) for row in rows]


def candidates_from_bookings(filters: dict | None) -> list[rules.Candidate]:
	rows = frappe.get_all(
		"WA Service Booking",
		filters={**(filters or {}), "simulated": 0},
		fields=["phone", "first_name", "last_name"],
		order_by="creation desc",
	)
	return [rules.Candidate(row.phone or "", row.first_name, row.last_name) for row in rows]


def comeback_candidates(rule: rules.Comeback, today) -> list[rules.Candidate]:
	"""Customers to bring back (`engine.campaign.Comeback`), by their WhatsApp conversation, named
	as on their latest booking. Never the WhatsApp Simulator's, never an opted-out number, never
	anyone with a confirmed visit still to come."""
	opted_out = "exists (select 1 from `tabWA Opt Out` o where o.phone = {0} and o.opted_out = 1)"
	if rule.never_booked:
		rows = frappe.db.sql(
			f"""select c.name, c.contact_name from `tabWA Conversation` c
			where c.simulated = 0
				and not exists (select 1 from `tabWA Service Booking` b where b.conversation = c.name)
				and not {opted_out.format("c.name")}
			order by c.name""",
			as_dict=True,
		)
		return [
			rules.Candidate(row.name, *_split_contact_name(row.name, row.contact_name)) for row in rows
		]
	conditions = ["b.status = 'Completed'", "b.simulated = 0", "b.conversation is not null"]
	values: dict = {"cutoff": today - timedelta(days=rule.away_days), "today": today}
	for column, value in (
		("city", rule.city),
		("pincode", rule.pincode),
		("vehicle_type", rule.vehicle_type),
		("service_type", rule.service),
	):
		if value:
			conditions.append(f"b.`{column}` = %({column})s")
			values[column] = value
	rows = frappe.db.sql(
		f"""select v.conversation,
			(select x.first_name from `tabWA Service Booking` x where x.conversation = v.conversation
				order by x.appointment_date desc, x.name desc limit 1) as first_name,
			(select x.last_name from `tabWA Service Booking` x where x.conversation = v.conversation
				order by x.appointment_date desc, x.name desc limit 1) as last_name
		from (
			select b.conversation, max(b.appointment_date) as last_visit from `tabWA Service Booking` b
			where {" and ".join(conditions)} group by b.conversation
		) v
		where v.last_visit <= %(cutoff)s
			and not exists (select 1 from `tabWA Service Booking` u where u.conversation = v.conversation
				and u.status = 'Completed' and u.appointment_date > %(cutoff)s)
			and not exists (select 1 from `tabWA Service Booking` u where u.conversation = v.conversation
				and u.status = 'Confirmed' and u.appointment_date >= %(today)s)
			and not {opted_out.format("v.conversation")}
		order by v.conversation""",
		values,
		as_dict=True,
	)
	return [rules.Candidate(row.conversation, row.first_name, row.last_name) for row in rows]


def _split_contact_name(phone: str, contact_name: str | None) -> tuple[str | None, str | None]:
	first, _sep, last = (contact_name or "").partition(" ")
	if first == phone:  # no profile name: the conversation was named after the number
		return None, None
	return first or None, last or None


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


# ---------------------------------------------------------------- counts


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


# ---------------------------------------------------------------- actions


def skip_opted_out(campaign: str) -> int:
	frappe.db.sql(
		f"""update `{RECIPIENT}` r join `tabWA Opt Out` o on o.phone = r.phone
		set r.status = %s, r.error = 'The customer opted out of marketing messages', r.modified = %s
		where r.campaign = %s and r.status = %s and o.opted_out = 1""",
		(rules.OPTED_OUT, now_datetime(), campaign, rules.PENDING),
	)
	return rows_changed()


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
	doc = _lock_campaign(campaign)
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
	doc = _lock_campaign(campaign)
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


# ---------------------------------------------------------------- the batch job


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
		self.pacer = SendPacer(
			frappe.cache, send_pace_key(frappe.local.site), settings.campaign_rate_limit
		)
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


# ---------------------------------------------------------------- recovery and delivery


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


# ---------------------------------------------------------------- opt-out


def is_opted_out(phone: str) -> bool:
	return bool(frappe.db.get_value("WA Opt Out", phone, "opted_out"))


def record_opt_command(phone: str, command: OptCommand, source: str) -> replies.Reply | None:
	"""STOP records an opt-out and skips the number's pending campaign rows; START undoes both
	(for campaigns not finished yet). Written in the caller's transaction. None when there is
	nothing to undo: a "start" from someone who never opted out is an ordinary message."""
	phone = normalize_whatsapp_number(phone) or phone
	now = now_datetime()
	has_record = bool(frappe.db.exists("WA Opt Out", phone))
	decision = decide_opt_command(command, is_opted_out(phone), has_record)
	if decision is None:
		return None
	stop = decision.opted_out
	if decision.write_record and has_record:
		record = frappe.get_doc("WA Opt Out", phone)
		record.update({"opted_out": int(stop), "source": source, "opted_in_at": None if stop else now})
		record.flags.customer_request = True
		record.save(ignore_permissions=True)  # a Version keeps the history of consent
	elif decision.write_record:
		frappe.get_doc({"doctype": "WA Opt Out", "phone": phone, "opted_out": 1, "source": source}).insert(
			ignore_permissions=True
		)
	if stop:
		frappe.db.sql(
			f"""update `{RECIPIENT}` set status = %s, modified = %s,
			error = 'The customer opted out of marketing messages'
			where phone = %s and status = %s""",
			(rules.OPTED_OUT, now, phone, rules.PENDING),
		)
		return decision.reply
	# Back in: campaigns not yet finished include the number again.
	frappe.db.sql(
		f"""update `{RECIPIENT}` r join `tabWA Campaign` c on c.name = r.campaign
		set r.status = %s, r.error = null, r.modified = %s
		where r.phone = %s and r.status = %s and c.status in ('Draft', 'Queued', 'Sending')""",
		(rules.PENDING, now, phone, rules.OPTED_OUT),
	)
	return decision.reply
