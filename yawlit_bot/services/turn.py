"""The turn job: one conversation's pending messages, in arrival order, one turn at a time.

Fences, outermost first:
1. a Redis lock per conversation (key carries the site) so only one job works on it;
2. the `WA Conversation` row locked FOR UPDATE, which orders turns even if the lock
   expired under a slow turn;
3. one transaction per turn: scratchpad, state, booking, replies and the message's
   `Processed` mark commit together or not at all. Replies are sent after that commit.

A job that cannot take the lock leaves: the holder re-checks for pending messages after
releasing it, and the sweeper re-queues whatever a crash left behind.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass
from datetime import timedelta

import frappe
from frappe.utils import get_datetime, now_datetime
from redis.exceptions import RedisError

from yawlit_bot.engine import replies
from yawlit_bot.engine.flood import FLOOD_WINDOW_SECONDS, throttle_replies
from yawlit_bot.services.booking import create_booking
from yawlit_bot.services.clock import today_in_india
from yawlit_bot.services.locks import ConversationLock, conversation_lock_key
from yawlit_bot.services.messages import queue_reply, update_message
from yawlit_bot.services.outbox import RESEND_AFTER_SECONDS, send_replies
from yawlit_bot.services.retry import DB_RETRIES, run_with_db_retries, should_retry
from yawlit_bot.services.settings import bot_settings, stored_bot_enabled

TURN_JOB = "yawlit_bot.services.turn.run_turn_job"
TURN_QUEUE = "short"
# Methods of queued jobs a running turn job may take over: the old name too, for jobs queued
# before an upgrade.
TAKEOVER_METHODS = (TURN_JOB, "yawlit_bot.services.turn.process_conversation")
# RQ forks a work horse and Frappe starts up for every job: about 40 ms of CPU on a small
# machine before a turn begins. A turn job that finishes while other turn jobs wait takes
# them over instead, for this long, looking at this many jobs at the head of the queue.
TAKEOVER_SECONDS = 20
TAKEOVER_SCAN = 5
LOCK_WAIT_SECONDS = 0  # a busy lock means the holder will see our message: no waiting
QUEUED_FLAG_SECONDS = 900  # long enough for a queued job in a backlog; the sweeper handles lost ones
DONE, EMPTY, FAILED = "done", "empty", "failed"
# A customer flooding the bot must not hold a worker while others wait: after this many turns
# the job queues a fresh one for the rest, at the back of the queue.
TURNS_PER_JOB = 10
SEND_PASSES_BEFORE_GIVING_UP = 3  # failed send passes in a row: WAPI is down, not flaky
RESEND_POLL_SECONDS = 0.25  # while waiting to resend, how often the queue is looked at


def enqueue_turn(conversation: str, force: bool = False) -> None:
	"""Queue a turn job unless one is already queued or running for this conversation.

	That job will see this message: it clears the flag only when it ends, and then looks for
	pending messages once more (see `process_conversation`). If its job was lost (a killed
	worker), the sweeper queues a new one with `force`. A failure here is survivable: the
	message is stored and the sweeper re-queues it.
	"""
	try:
		if not frappe.cache.set(queued_flag_key(conversation), 1, ex=QUEUED_FLAG_SECONDS, nx=not force):
			return
		frappe.enqueue(TURN_JOB, queue=TURN_QUEUE, conversation=conversation)
	except Exception:
		frappe.log_error(title="yawlit_bot: could not queue a turn (the sweeper will)")


def queued_flag_key(conversation: str) -> str:
	return f"{frappe.local.site}|yawlit_bot|turn-queued|{conversation}"


def conversation_lock(conversation: str, timeout: float) -> ConversationLock:
	return ConversationLock(frappe.cache, conversation_lock_key(frappe.local.site, conversation), timeout)


def run_turn_job(conversation: str) -> int:
	"""RQ job: this conversation's turns, then those of turn jobs still waiting in the queue,
	while there are any (each is taken out of the queue first, so it runs exactly once).
	With the queue empty, a reply WAPI refused on its first attempt is sent again, once, when
	it may be (see `next_resend`). Returns the number of turns run (failed attempts included)."""
	# From the job's start: a job stays far inside the queue's timeout (300 s), so no timeout
	# ever interrupts a taken-over turn and counts against its message.
	deadline = time.monotonic() + TAKEOVER_SECONDS
	turns = process_conversation(conversation)
	served, resent = {conversation}, set()
	due = None  # (conversation, monotonic time its refused reply may go), read once per wait
	while time.monotonic() < deadline:
		waiting = take_queued_turn()
		if waiting:
			try:
				turns += process_conversation(waiting)
			except Exception:
				# Its own job would have been retried or failed with it: queue it afresh rather
				# than leave it to the sweeper, and fail this job as it would have failed.
				enqueue_turn(waiting, force=True)
				raise
			served.add(waiting)
			due = None
			continue
		# Nothing queued, so this worker would idle: rather than leave a refused reply (and the
		# replies held behind it) to the sweeper a minute or more later, wait until it may go
		# again, still taking over any turn job that arrives meanwhile. Never while other jobs
		# (other sites', other apps') wait in the queue.
		if due is None:
			found = next_resend(served - resent)
			if not found:
				break
			due = (found[0], time.monotonic() + found[1])
		if not no_job_waiting():
			break
		resend, ready_at = due
		remaining = ready_at - time.monotonic()
		if remaining > 0:
			time.sleep(min(remaining, RESEND_POLL_SECONDS))
			continue
		turns += process_conversation(resend)
		resent.add(resend)  # tried, or another job holds the conversation and sends it
		due = None
	return turns


def next_resend(conversations: set[str]) -> tuple[str, float] | None:
	"""Of `conversations`, the one whose reply WAPI refused on its first attempt may be sent again
	first, and the seconds until it may (see `outbox.RESEND_AFTER_SECONDS`); None when there is
	none. Only after the first attempt: a second refusal looks like an outage, and a try every
	few seconds would use up a reply's attempts within one; later ones are the sweeper's, a
	minute apart."""
	if not conversations:
		return None
	# Ends the transaction, for a fresh snapshot of the sends just recorded; a commit, not a
	# rollback, so an Error Log written meanwhile (a failed enqueue) is kept.
	frappe.db.commit()
	row = frappe.db.sql(
		"""select conversation, min(modified) from `tabWA Message`
		where conversation in %(conversations)s and role = 'assistant' and send_status = 'Failed'
			and wamid is null and send_attempts = 1 and send_attempts < %(max)s
		group by conversation order by 2 limit 1""",
		{"conversations": tuple(conversations), "max": bot_settings().max_send_attempts},
	)
	if not row:
		return None
	conversation, last_attempt = row[0]
	ready_at = get_datetime(last_attempt) + timedelta(seconds=RESEND_AFTER_SECONDS)
	return conversation, (ready_at - now_datetime()).total_seconds()


def no_job_waiting() -> bool:
	"""True when no job at all waits in the queues a turn worker serves (bench's production
	workers serve short and default together); an unreadable queue counts as busy."""
	from frappe.utils.background_jobs import get_queue

	try:
		return all(get_queue(queue).count == 0 for queue in (TURN_QUEUE, "default"))
	except RedisError:
		return False


def take_queued_turn(queue=None) -> str | None:
	"""The conversation of the oldest turn job of this site still waiting in `queue` (by default
	the turn queue), removed from the queue so that the caller runs it instead. LREM and a
	worker's pop are atomic against each other: exactly one of them gets the job. A caller that
	dies afterwards leaves the conversation's queued flag behind, as a killed job does, and the
	sweeper queues it again."""
	from frappe.utils.background_jobs import get_queue
	from rq.job import Job

	try:
		queue = queue or get_queue(TURN_QUEUE)
		for job_id in queue.get_job_ids(0, TAKEOVER_SCAN):
			try:
				job = Job.fetch(job_id, connection=queue.connection)
				job_kwargs = job.kwargs
			except Exception:  # NoSuchJobError (gone meanwhile), or a job this code cannot read
				continue
			conversation = (job_kwargs.get("kwargs") or {}).get("conversation")
			if (
				job_kwargs.get("site") != frappe.local.site
				or job_kwargs.get("method") not in TAKEOVER_METHODS
				or not conversation
			):
				continue
			if queue.remove(job_id):
				try:
					job.delete(remove_from_queue=False)
				except RedisError:
					pass  # only its record is left behind (RQ expires it); the job is ours
				return conversation
	except RedisError:
		pass  # the queue is unreadable: the jobs in it run the usual way, or the sweeper's
	return None


def process_conversation(conversation: str) -> int:
	"""One conversation's pending turns and unsent replies. Returns the number of turns it ran
	(failed attempts included)."""
	turns = 0
	ran = False
	failed_send_passes = 0
	stuck = False
	try:
		settings = bot_settings()
		while True:
			turns_before = turns
			# Read afresh each pass, and the same value has_pending uses: with the switch
			# flipped mid-job, a stale value would find "nothing to do" forever while
			# has_pending keeps finding work.
			enabled = bot_enabled()
			lock = conversation_lock(conversation, settings.lock_timeout)
			if not lock.acquire(wait=LOCK_WAIT_SECONDS):
				return turns  # the holder looks for pending messages again after releasing
			ran = True
			try:
				# A failed turn leaves its message Pending with one more attempt counted, so this
				# loop retries it at once, and gives up on it after `max_turn_attempts`.
				while True:
					# Send while the lock is ours, so replies leave in turn order; an earlier
					# reply WAPI refused goes first (or holds the later ones back). After a few
					# failed passes in a row this job only runs turns: a WAPI outage must not
					# make every turn wait out the retries (the sweeper sends the backlog, in
					# order, later). A single failure is not an outage: the next pass retries.
					if failed_send_passes < SEND_PASSES_BEFORE_GIVING_UP:
						if send_replies(conversation, settings.max_send_attempts, keep_going=lock.refresh) is None:
							failed_send_passes += 1
						else:
							failed_send_passes = 0
					if turns >= TURNS_PER_JOB:
						break
					if not (
						lock.refresh()
						and run_next_turn(conversation, settings, opt_commands_only=not enabled) != EMPTY
					):
						break
					turns += 1
					frappe.cache.expire(queued_flag_key(conversation), QUEUED_FLAG_SECONDS)
			finally:
				lock.release()
			if turns >= TURNS_PER_JOB or not has_pending(conversation):
				return turns  # with work left, `finally` queues a new job behind the others
			if turns == turns_before:
				# Work is pending but a whole pass found none to run (the switch flipped just
				# now, or the lock was lost): leave it to the next job or the sweeper, never spin.
				stuck = True
				return turns
	finally:
		try:
			frappe.cache.delete(queued_flag_key(conversation))
		except RedisError:
			pass  # Redis restarting: the flag is gone with it, or expires; still hand work on
		# A message whose enqueue was skipped because of our flag, and that came after our
		# last look, is pending now: hand it to a new job.
		if ran and not stuck and has_pending(conversation):
			enqueue_turn(conversation)


def bot_enabled() -> bool:
	"""The switch as stored now (not the cached settings): it may be flipped while a job runs."""
	frappe.db.rollback()  # a fresh snapshot, not the one the last turn read
	return stored_bot_enabled()


def has_pending(conversation: str) -> bool:
	"""Work for a turn job: any pending message, or with the bot switched off, a STOP/START."""
	if not bot_enabled():
		return bool(next_opt_command(conversation))
	return bool(
		frappe.db.sql(
			"""select 1 from `tabWA Message`
			where conversation = %s and processing_status = 'Pending' and role = 'user' limit 1""",
			conversation,
		)
	)


def next_opt_command(conversation: str):
	"""The oldest pending STOP/START. With the bot switched off, campaigns may still run, so
	opt-outs are honoured while other messages wait for the bot to be switched on again."""
	from yawlit_bot.engine.opt_out import read_opt_command

	for name, content, button_id in frappe.db.sql(
		"""select name, content, button_id from `tabWA Message`
		where conversation = %s and processing_status = 'Pending' and role = 'user' order by name""",
		conversation,
	):
		if read_opt_command(content, button_id):
			return name
	return None


def run_next_turn(conversation: str, settings, opt_commands_only: bool | None = None) -> str:
	"""Run the oldest pending message's turn in its own transaction. With the bot switched off
	(`opt_commands_only`, by default from `settings`), only STOP / START are run."""
	if opt_commands_only is None:
		opt_commands_only = not settings.enabled
	# The model reads the message before the conversation row is locked: the row lock is never
	# held while a model answers. Nothing it says is written until the turn, under the lock.
	understood = None if opt_commands_only else read_next_with_model(conversation)
	for attempt in range(DB_RETRIES):
		frappe.db.rollback()
		name = None
		try:
			name = lock_next_pending(conversation, opt_commands_only=opt_commands_only)
			if not name:
				frappe.db.commit()
				return EMPTY
			if attempt == 0 and count_turn_start(name) > settings.max_turn_attempts:
				give_up(
					name,
					"Given up: its turn was started too often without finishing (a worker died each time)",
				)
				frappe.db.commit()
				return FAILED
			apply_turn(conversation, name, understood if understood and understood.message == name else None)
			frappe.db.commit()
			return DONE
		except Exception as exc:
			frappe.db.rollback()
			if should_retry(exc, attempt):
				continue
			if not name:
				raise  # the database itself is failing: let the job fail; the sweeper re-queues
			# Through a deadlock too: the count is what lets a failing message be given up on.
			run_with_db_retries(lambda: record_turn_failure(name, settings))
			return FAILED
	return FAILED


def count_turn_start(message_name) -> int:
	"""Count in Redis, before the turn runs, so a turn that kills its worker is counted too."""
	key = f"{frappe.local.site}|yawlit_bot|turn-starts|{message_name}"
	starts = frappe.cache.incr(key)
	frappe.cache.expire(key, 86400)
	return starts


def give_up(message_name, reason: str) -> None:
	"""Mark a message Failed so the conversation moves on, and apologise to the customer."""
	conversation = frappe.db.get_value("WA Message", str(message_name), "conversation")
	update_message(message_name, {"processing_status": "Failed", "processing_error": reason[-2000:]})
	queue_reply(conversation, replies.Reply(replies.SORRY_TEXT), reply_to=message_name)


def lock_next_pending(conversation: str, opt_commands_only: bool = False) -> str | None:
	"""Lock the conversation row (the real fence), then read its oldest pending message.

	The message is read without FOR UPDATE on purpose: only the holder of the conversation row
	changes its messages' processing status, and a locking read here would take next-key locks
	on the (conversation, processing_status) index that block the webhook's INSERT of this
	customer's next message until the turn commits. The plain read's snapshot starts after the
	row lock is granted, so it sees every message committed before."""
	if not frappe.db.sql("select name from `tabWA Conversation` where name = %s for update", conversation):
		return None
	if opt_commands_only:
		return next_opt_command(conversation)
	rows = frappe.db.sql(
		"""select name from `tabWA Message`
		where conversation = %s and processing_status = 'Pending' and role = 'user'
		order by name limit 1""",
		conversation,
	)
	return rows[0][0] if rows else None


def load_snapshot(conv, scratchpad):
	from yawlit_bot.engine.conversation import Snapshot, State

	return Snapshot(
		state=State(conv.state or State.IDLE.value),
		values=scratchpad.booking_values() if scratchpad else {},
		has_scratchpad=bool(scratchpad and scratchpad.status == "Active"),
		expecting=tuple(filter(None, (conv.expecting or "").split(","))),
		editing_field=conv.editing_field or None,
		last_booking_id=conv.last_booking or None,
		unconfirmed=_json_dict(conv.unconfirmed_values),
	)


def _json_dict(raw) -> dict:
	try:
		value = json.loads(raw) if raw else {}
	except ValueError:
		return {}
	return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Understood:
	"""What the model read in a pending message, before its turn."""

	message: object  # the WA Message name it read
	reading: object  # ModelReading or None
	note: str  # for the message's `understood_by`
	threshold: float


_understood: dict[tuple, Understood] = {}  # this process's last reading, for a retried turn


def read_next_with_model(conversation: str) -> Understood | None:
	"""Ask the model about the oldest pending message, if a model is set and the message is
	text to read (not a button, a STOP/START or media). Plain reads, no row lock; never raises."""
	from yawlit_bot.services.model_reader import model_config, read_with_model

	try:
		config = model_config()
		if not config.enabled:
			return None
		rows = frappe.db.sql(
			"""select name, content, button_id, received_at from `tabWA Message`
			where conversation = %s and processing_status = 'Pending' and role = 'user'
			order by name limit 1""",
			conversation,
			as_dict=True,
		)
		if not rows or not (rows[0].content or "").strip() or rows[0].button_id:
			return None
		from yawlit_bot.engine.merge import missing_required
		from yawlit_bot.engine.opt_out import read_opt_command

		message = rows[0]
		if read_opt_command(message.content, None):
			return None
		earlier = _understood.get((frappe.local.site, message.name))
		if earlier:
			return earlier  # a turn that failed is retried without asking the model again
		if messages_in_window(conversation, message) > bot_settings().flood_reply_limit:
			# a flooding customer's messages are stored and read, not sent to a paid model
			return Understood(message.name, None, "rules (sending too fast: model skipped)", config.threshold)
		conv = frappe.db.get_value(
			"WA Conversation", conversation, ["state", "expecting", "active_scratchpad"], as_dict=True
		)
		known = {}
		if conv and conv.active_scratchpad:
			scratchpad = frappe.get_doc("WA Booking Scratchpad", conv.active_scratchpad)
			if scratchpad.status == "Active":
				known = scratchpad.booking_values()
		expecting = tuple(filter(None, (conv.expecting or "").split(","))) if conv and conv.state == "COLLECTING" else ()
		recent = frappe.db.sql(
			"""select role, content from `tabWA Message`
			where conversation = %s and name < %s and content is not null order by name desc limit 3""",
			(conversation, message.name),
		)[::-1]
		today = today_in_india()
		reading, note = read_with_model(
			message.content, list(recent), known, missing_required(known, today), expecting, today, config
		)
		understood = Understood(message.name, reading, note, config.threshold)
		_understood.clear()  # only the latest: a retry comes right after its failure
		_understood[(frappe.local.site, message.name)] = understood
		return understood
	except Exception:
		# deferred: the turn's rollback right after must not take the log with it
		frappe.log_error(title="yawlit_bot: reading a message with the model failed (rules used)", defer_insert=True)
		return None


def apply_turn(conversation: str, message_name, understood: Understood | None = None) -> None:
	"""Decide the turn with the engine and write everything it changes (no commit here)."""
	# Imported here: jobs that find the lock busy or nothing pending never pay for the engine.
	from yawlit_bot.engine.opt_out import read_opt_command

	conv = frappe.get_doc("WA Conversation", conversation)
	message = frappe.db.sql(
		"""select name, content, button_id, message_type, location, received_at
		from `tabWA Message` where name = %s""",
		message_name,
		as_dict=True,
	)[0]
	opt_reply = None
	command = read_opt_command(message.content, message.button_id)
	if command:
		# STOP / START is about marketing: the booking being collected stays as it is.
		from yawlit_bot.services.campaigns import record_opt_command

		source = "WhatsApp button" if message.button_id else "WhatsApp message"
		opt_reply = record_opt_command(conversation, command, source)
	# The answer to STOP / START and a booking confirmation go even to a flooding customer
	# (`Reply.essential`, decided with the reply's text in engine/replies.py).
	outgoing = [opt_reply] if opt_reply else apply_booking_turn(conv, message, understood)
	conv.last_inbound_at = message.received_at
	save_conversation(conv)

	throttled = throttle_replies(
		outgoing,
		messages_in_window(conversation, message),
		bot_settings().flood_reply_limit,
	)
	for reply in throttled.send:
		queue_reply(conversation, reply, reply_to=message_name)
	update_message(
		message_name,
		{
			"processing_status": "Processed",
			"processed_at": now_datetime(),
			"processing_error": None,
			"replies_held_back": throttled.held_back,
			"understood_by": understood.note if understood else "rules",
		},
	)


def save_conversation(conv) -> None:
	"""Write the turn's changes to the conversation row, which this job holds FOR UPDATE.

	`db_update`, not `save`: the row lock already orders the writers, so Frappe's reload to
	compare `modified` and its validation of values the engine produced would only double the
	cost of a turn. `on_update` still runs (other apps' doc_events, After Save server scripts),
	and Desk hears of the change; a Before Save / validate hook on WA Conversation does not."""
	conv.modified = now_datetime()
	conv.modified_by = frappe.session.user
	conv.db_update()
	conv.run_method("on_update")
	conv.notify_update()


def messages_in_window(conversation: str, message) -> int:
	"""The customer's messages that arrived within the flood window ending with `message`
	(itself included): their pace of writing, whatever the pace of processing."""
	since = get_datetime(message.received_at) - timedelta(seconds=FLOOD_WINDOW_SECONDS)
	return frappe.db.sql(
		"""select count(*) from `tabWA Message`
		where conversation = %s and role = 'user' and received_at > %s and name <= %s""",
		(conversation, since, message.name),
	)[0][0]


def apply_booking_turn(conv, message, understood: Understood | None = None) -> list:
	"""The booking conversation's turn: scratchpad, booking and state on `conv` (saved by the
	caller). Returns the replies."""
	from yawlit_bot.engine.conversation import Message, decide_turn
	from yawlit_bot.engine.understanding import DEFAULT_THRESHOLD

	conversation = conv.name
	scratchpad = (
		frappe.get_doc("WA Booking Scratchpad", conv.active_scratchpad) if conv.active_scratchpad else None
	)

	decision = decide_turn(
		load_snapshot(conv, scratchpad),
		Message(
			text=message.content,
			message_type=message.message_type or "text",
			button_id=message.button_id,
			location=json.loads(message.location) if message.location else None,
			model=understood.reading if understood else None,
		),
		today_in_india(),
		sender_phone=conversation,
		confidence_threshold=understood.threshold if understood else DEFAULT_THRESHOLD,
	)

	if decision.start_new_scratchpad:
		scratchpad = frappe.get_doc(
			{"doctype": "WA Booking Scratchpad", "conversation": conversation, "status": "Active"}
		)
	outgoing = list(decision.replies)
	if scratchpad is not None and (decision.start_new_scratchpad or scratchpad.status == "Active"):
		scratchpad.update(decision.values)
		scratchpad.record_sources(decision.sources)
		scratchpad.flags.from_bot = True  # the customer's values, not a staff member's edit
		if scratchpad.is_new():
			scratchpad.insert(ignore_permissions=True)
		if decision.create_booking:
			booking = create_booking(scratchpad)
			scratchpad.service_request_id = booking
			conv.last_booking = booking
			outgoing.append(replies.booking_confirmed(booking, decision.values))
		scratchpad.status = decision.scratchpad_status
		scratchpad.save(ignore_permissions=True)
		conv.active_scratchpad = scratchpad.name

	conv.state = decision.state.value
	conv.expecting = ",".join(decision.expecting)
	conv.editing_field = decision.editing_field
	conv.unconfirmed_values = json.dumps(decision.unconfirmed, ensure_ascii=False) if decision.unconfirmed else None
	return outgoing


def record_turn_failure(message_name, settings) -> None:
	"""Note the failure on the message (after the turn rolled back); give up after the limit."""
	error = traceback.format_exc(limit=5)[-2000:]
	row = frappe.db.sql(
		"select conversation, processing_attempts from `tabWA Message` where name = %s and processing_status = 'Pending' for update",
		message_name,
		as_dict=True,
	)
	if not row:  # another job processed it meanwhile (its lock had expired): nothing to count
		frappe.db.rollback()
		return
	attempts = (row[0].processing_attempts or 0) + 1
	gave_up = attempts >= settings.max_turn_attempts
	update_message(
		message_name,
		{
			"processing_attempts": attempts,
			"processing_error": error,
			"processing_status": "Failed" if gave_up else "Pending",
		},
	)
	if gave_up:
		queue_reply(row[0].conversation, replies.Reply(replies.SORRY_TEXT), reply_to=message_name)
	frappe.log_error(
		title="yawlit_bot: turn failed", reference_doctype="WA Message", reference_name=str(message_name)
	)
	frappe.db.commit()
