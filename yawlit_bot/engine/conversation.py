"""The five-state conversation machine.

`decide_turn` takes the conversation as plain data and one inbound message, and returns
what should change and what to reply. It does no I/O: the Frappe side stores the decision
in one transaction and sends the replies after commit.

    IDLE -> COLLECTING on any message
    COLLECTING -> CONFIRMING when all twelve required fields are valid
    CONFIRMING -> COMPLETED on confirm (the booking is created)
    CONFIRMING -> COLLECTING on "edit X" (asks for X)
    any -> CANCELLED on cancel; the next message starts afresh

Over 600 lines on purpose: the states and the moves between them are kept in one file, a
function for each (`_collect`, `_confirming`, `_edit`, `_after_the_visit`, `_about_upcoming`,
`settle`), so what a message does in any state reads in one place. Reading the message
is elsewhere (`extraction`, `readers/`), and so are the replies' words (`replies`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from enum import Enum

from yawlit_bot.engine import aftercare, handoff, replies
from yawlit_bot.engine import offer as catalog_offer
from yawlit_bot.engine import upcoming as upcoming_rules
from yawlit_bot.engine.catalog import (
	CatalogError,
	hours_text,
	in_day_part,
	nearest_slots,
	slot_holding,
	slot_times,
)
from yawlit_bot.engine.dates import find_day_part, find_times
from yawlit_bot.engine.extraction import extract
from yawlit_bot.engine.indic import read_indic
from yawlit_bot.engine.intents import Intent, edit_target
from yawlit_bot.engine.merge import is_filled, merge_fields
from yawlit_bot.engine.offer import Offer
from yawlit_bot.engine.profile import ADDRESS_CHOICE, VEHICLE_CHOICE, Profile, choice_question, open_choice
from yawlit_bot.engine.profile import proposals as profile_proposals
from yawlit_bot.engine.profile import read_choice as read_profile_choice
from yawlit_bot.engine.readers.text import ANSWER, MENTION, STATED, VEHICLE_FIELDS, Extraction
from yawlit_bot.engine.replies import Reply
from yawlit_bot.engine.understanding import (
	DEFAULT_THRESHOLD,
	SOURCE_CUSTOMER_EDIT,
	SOURCE_LOCATION,
	SOURCE_MODEL,
	SOURCE_RULE,
	ModelReading,
	combine,
)
from yawlit_bot.engine.upcoming import DEFAULT_CUTOFF_HOURS, Upcoming
from yawlit_bot.engine.validation import normalize_pincode, sender_phone_number


class State(str, Enum):
	IDLE = "IDLE"
	COLLECTING = "COLLECTING"
	CONFIRMING = "CONFIRMING"
	COMPLETED = "COMPLETED"
	CANCELLED = "CANCELLED"


# Scratchpad statuses: an active one is being collected or confirmed; the others are final.
ACTIVE, COMPLETED, CANCELLED = "Active", "Completed", "Cancelled"
EDIT_ANY = "?"  # the customer asked to edit without saying what

READABLE_TYPES = ("text", "interactive", "button", "location")


@dataclass
class Snapshot:
	"""The conversation as stored, before this turn."""

	state: State = State.IDLE
	values: dict[str, str | None] = field(default_factory=dict)  # the active scratchpad's fields
	has_scratchpad: bool = False
	expecting: tuple[str, ...] = ()
	editing_field: str | None = None
	last_booking_id: str | None = None
	unconfirmed: dict[str, str] = field(default_factory=dict)  # values the bot asked to confirm
	profile: Profile | None = None  # a returning customer's details (read at a fresh start)
	times_asked: int = 0  # turns running the bot has asked `expecting`
	needs_person: bool = False  # the flag is up already (staff have not cleared it)
	# the customer's confirmed bookings not begun yet (read when no booking is being collected)
	upcoming: tuple[Upcoming, ...] = ()
	pending_change: str | None = None  # "cancel:<booking>" / "move:<booking>": what the bot asked about
	cancel_cutoff_hours: int = DEFAULT_CUTOFF_HOURS  # closer to its slot, a person cancels


@dataclass
class Message:
	"""One inbound message, as the engine needs it."""

	text: str | None = None
	message_type: str = "text"
	button_id: str | None = None
	location: dict | None = None
	model: ModelReading | None = None  # what the language model read in it, if one was asked
	# Reading it ran out of the turn's time budget: nothing in it is read, the customer is asked again.
	over_budget: bool = False


@dataclass
class Decision:
	state: State
	values: dict[str, str | None]
	changed: dict[str, str] = field(default_factory=dict)
	rejected: dict[str, str] = field(default_factory=dict)
	start_new_scratchpad: bool = False
	scratchpad_status: str = ACTIVE
	create_booking: bool = False
	replies: list[Reply] = field(default_factory=list)
	expecting: tuple[str, ...] = ()
	editing_field: str | None = None
	# field -> {"source": rule / model / location pin / customer edit, "confidence": 0..1}
	sources: dict[str, dict] = field(default_factory=dict)
	unconfirmed: dict[str, str] = field(default_factory=dict)
	summary_preface: str | None = None  # set when the last reply is the summary
	addons_offered: tuple[tuple[str, int], ...] = ()  # on the summary: (add-on, price)
	question_lead: str = ""  # what the last question said before asking (notes, problems)
	times_asked: int = 0
	needs_person: str | None = None  # why the conversation needs a person (raised this turn)
	day_part: str | None = None  # asked for a part of the day ("Morning", "after 16:00"): its slots offered
	cancel_booking: str | None = None  # the customer's upcoming booking to cancel (services/booking/bookings.py)
	move_booking: tuple[str, str, str] | None = None  # (booking, new date, new slot): moved by the services
	offer_move_day: tuple[str, str] | None = None  # (booking, date): that day's free slots to offer for it
	pending_change: str | None = None  # "cancel:<booking>" / "move:<booking>": the answer comes next
	confirm_visit: str | None = None  # the booking its reminder's "Confirm visit" was tapped for
	feedback_rating: tuple[str, int] | None = None  # (booking, 1-5), stored on the booking
	feedback_comment: tuple[str, str] | None = None  # (booking, the customer's words)

	def replies_after(self, booking_id: str | None = None, unconfirmed: bool = False) -> list[Reply]:
		"""The turn's replies, once its booking (if it made one) has its id: a booking made is
		confirmed with its id and details, last; one whose booking system did not answer in
		time is acknowledged, to be confirmed by a person."""
		if self.create_booking and booking_id:
			made = replies.booking_pending if unconfirmed else replies.booking_confirmed
			return [*self.replies, made(booking_id, self.values)]
		return list(self.replies)


def _intent_of(message: Message, extraction: Extraction | None) -> Intent | None:
	button = replies.BUTTON_IDS.get((message.button_id or "").strip())
	if button is None and message.button_id:
		button = {b.lower(): b for b in replies.SUMMARY_BUTTONS}.get(message.button_id.strip().lower())
	if button:
		return {replies.CONFIRM: Intent.CONFIRM, replies.EDIT: Intent.EDIT, replies.CANCEL: Intent.CANCEL}[
			button
		]
	return extraction.intent if extraction else None


def _location_fields(location: dict | None) -> dict[str, str]:
	if not location:
		return {}
	address = ", ".join(filter(None, (location.get("name"), location.get("address"))))
	if not address and location.get("latitude") and location.get("longitude"):
		address = f"Location pin {location['latitude']}, {location['longitude']}"
	found = {"address": address} if address else {}
	pins = [p for p in re.findall(r"(?<!\d)\d{6}(?!\d)", address) if normalize_pincode(p)]
	if pins:
		found["pincode"] = pins[-1]
	return found


def _collect(
	snapshot: Snapshot,
	values: dict,
	message: Message,
	extraction: Extraction,
	today: date,
	preface: str = "",
	unsure: dict[str, str] | None = None,
	offer: Offer | None = None,
) -> Decision:
	"""COLLECTING: merge what the message gave, then confirm or ask for what is missing.

	A stored value is replaced only by a message about its field (see `merge_fields`)."""
	updates = dict(extraction.fields)
	may_replace = extraction.about_the_field()
	sources = {
		name: (extraction.source.get(name, SOURCE_RULE), extraction.confidence.get(name, 1.0))
		for name in updates
	}
	pinned = _location_fields(message.location)
	updates.update(pinned)
	may_replace |= set(pinned)
	sources.update(dict.fromkeys(pinned, (SOURCE_LOCATION, 1.0)))
	edited = {snapshot.editing_field, extraction.edit_field if extraction.intent is Intent.EDIT else None}
	if snapshot.editing_field == EDIT_ANY:
		edited.add(extraction.edit_field or edit_target(message.text or ""))
	for name in edited - {None, EDIT_ANY}:
		may_replace.add(name)
		if name in updates:
			sources[name] = (SOURCE_CUSTOMER_EDIT, sources[name][1])
	if may_replace & set(VEHICLE_FIELDS):
		# The car is one thing: a new model brings its brand and type ("Kia Seltos" is no Hyundai).
		may_replace |= set(VEHICLE_FIELDS) & set(updates)
	if snapshot.unconfirmed and extraction.intent is Intent.CONFIRM:
		# "yes" to "I read your name as Rajesh, is that right?"
		for name, value in snapshot.unconfirmed.items():
			if name not in updates:
				updates[name] = value
				sources[name] = (SOURCE_MODEL, 1.0)
				may_replace.add(name)
	service = updates.get("service_type") or values.get("service_type")
	choices = catalog_offer.field_choices(offer, service) if offer else None
	merged = merge_fields(values, updates, today, may_replace, choices)
	rejected = {**extraction.invalid, **merged.rejected}
	problem = catalog_offer.service_problem(offer, merged.values) if offer else None
	if problem:
		rejected["service_type"] = problem
	decision = Decision(State.COLLECTING, merged.values, merged.changed, rejected)
	decision.sources = {
		name: {"source": sources[name][0], "confidence": round(sources[name][1], 2)} for name in merged.changed
	}
	if merged.kept:
		preface = "\n".join(filter(None, (preface, replies.kept_values(merged.kept, merged.values))))
	# Asked back only for a gap or for a field the message is about, never to replace a value
	# given (the same rule as above), and never to repeat what is stored.
	unsure = {
		name: value
		for name, value in (unsure or {}).items()
		if name not in merged.changed
		and merged.values.get(name) != value
		and (name in may_replace or not is_filled(merged.values, name, today, choices))
	}
	if unsure:
		decision.unconfirmed = unsure
		decision.expecting = tuple(unsure)
		decision.replies.append(replies.check_unsure(unsure, preface))
		return decision

	editing = snapshot.editing_field
	if editing == EDIT_ANY:
		target = extraction.edit_field or edit_target(message.text or "")
		if target and target not in merged.changed:
			decision.editing_field = target
			decision.expecting = (target,)
			decision.replies.append(replies.ask_edit_field(target))
			return decision
		editing = None
	if editing and editing not in merged.changed and extraction.intent is not Intent.CONFIRM:
		decision.editing_field = editing
		decision.expecting = (editing,)
		problem = rejected.get(editing)
		decision.replies.append(Reply(problem) if problem else replies.ask_edit_field(editing))
		return decision

	missing = catalog_offer.missing(offer, merged.values, today)
	if not missing:
		decision.state = State.CONFIRMING
		notes = "\n".join(rejected.values())
		decision.summary_preface = "\n".join(filter(None, (preface, notes)))
		decision.addons_offered = catalog_offer.addons_on_offer(offer, merged.values)
		decision.replies.append(
			replies.summary(merged.values, decision.summary_preface, addons_offered=decision.addons_offered)
		)
		return decision
	reply, asked = ask(offer, merged.values, missing, rejected, preface)
	decision.replies.append(reply)
	decision.expecting = asked
	decision.question_lead = "\n".join(filter(None, (preface, *rejected.values())))
	return decision


def ask(
	offer: Offer | None,
	values: Mapping[str, str | None],
	missing: list[str],
	problems: Mapping[str, str],
	preface: str = "",
) -> tuple[Reply, tuple[str, ...]]:
	"""The next question. With a catalog, the service is asked as a list with prices, and the
	time alone (the turn's caller offers that day's free slots as a list, `offer_times`)."""
	if offer is None:
		return replies.ask_missing(missing, problems, preface)
	alone = (("service_type",), ("time_slot",))
	asked, _groups = replies.next_questions(missing, alone=alone)
	if asked == ("service_type",):
		vehicle_type = values.get("vehicle_type")
		services = [
			(s.service, s.service_name, s.price_for(vehicle_type) if vehicle_type else min(s.prices.values()), "")
			for s in catalog_offer.offered_services(offer, vehicle_type)
		]
		lead = "\n".join(filter(None, (preface, *dict(problems).values())))
		return replies.ask_service(services, vehicle_type, lead), asked
	return replies.ask_missing(missing, problems, preface, alone=alone)


def _start_fresh(
	snapshot: Snapshot,
	message: Message,
	extraction: Extraction,
	today: date,
	sender_phone: str,
	unsure: dict[str, str],
	offer: Offer | None = None,
) -> Decision:
	# A sender id that is no valid number (never from WhatsApp itself) leaves the phone to ask for.
	phone = sender_phone_number(sender_phone)
	fresh = Snapshot(State.COLLECTING, {"phone": phone} if phone else {}, True)
	greeting_only = extraction.intent is Intent.GREETING and not extraction.fields and not message.location
	decision = _collect(
		fresh,
		fresh.values,
		message,
		extraction,
		today,
		preface=replies.welcome() if greeting_only or not extraction.fields else "",
		unsure=unsure,
		offer=offer,
	)
	if phone:
		decision.sources.setdefault("phone", {"source": SOURCE_RULE, "confidence": 1.0})
	decision.start_new_scratchpad = True
	return decision


def decide_turn(
	snapshot: Snapshot,
	message: Message,
	today: date,
	sender_phone: str,
	confidence_threshold: float = DEFAULT_THRESHOLD,
	offer: Offer | None = None,
) -> Decision:
	"""What this message does to the conversation, and what to answer (`_decide`), and whether
	the conversation now needs a person (`engine/handoff.py`)."""
	decision = _decide(snapshot, message, today, sender_phone, confidence_threshold, offer)
	if "time_slot" in decision.expecting and not message.over_budget:
		decision.day_part = find_day_part(read_indic(message.text or ""))
	decision.times_asked = handoff.times_asked(
		snapshot.expecting, decision.expecting, snapshot.times_asked, bool(decision.changed)
	)
	if snapshot.needs_person:
		return decision
	if not message.over_budget and handoff.asks_for_person(message.text):
		decision.needs_person = handoff.PERSON_ASKED
		decision.replies.append(replies.person_coming())
	elif decision.times_asked >= handoff.REASKS_BEFORE_A_PERSON:
		decision.needs_person = handoff.reask_reason(decision.expecting)
	return decision


def _decide(
	snapshot: Snapshot, message: Message, today: date, sender_phone: str, confidence_threshold: float, offer: Offer | None
) -> Decision:
	"""What this message does to the conversation, and what to answer. `message.model`, when
	a language model read the message, joins the rules' reading (see `understanding.combine`).
	`offer`: the business's catalog; services, add-ons and utilities are then taken from it
	(`engine/offer.py`)."""
	values = dict(snapshot.values)
	unchanged = Decision(
		snapshot.state,
		values,
		expecting=snapshot.expecting,
		editing_field=snapshot.editing_field,
		unconfirmed=dict(snapshot.unconfirmed),
	)

	if message.message_type not in READABLE_TYPES and not message.text:
		unchanged.replies.append(replies.unsupported_message(message.message_type))
		unchanged.pending_change = snapshot.pending_change  # a question asked still waits
		return unchanged
	if message.over_budget:
		unchanged.replies.append(replies.not_read(snapshot.expecting))
		unchanged.pending_change = snapshot.pending_change
		return unchanged

	expecting = snapshot.expecting if snapshot.state is State.COLLECTING else ()
	known = values if snapshot.has_scratchpad else {}
	extraction = extract(message.text or "", today, expecting, sender_phone, known)
	choices = catalog_offer.field_choices(offer, values.get("service_type")) if offer else None
	extraction, unsure = combine(extraction, message.model, today, expecting, confidence_threshold, choices)
	profile_question = next((q for q in (VEHICLE_CHOICE, ADDRESS_CHOICE) if q in expecting), None)
	if profile_question and snapshot.profile is not None:
		picked = read_profile_choice(snapshot.profile, profile_question, message.text, message.button_id, today)
		if picked:  # "2" / the list row: that car (or address) on record
			extraction = replace(
				extraction,
				fields={**extraction.fields, **picked},
				basis={**extraction.basis, **dict.fromkeys(picked, ANSWER)},
			)
	if offer is not None:
		extraction = _in_the_slots(_with_choices(extraction, offer, message, known, expecting), offer, message.text, expecting)
	intent = _intent_of(message, extraction)
	active = snapshot.has_scratchpad and snapshot.state in (State.COLLECTING, State.CONFIRMING)

	after_visit = _after_the_visit(snapshot, message, intent, extraction, unchanged, active)
	if after_visit is not None:
		return after_visit
	if not active:
		about_upcoming = _about_upcoming(snapshot, message, intent, extraction, unchanged)
		if about_upcoming is not None:
			return about_upcoming
	if intent is Intent.CANCEL:
		if not active:
			unchanged.replies.append(replies.nothing_to_cancel())
			return unchanged
		return Decision(State.CANCELLED, values, scratchpad_status=CANCELLED, replies=[replies.cancelled()])

	if not active:
		if (
			snapshot.state is State.COMPLETED
			and intent in (Intent.CONFIRM, Intent.THANKS)
			and not extraction.fields
		):
			# A second Confirm tap, or a thank-you, after booking: never a second booking.
			reply = (
				replies.already_booked(snapshot.last_booking_id)
				if intent is Intent.CONFIRM
				else replies.you_are_welcome()
			)
			unchanged.replies.append(reply)
			return unchanged
		fresh = _start_fresh(snapshot, message, extraction, today, sender_phone, unsure, offer)
		return _welcome_back(fresh, snapshot.profile, today, first_time=True)

	if snapshot.state is State.CONFIRMING:
		return _confirming(snapshot, values, message, extraction, intent, today, unsure, offer)
	if intent is Intent.EDIT and not extraction.fields and not snapshot.unconfirmed:
		return _edit(values, message, extraction, today, unsure, offer)  # "edit" before the summary
	decision = _collect(snapshot, values, message, extraction, today, unsure=unsure, offer=offer)
	if profile_question:  # the car on record was picked (or another given): the address next
		return _welcome_back(decision, snapshot.profile, today, first_time=False, answered=profile_question)
	return decision


# A message that says this much is about a new booking, not a comment on the last visit.
_BOOKING_SIGNS = frozenset({"service_type", "appointment_date", "vehicle_plate", "address", "pincode"})


def _after_the_visit(
	snapshot: Snapshot, message: Message, intent: Intent | None, extraction: Extraction, unchanged: Decision, active: bool
) -> Decision | None:
	"""A rating for a visit (its list row, or typed when asked), the comment after it, or a tap
	on a reminder's buttons. None when the message is about something else."""
	first_name = snapshot.profile.first_name if snapshot.profile else ""
	action, _, booking_id = (snapshot.pending_change or "").partition(":")
	row = (message.button_id or "").strip()
	if row.startswith(aftercare.RATE_ROW):
		booking_id = row[len(aftercare.RATE_ROW) :].partition("|")[0]
		action = aftercare.RATE
	if booking_id and action == aftercare.RATE and (row or not active):
		rating = aftercare.read_rating(message.text, message.button_id, booking_id)
		if rating is not None:
			unchanged.feedback_rating = (booking_id, rating)
			unchanged.replies.append(aftercare.rating_reply(rating, first_name))
			unchanged.pending_change = aftercare.pending_question(aftercare.COMMENT, booking_id)
			if rating <= aftercare.LOW_RATING:
				unchanged.needs_person = aftercare.low_rating_reason(booking_id, rating)
			return unchanged
	if booking_id and action == aftercare.COMMENT and not active and message.text and not message.button_id:
		text = message.text.strip()
		about_else = (
			bool(_BOOKING_SIGNS & set(extraction.fields))
			or len(extraction.fields) > 1
			or intent in (Intent.CANCEL, Intent.GREETING)
			or upcoming_rules.wants_to_move(text)
		)
		if not about_else:
			if aftercare.is_no_comment(text) or intent is Intent.DENY:
				unchanged.replies.append(aftercare.comment_thanks())
			elif intent is Intent.THANKS and len(text.split()) <= 3:
				unchanged.replies.append(replies.you_are_welcome())
			else:
				unchanged.feedback_comment = (booking_id, text[:1000])
				unchanged.replies.append(aftercare.comment_thanks())
			return unchanged
	tapped = aftercare.reminder_tap(message.text)
	reminded = max((b for b in snapshot.upcoming if b.reminded), key=lambda b: b.reminded, default=None)
	if (
		not tapped
		and reminded is not None
		and not active
		and not snapshot.pending_change  # a question asked ("Cancel your booking?"): the yes is its answer
		and not extraction.fields
		and not row
		and aftercare.says_only_yes(message.text)
	):
		tapped = aftercare.CONFIRM_VISIT  # "haan, aa jaunga" after a reminder: the visit confirmed
	if tapped and not active:
		booking = reminded or (snapshot.upcoming[0] if len(snapshot.upcoming) == 1 else None)
		if booking is None:
			if len(snapshot.upcoming) > 1 and tapped == aftercare.RESCHEDULE:
				unchanged.replies.append(upcoming_rules.ask_which(snapshot.upcoming, move=True))
			else:
				unchanged.replies.append(aftercare.no_upcoming_visit())
			return unchanged
		if tapped == aftercare.RESCHEDULE:
			return _ask_new_time(unchanged, booking, snapshot.cancel_cutoff_hours)
		unchanged.confirm_visit = booking.booking_id
		unchanged.replies.append(aftercare.visit_confirmed(first_name, booking.day, booking.slot))
		return unchanged
	return None


def _about_upcoming(
	snapshot: Snapshot, message: Message, intent: Intent | None, extraction: Extraction, unchanged: Decision
) -> Decision | None:
	"""No booking being collected, and the message is about one already made: cancel it (asked
	once) or move it (the date, then that day's free slots), or a person close to the slot.
	None when the message is about something else."""
	by_id = {b.booking_id: b for b in snapshot.upcoming}
	row = (message.button_id or "").strip()
	# pending: "cancel:<booking>", "move:<booking>", "move:<booking>|<day offered>",
	# "moveto:<booking>|<day>|<slot>" (a move read from free text, asked once)
	action, _, pending = (snapshot.pending_change or "").partition(":")
	pending_id, _, rest = pending.partition("|")
	asked = by_id.get(pending_id)
	day, slot = extraction.fields.get("appointment_date"), extraction.fields.get("time_slot")
	cutoff = snapshot.cancel_cutoff_hours
	yes, no = intent in (Intent.CONFIRM, Intent.CANCEL), intent in (Intent.DENY, Intent.EDIT)

	picked = upcoming_rules.read_row(row, by_id)
	if picked is not None:
		kind, booking, new_day, new_slot = picked
		if kind == upcoming_rules.MOVE_TO:
			return _move_upcoming(unchanged, booking, new_day, new_slot, cutoff)
		if kind == upcoming_rules.MOVE:
			return _ask_new_time(unchanged, booking, cutoff)
		return _ask_to_cancel(unchanged, booking, cutoff)
	if asked is not None and action == upcoming_rules.CANCEL:
		if yes:  # "Yes, cancel it" (button 1), "haan", "cancel"
			return _cancel_upcoming(unchanged, asked, cutoff)
		if no:  # "No, keep it" (button 2), "nahi"
			unchanged.replies.append(upcoming_rules.kept(asked))
			return unchanged
	if asked is not None and action == upcoming_rules.MOVE_TO and rest.count("|") == 1:
		if yes and not day:  # "Yes, move it"
			return _move_upcoming(unchanged, asked, *rest.split("|"), cutoff)
		if no and not day:
			unchanged.replies.append(upcoming_rules.kept(asked))
			return unchanged
	if asked is not None and action in (upcoming_rules.MOVE, upcoming_rules.MOVE_TO):
		offered_day = rest.split("|")[0] if rest else None
		if day or (slot and offered_day):  # a new date, or a time for the day offered
			return _move_upcoming(unchanged, asked, day or offered_day, slot, cutoff)
		if no and not upcoming_rules.wants_to_move(message.text):
			unchanged.replies.append(upcoming_rules.kept(asked))
			return unchanged
	# anything else: a question asked lapses and the message is read as any other
	# "Edit" tapped on an old summary: the booking it made is what is to change (its date and time)
	edit_tapped = bool(message.button_id) and (message.text or "").strip().casefold() == replies.SUMMARY_BUTTONS[1].casefold()
	moving = upcoming_rules.wants_to_move(message.text) or edit_tapped
	if not snapshot.upcoming or not (moving or intent is Intent.CANCEL):
		return None
	if len(snapshot.upcoming) > 1:
		unchanged.replies.append(upcoming_rules.ask_which(snapshot.upcoming, move=moving))
		return unchanged
	booking = snapshot.upcoming[0]
	if not moving:
		return _ask_to_cancel(unchanged, booking, cutoff)
	if day and slot:  # "kal nahi ho payega, parso 4 baje karo": read from free text, so asked once
		person = _a_person(unchanged, booking, cutoff)
		if person is not None:
			return person
		unchanged.replies.append(upcoming_rules.ask_to_move(booking, day, slot))
		unchanged.pending_change = f"{upcoming_rules.MOVE_TO}:{booking.booking_id}|{day}|{slot}"
		return unchanged
	if day:
		return _move_upcoming(unchanged, booking, day, None, cutoff)
	return _ask_new_time(unchanged, booking, cutoff)


def _a_person(unchanged: Decision, booking: Upcoming, cutoff_hours: int) -> Decision | None:
	reason = upcoming_rules.too_late_reason(booking, cutoff_hours)
	if not reason:
		return None
	unchanged.needs_person = reason
	unchanged.replies.append(upcoming_rules.person_will_help(booking))
	return unchanged


def _ask_to_cancel(unchanged: Decision, booking: Upcoming, cutoff_hours: int) -> Decision:
	person = _a_person(unchanged, booking, cutoff_hours)
	if person is not None:
		return person
	unchanged.replies.append(upcoming_rules.ask_to_cancel(booking))
	unchanged.pending_change = f"{upcoming_rules.CANCEL}:{booking.booking_id}"
	return unchanged


def _cancel_upcoming(unchanged: Decision, booking: Upcoming, cutoff_hours: int) -> Decision:
	person = _a_person(unchanged, booking, cutoff_hours)  # the slot came closer meanwhile
	if person is not None:
		return person
	unchanged.cancel_booking = booking.booking_id
	unchanged.replies.append(upcoming_rules.cancelled(booking))
	# not COMPLETED any more: a stray second tap must not hear "your booking is confirmed"
	unchanged.state = State.IDLE
	return unchanged


def _ask_new_time(unchanged: Decision, booking: Upcoming, cutoff_hours: int) -> Decision:
	person = _a_person(unchanged, booking, cutoff_hours)
	if person is not None:
		return person
	unchanged.replies.append(upcoming_rules.ask_new_date(booking))
	unchanged.pending_change = f"{upcoming_rules.MOVE}:{booking.booking_id}"
	return unchanged


def _move_upcoming(unchanged: Decision, booking: Upcoming, day: str, slot: str | None, cutoff_hours: int) -> Decision:
	"""A new date and time: the booking moves (services check the seat under its lock); a date
	alone: that day's free slots are offered (services read them, `upcoming.offer_move`)."""
	person = _a_person(unchanged, booking, cutoff_hours)
	if person is not None:
		return person
	unchanged.pending_change = f"{upcoming_rules.MOVE}:{booking.booking_id}"
	if slot:
		unchanged.move_booking = (booking.booking_id, day, slot)
		unchanged.replies.append(upcoming_rules.moved(booking, day, slot))
		unchanged.pending_change = None
	else:
		unchanged.offer_move_day = (booking.booking_id, day)
		unchanged.pending_change = f"{upcoming_rules.MOVE}:{booking.booking_id}|{day}"
	return unchanged


def _welcome_back(
	decision: Decision, profile: Profile | None, today: date, first_time: bool, answered: str | None = None
) -> Decision:
	"""A returning customer is shown what we know of them, to confirm or change: a list when
	they have several cars or addresses on record, else one "use these again?" question. Only
	for what this booking has not been given; nothing is filled until they say so."""
	if profile is None or decision.state is not State.COLLECTING or decision.unconfirmed:
		return decision
	greeting = f"Welcome back, {profile.first_name}!" if first_time and profile.first_name else ""
	lead = "\n".join(filter(None, (greeting, *decision.rejected.values())))
	question = open_choice(profile, decision.values, answered)
	if question:
		body, rows = choice_question(profile, question, lead)
		return replace(decision, replies=[replies.pick_from_profile(body, rows)], expecting=(question,))
	proposed = profile_proposals(profile, decision.values, today)
	if not proposed:
		return decision
	return replace(
		decision,
		replies=[replies.returning_customer(proposed, lead)],
		expecting=tuple(proposed),
		unconfirmed=proposed,
	)


def _with_choices(
	extraction: Extraction, offer: Offer, message: Message, known: Mapping[str, str | None], expecting
) -> Extraction:
	"""The rules' reading with what the message chose from the catalog: a catalog choice
	replaces the rules' kind of service; one the catalog does not have is dropped, with why."""
	chosen = catalog_offer.read_choices(offer, message.text, message.button_id, known, extraction.fields, expecting)
	if not (chosen.fields or chosen.invalid or chosen.dropped):
		return extraction
	fields = {k: v for k, v in extraction.fields.items() if k not in chosen.dropped}
	fields.update(chosen.fields)
	basis = {k: v for k, v in extraction.basis.items() if k not in chosen.dropped}
	for name in chosen.fields:  # a list answer is about its field; a passing mention is not
		basis[name] = ANSWER if name in chosen.about else extraction.basis.get(name, MENTION)
	invalid = {**extraction.invalid, **chosen.invalid}
	for name in chosen.fields:
		invalid.pop(name, None)
	intent = extraction.intent
	if intent is Intent.CANCEL and "addons" in chosen.fields:
		intent = None  # "tyre shine cancel kar do": the add-on goes, not the booking
	return replace(extraction, fields=fields, basis=basis, invalid=invalid, intent=intent)


def _in_the_slots(extraction: Extraction, offer: Offer, text: str | None = None, expecting=()) -> Extraction:
	"""The time asked for, read into the business's slot that holds it, whatever the slot
	length ("10:30" is 10:30-12:00 with 90-minute slots from 6); a time no slot holds (before
	opening, after closing) is not stored, and the customer is told the hours."""
	slot = extraction.fields.get("time_slot")
	hours = f"We take bookings from {hours_text(offer.slots)}. Which time in between suits you?" if offer.slots else ""
	if offer.slots and not slot and "time_slot" in extraction.invalid:
		# a time outside the rules' 6 am-6 pm: inside the business's own hours (open till 8 pm),
		# it is the slot that holds it; else the business's hours are what to say
		for mention in find_times(read_indic(text or "")):
			held = slot_holding(offer.slots, time(mention.hour, mention.minute)) if mention.hour is not None else None
			if held:
				invalid = {k: v for k, v in extraction.invalid.items() if k != "time_slot"}
				basis = {**extraction.basis, "time_slot": ANSWER if "time_slot" in expecting else STATED}
				return replace(extraction, fields={**extraction.fields, "time_slot": held}, invalid=invalid, basis=basis)
		return replace(extraction, invalid={**extraction.invalid, "time_slot": hours})
	if not offer.slots or not slot:
		return extraction
	try:
		wanted = time.fromisoformat(extraction.start_time) if extraction.start_time else slot_times(slot)[0]
	except (ValueError, CatalogError):
		return extraction
	held = slot_holding(offer.slots, wanted)
	if held == slot:
		return extraction
	fields, invalid = dict(extraction.fields), dict(extraction.invalid)
	if held:
		fields["time_slot"] = held
	else:
		del fields["time_slot"]
		invalid["time_slot"] = hours
	return replace(extraction, fields=fields, invalid=invalid)


def _confirming(
	snapshot: Snapshot,
	values: dict,
	message: Message,
	extraction: Extraction,
	intent: Intent | None,
	today: date,
	unsure: dict[str, str],
	offer: Offer | None = None,
) -> Decision:
	if intent is Intent.CONFIRM and not extraction.fields:
		missing = catalog_offer.missing(offer, values, today)
		if missing:  # the date went stale while the summary waited, the service was withdrawn
			problems = {}
			if offer is not None and "service_type" in missing and values.get("service_type"):
				problems["service_type"] = catalog_offer.service_problem(offer, values) or (
					f"Sorry, {values['service_type']} is no longer offered."
				)
			reply, asked = ask(offer, values, missing, problems, "Before I book, a detail needs updating.")
			return Decision(State.COLLECTING, values, replies=[reply], expecting=asked)
		return Decision(State.COMPLETED, values, scratchpad_status=COMPLETED, create_booking=True)

	if intent in (Intent.EDIT, Intent.DENY):
		return _edit(values, message, extraction, today, unsure, offer)

	if extraction.fields or message.location or unsure or (offer is not None and extraction.invalid):
		return _collect(
			Snapshot(State.COLLECTING, values, True), values, message, extraction, today, unsure=unsure, offer=offer
		)
	offered = catalog_offer.addons_on_offer(offer, values)
	return Decision(
		State.CONFIRMING,
		values,
		replies=[replies.summary(values, addons_offered=offered)],
		summary_preface="",
		addons_offered=offered,
	)


def _edit(
	values: dict,
	message: Message,
	extraction: Extraction,
	today: date,
	unsure: dict[str, str],
	offer: Offer | None,
) -> Decision:
	"""An "edit" (at the summary, or while details are still being collected): the field named
	is asked again, or changed in one go; with none named, which one."""
	target = extraction.edit_field or edit_target(message.text or "")
	if target and target in extraction.fields:  # "change date to parso": edit in one go
		return _collect(
			Snapshot(State.COLLECTING, values, True, editing_field=target),
			values,
			message,
			extraction,
			today,
			unsure=unsure,
			offer=offer,
		)
	if target == "service_type" and offer is not None:  # the list again, with prices
		reply, _asked = ask(offer, values, ["service_type"], {})
		return Decision(State.COLLECTING, values, replies=[reply], expecting=(target,), editing_field=target)
	if target:
		return Decision(
			State.COLLECTING,
			values,
			replies=[replies.ask_edit_field(target)],
			expecting=(target,),
			editing_field=target,
		)
	return Decision(State.COLLECTING, values, replies=[replies.ask_edit_which()], editing_field=EDIT_ANY)


@dataclass(frozen=True)
class SlotCheck:
	"""Whether the decision's date and slot can be had, as the catalog found it under the slot's
	lock: if not, why, and what has room instead (slots that day, or other dates)."""

	available: bool
	reason: str = ""
	free_slots: tuple[str, ...] = ()
	other_dates: tuple[str, ...] = ()  # ISO dates
	# that day full or closed: the next open day with room (ISO) and its free slots
	next_day: str | None = None
	next_day_slots: tuple[str, ...] = ()


def needs_slot_check(decision: Decision) -> bool:
	"""The summary is shown (the slot is held for the customer) or the booking is made: the
	slot must have room."""
	return decision.create_booking or (decision.state is State.CONFIRMING and decision.summary_preface is not None)


def settle(
	decision: Decision,
	slot: SlotCheck | None,
	price: Mapping[str, int] | None = None,
	served: bool | None = None,
) -> Decision:
	"""The decision once the catalog has answered. An address outside the area served is caught
	here, at the summary or at Confirm: nothing is booked, every value kept, the customer told
	so politely (another address may do). A slot without room likewise: back to collecting the
	time (the date too when that day is full), the reply saying why and offering what has
	room. Otherwise the summary shows the price."""
	if served is False:
		return replace(
			decision,
			state=State.COLLECTING,
			create_booking=False,
			scratchpad_status=ACTIVE,
			replies=[
				*[r for r in decision.replies if r.buttons != replies.SUMMARY_BUTTONS],
				replies.outside_area(decision.values.get("pincode"), decision.values.get("city")),
			],
			expecting=("address", "pincode"),
			editing_field=None,
			summary_preface=None,
		)
	if slot is not None and not slot.available:
		# The date stays when only the time did not fit. A day with no room (full, closed) becomes
		# the next open day whose slots are offered, so a time typed next lands on the day offered.
		values = {**decision.values, "time_slot": None}
		if not slot.free_slots:
			values["appointment_date"] = slot.next_day if slot.next_day_slots else None
		asked: tuple[str, ...] = ("time_slot",) if slot.free_slots else ("appointment_date", "time_slot")
		wanted = _start_of(decision.values.get("time_slot"))
		return replace(
			decision,
			state=State.COLLECTING,
			values=values,
			changed={k: v for k, v in decision.changed.items() if k not in asked},
			sources={k: v for k, v in decision.sources.items() if k not in asked},
			create_booking=False,
			scratchpad_status=ACTIVE,
			replies=[
				*[r for r in decision.replies if r.buttons != replies.SUMMARY_BUTTONS],
				replies.slot_unavailable(
					decision.values.get("appointment_date"),
					decision.values.get("time_slot"),
					slot.reason,
					nearest_slots(slot.free_slots, wanted),
					slot.other_dates,
					slot.next_day,
					slot.next_day_slots,
				),
			],
			expecting=asked,
			editing_field=None,
			summary_preface=None,
		)
	if price and decision.state is State.CONFIRMING and decision.summary_preface is not None:
		return replace(
			decision,
			replies=[
				*[r for r in decision.replies if r.buttons != replies.SUMMARY_BUTTONS],
				replies.summary(decision.values, decision.summary_preface, price, decision.addons_offered),
			],
		)
	return decision


def asks_time(decision: Decision) -> str | None:
	"""The date whose free slots should be offered: the decision asks only for the time of a
	date the customer gave (the caller reads that day's slots and calls `offer_times`)."""
	if decision.state is State.COLLECTING and decision.expecting == ("time_slot",) and not decision.unconfirmed:
		return decision.values.get("appointment_date")
	return None


def offer_times(decision: Decision, slot: SlotCheck) -> Decision:
	"""The time question as a list of the day's free slots, by part of day. A day with none
	left: why, and the nearest dates with room (the date is asked again)."""
	day = decision.values.get("appointment_date")
	if slot.free_slots:
		lead = decision.question_lead
		free = in_day_part(slot.free_slots, decision.day_part)
		if not free:  # nothing left in the part of the day asked for: the whole day's
			part = decision.day_part.lower() if decision.day_part else ""
			lead = "\n".join(filter(None, (lead, f"Sorry, nothing is free {part} on {replies.format_day(day)}.")))
			free = slot.free_slots
		reply = replies.slot_unavailable(day, None, lead, free, ())
		return replace(decision, replies=[*decision.replies[:-1], reply])
	# A day full or closed: said plainly, with the next open day's free slots; that day is the
	# date now (a time typed next lands on it), until the customer gives another.
	reason = slot.reason or f"Sorry, {replies.format_day(day)} is fully booked."
	return replace(
		decision,
		values={**decision.values, "appointment_date": slot.next_day if slot.next_day_slots else None},
		replies=[
			*decision.replies[:-1],
			replies.slot_unavailable(
				day,
				None,
				"\n".join(filter(None, (decision.question_lead, reason))),
				(),
				slot.other_dates,
				slot.next_day,
				in_day_part(slot.next_day_slots, decision.day_part) or slot.next_day_slots,
			),
		],
		expecting=("appointment_date", "time_slot"),
	)


def _start_of(slot: str | None) -> time | None:
	try:
		return slot_times(slot or "")[0]
	except CatalogError:
		return None


# What the remote booking system's failure to book means for the customer.
REFUSED, UNAVAILABLE = "refused", "unavailable"


def booking_not_made(decision: Decision, kind: str, reason: str, slot: SlotCheck | None = None) -> Decision:
	"""The booking system did not book: a slot taken meanwhile asks the time again with what
	has room (`settle`); a refusal or no answer keeps the summary, says why, and Confirm may be
	tapped again (nothing was booked). Every detail the customer gave stays."""
	if slot is not None and not slot.available:
		return settle(decision, slot)
	later = "Please tap Confirm again in a few minutes." if kind == UNAVAILABLE else "Tap Edit to change something."
	return replace(
		decision,
		state=State.CONFIRMING,
		create_booking=False,
		scratchpad_status=ACTIVE,
		replies=[Reply(f"{reason}\nNothing was booked yet. {later}", replies.SUMMARY_BUTTONS)],
		expecting=(),
		summary_preface=None,
	)
