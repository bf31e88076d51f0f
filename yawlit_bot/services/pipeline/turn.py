"""The turn: one conversation's oldest pending message, decided and written in one transaction.

Fences, outermost first:
1. a Redis lock per conversation, taken by the turn job (`turn_jobs.work_on`);
2. the `WA Conversation` row locked FOR UPDATE, which orders turns even if the lock
   expired under a slow turn;
3. one transaction per turn: scratchpad, state, booking, replies and the message's
   `Processed` mark commit together or not at all. Replies are sent after that commit.
"""

from __future__ import annotations

import dataclasses
import json
import traceback
from dataclasses import dataclass
from datetime import timedelta

import frappe
from frappe.utils import get_datetime, now_datetime

from yawlit_bot.engine import replies
from yawlit_bot.engine.flood import FLOOD_WINDOW_SECONDS, throttle_replies
from yawlit_bot.services.booking import visits
from yawlit_bot.services.booking.bookings import (
	book_in_erp,
	cancel_by_customer,
	create_booking,
	free_times,
	keep_seat,
	move_by_customer,
	settle_with_catalog,
	upcoming_bookings,
)
from yawlit_bot.services.booking.catalog import load_offer
from yawlit_bot.services.outbound.messages import queue_reply, update_message
from yawlit_bot.services.pipeline.reading_budget import ReadingOverBudget, reading_budget
from yawlit_bot.services.site.clock import today_in_india
from yawlit_bot.services.site.db import json_dict
from yawlit_bot.services.site.live import publish_thread
from yawlit_bot.services.site.retry import DB_RETRIES, run_with_db_retries, should_retry
from yawlit_bot.services.site.settings import booking_settings, bot_settings, stored_bot_enabled

DONE, EMPTY, FAILED = "done", "empty", "failed"
NOT_READ = "not read: it needed more than the reading budget ({} ms)"


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
	# A fresh snapshot first: one begun while the last turn's replies were sent would not see
	# a message stored meanwhile, and that message's turn would then run unread by the model.
	frappe.db.rollback()
	understood = None if opt_commands_only else read_next_with_model(conversation)
	reread = opt_commands_only or not model_in_use()
	for attempt in range(DB_RETRIES):
		frappe.db.rollback()
		name = None
		try:
			name = lock_next_pending(conversation, opt_commands_only=opt_commands_only)
			if not name:
				frappe.db.commit()
				return EMPTY
			if not reread and not (understood and understood.message == name):
				# Stored between the model's look and the lock: let go of the row, read it, lock again.
				reread = True
				frappe.db.rollback()
				understood = read_next_with_model(conversation)
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
		except (Exception, ReadingOverBudget) as exc:
			# ReadingOverBudget reaches here only when even the short answer to an unread message
			# ran out of time (a starved machine): a failed turn like any other, counted and retried.
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
	from yawlit_bot.engine.handoff import TURN_FAILED
	from yawlit_bot.services.pipeline.handoff import flag_conversation

	conversation = frappe.db.get_value("WA Message", str(message_name), "conversation")
	update_message(message_name, {"processing_status": "Failed", "processing_error": reason[-2000:]})
	queue_reply(conversation, replies.Reply(replies.SORRY_TEXT), reply_to=message_name)
	flag_conversation(conversation, TURN_FAILED)


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
	from yawlit_bot.engine.profile import ADDRESS_CHOICE, VEHICLE_CHOICE
	from yawlit_bot.services.booking.catalog import get_profile

	active = bool(scratchpad and scratchpad.status == "Active")
	expecting = tuple(filter(None, (conv.expecting or "").split(",")))
	# A returning customer's details: read when a booking starts, and while the bot waits for
	# them to pick a car or address on record.
	choosing = bool({VEHICLE_CHOICE, ADDRESS_CHOICE} & set(expecting))
	wants_profile = not active or conv.state not in ("COLLECTING", "CONFIRMING") or choosing
	collecting = active and conv.state in ("COLLECTING", "CONFIRMING")
	settings = booking_settings()
	return Snapshot(
		upcoming=() if collecting else upcoming_bookings(conv.name, settings),
		pending_change=conv.pending_change or None,
		cancel_cutoff_hours=settings.cancel_cutoff_hours,
		state=State(conv.state or State.IDLE.value),
		values=scratchpad.booking_values() if scratchpad else {},
		has_scratchpad=active,
		expecting=expecting,
		editing_field=conv.editing_field or None,
		last_booking_id=conv.last_booking or None,
		unconfirmed=json_dict(conv.unconfirmed_values),
		profile=get_profile(conv.name, simulated=bool(conv.simulated)) if wants_profile else None,
		times_asked=conv.times_asked or 0,
		needs_person=bool(conv.needs_person),
	)


@dataclass(frozen=True)
class Understood:
	"""What the model read in a pending message, before its turn."""

	message: object  # the WA Message name it read
	reading: object  # ModelReading or None
	note: str  # for the message's `understood_by`
	threshold: float


_understood: dict[tuple, Understood] = {}  # this process's last reading, for a retried turn


def model_in_use() -> bool:
	"""Whether a model reads messages: the settings' provider and model, without decrypting the
	key (`model_config` does that; this runs on every turn)."""
	from yawlit_bot.services.pipeline.model_reader import ModelConfig

	settings = bot_settings()
	return ModelConfig(provider=settings.llm_provider, model=settings.llm_model).enabled


def read_next_with_model(conversation: str) -> Understood | None:
	"""Ask the model about the oldest pending message, if a model is set and the message is
	text to read (not a button, a STOP/START or media). Plain reads, no row lock; never raises."""
	from yawlit_bot.services.pipeline.model_reader import model_config, read_with_model

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
			"WA Conversation", conversation, ["state", "expecting", "active_scratchpad", "taken_by"], as_dict=True
		)
		if conv and conv.taken_by:
			return None  # a person answers this conversation: nothing for a paid model to read
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
		from yawlit_bot.engine.fields import VEHICLE_TYPES
		from yawlit_bot.engine.offer import field_choices
		from yawlit_bot.services.booking.catalog import load_offer

		offer = load_offer()  # the model chooses among the catalog's services, as the rules do
		choices = (
			{"service_type": field_choices(offer)["service_type"], "vehicle_type": VEHICLE_TYPES} if offer else None
		)
		missing = missing_required(known, today, field_choices(offer) if offer else None)
		reading, note = read_with_model(message.content, list(recent), known, missing, expecting, today, config, choices)
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
		from yawlit_bot.services.campaigns.audience import record_opt_command

		source = "WhatsApp button" if message.button_id else "WhatsApp message"
		opt_reply = record_opt_command(conversation, command, source)
	if conv.taken_by:
		# A person has taken the conversation: the message is recorded, in order, under the same
		# fence, and the bot says nothing (an opt-out is still honoured, silently).
		outgoing = []
		understood_by = f"not answered: taken over by {conv.taken_by}"
	else:
		# The answer to STOP / START and a booking confirmation go even to a flooding customer
		# (`Reply.essential`, decided with the reply's text in engine/replies.py).
		outgoing, not_read = ([opt_reply], None) if opt_reply else apply_booking_turn(conv, message, understood)
		understood_by = not_read or (understood.note if understood else "rules")
	conv.last_inbound_at = message.received_at
	throttled = throttle_replies(
		outgoing,
		messages_in_window(conversation, message),
		bot_settings().flood_reply_limit,
	)
	note_in_inbox(conv, message, throttled.send)
	save_conversation(conv)
	for reply in throttled.send:
		queue_reply(conversation, reply, reply_to=message_name)
	update_message(
		message_name,
		{
			"processing_status": "Processed",
			"processed_at": now_datetime(),
			"processing_error": None,
			"replies_held_back": throttled.held_back,
			"understood_by": understood_by,
		},
	)
	publish_thread(conversation)


def note_in_inbox(conv, message, sent: list) -> None:
	"""The inbox's columns on the conversation: its last line, when, one more unread message."""
	from yawlit_bot.engine import inbox

	conv.last_message = inbox.line_after_turn([reply.body for reply in sent], message.message_type, message.content)[:140]
	conv.last_message_at = now_datetime() if sent else message.received_at
	conv.unread_count = (conv.unread_count or 0) + 1


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


def apply_booking_turn(conv, message, understood: Understood | None = None) -> tuple[list, str | None]:
	"""The booking conversation's turn: scratchpad, booking and state on `conv` (saved by the
	caller). Returns the replies, and why the message was not read if it was not."""
	from yawlit_bot.engine.conversation import Message, decide_turn
	from yawlit_bot.engine.offer import field_choices
	from yawlit_bot.engine.understanding import DEFAULT_THRESHOLD

	conversation = conv.name
	scratchpad = (
		frappe.get_doc("WA Booking Scratchpad", conv.active_scratchpad) if conv.active_scratchpad else None
	)

	offer = load_offer()
	today = today_in_india()
	budget_ms = bot_settings().reading_budget_ms

	read: dict = {}

	def decide(over_budget: bool = False):
		inbound = Message(
			text=message.content,
			message_type=message.message_type or "text",
			button_id=message.button_id,
			location=json.loads(message.location) if message.location else None,
			model=None if over_budget else understood.reading if understood else None,
			over_budget=over_budget,
		)
		threshold = understood.threshold if understood else DEFAULT_THRESHOLD
		snapshot = read["snapshot"] = load_snapshot(conv, scratchpad)  # afresh: a cut-short reading may have changed one
		# Only the engine runs under the budget: it reads and decides, it writes nothing.
		with reading_budget(budget_ms):
			return decide_turn(snapshot, inbound, today, sender_phone=conversation, confidence_threshold=threshold, offer=offer)

	not_read = None
	try:
		decision = decide()
	except ReadingOverBudget:
		# Nothing from the message is kept (the model's reading neither): the customer is asked
		# again, and the turn goes on as any other. Again over budget, the turn fails (run_next_turn).
		not_read = NOT_READ.format(budget_ms)
		decision = decide(over_budget=True)

	# The day's free slots offered; the slot checked under its lock (a full one caught here),
	# the price from the catalog.
	decision, price, slot = settle_with_catalog(decision, conversation, offer)
	erp = None
	# with Yawlit's ERP: booked there first (never for the WhatsApp Simulator's customer)
	if scratchpad is not None and decision.create_booking and not conv.simulated:
		decision, erp = book_in_erp(decision, scratchpad.name, offer)

	if decision.start_new_scratchpad:
		scratchpad = frappe.get_doc(
			{"doctype": "WA Booking Scratchpad", "conversation": conversation, "status": "Active"}
		)
	booking = None
	if scratchpad is not None and (decision.start_new_scratchpad or scratchpad.status == "Active"):
		scratchpad.update(decision.values)
		scratchpad.record_sources(decision.sources)
		scratchpad.flags.from_bot = True  # the customer's values, not a staff member's edit
		scratchpad.flags.choices = field_choices(offer) if offer else None  # as the engine checked them
		if scratchpad.is_new():
			scratchpad.insert(ignore_permissions=True)
		keep_seat(decision, slot, conversation)
		if decision.create_booking:
			booking = create_booking(scratchpad, price, slot, erp)
			scratchpad.service_request_id = booking
			conv.last_booking = booking
		scratchpad.status = decision.scratchpad_status
		scratchpad.save(ignore_permissions=True)
		conv.active_scratchpad = scratchpad.name

	if decision.cancel_booking and not cancel_by_customer(decision.cancel_booking, conversation):
		decision.replies = [replies.Reply(f"Booking {decision.cancel_booking} is no longer active: nothing to cancel.")]
	if decision.move_booking or decision.offer_move_day:
		decision = move_or_offer(decision, conversation, offer, read["snapshot"].upcoming)
	decision = record_visit_answers(decision, conversation)
	conv.pending_change = decision.pending_change
	conv.state = decision.state.value
	conv.expecting = ",".join(decision.expecting)
	conv.editing_field = decision.editing_field
	conv.unconfirmed_values = json.dumps(decision.unconfirmed, ensure_ascii=False) if decision.unconfirmed else None
	conv.times_asked = decision.times_asked
	if decision.needs_person:
		from yawlit_bot.services.pipeline.handoff import notify_staff

		conv.needs_person, conv.needs_person_reason = 1, decision.needs_person
		notify_staff(conversation, decision.needs_person)
	return decision.replies_after(booking, unconfirmed=bool(erp and not erp.booking_id)), not_read


def record_visit_answers(decision, conversation: str):
	"""A reminder confirmed, a rating or a comment: written on the booking, which must be this
	conversation's (a rating row names its booking; it cannot rate another customer's visit)."""
	if decision.confirm_visit:
		visits.confirm_visit(decision.confirm_visit, conversation)
	rated = decision.feedback_rating
	if rated and not visits.store_rating(rated[0], conversation, rated[1]):
		return dataclasses.replace(
			decision,
			replies=[replies.Reply("Sorry, I could not find that visit to rate.")],
			needs_person=None,
			pending_change=None,
			feedback_rating=None,
		)
	if decision.feedback_comment:
		visits.store_comment(decision.feedback_comment[0], conversation, decision.feedback_comment[1])
	return decision


def move_or_offer(decision, conversation: str, offer, upcoming: tuple):
	"""The customer's move of a booking: done (under its row lock), or that day's free slots
	offered for it (also when the slot asked for has no room)."""
	from dataclasses import replace as changed

	from yawlit_bot.engine import upcoming as upcoming_rules

	settings = booking_settings()
	bookings = {b.booking_id: b for b in upcoming}  # as the turn read them, under the conversation's row lock
	booking_id, day = (decision.move_booking or decision.offer_move_day)[:2]
	booking = bookings.get(booking_id)
	if booking is None:
		return changed(decision, replies=[replies.Reply(f"Booking {booking_id} is no longer active: nothing to move.")], move_booking=None, offer_move_day=None, pending_change=None)
	if decision.move_booking:
		failed = move_by_customer(booking_id, day, decision.move_booking[2], conversation)
		if failed is None:
			return decision
		check = failed if failed.free_slots or failed.next_day_slots else free_times(day, {}, conversation, settings, offer) or failed
		reason = failed.reason
	else:
		check = free_times(day, {}, conversation, settings, offer)
		reason = check.reason if check else ""
	reply = upcoming_rules.offer_move(
		booking, day, reason, check.free_slots if check else (), check.next_day if check else None, check.next_day_slots if check else ()
	)
	return changed(
		decision,
		replies=[*[r for r in decision.replies if "is moved to" not in r.body], reply],
		move_booking=None,
		pending_change=f"{upcoming_rules.MOVE}:{booking_id}|{day}",
	)


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
		from yawlit_bot.engine.handoff import TURN_FAILED
		from yawlit_bot.services.pipeline.handoff import flag_conversation

		queue_reply(row[0].conversation, replies.Reply(replies.SORRY_TEXT), reply_to=message_name)
		flag_conversation(row[0].conversation, TURN_FAILED)
	frappe.log_error(
		title="yawlit_bot: turn failed", reference_doctype="WA Message", reference_name=str(message_name)
	)
	frappe.db.commit()
