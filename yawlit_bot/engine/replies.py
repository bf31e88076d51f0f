"""Template replies. The bot never improvises text: every reply is built here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from yawlit_bot.engine.catalog import clock, format_inr, group_by_day_part, slot_times
from yawlit_bot.engine.fields import LABELS, PART_QUESTIONS, QUESTION_GROUPS, QUESTIONS

CONFIRM, EDIT, CANCEL = "Confirm", "Edit", "Cancel"
SUMMARY_BUTTONS: tuple[str, ...] = (CONFIRM, EDIT, CANCEL)
# WAPI numbers interactive buttons from 1; a reply carries either that id or the title.
BUTTON_IDS: dict[str, str] = {"1": CONFIRM, "2": EDIT, "3": CANCEL}
# List-reply row ids carry what was chosen; never "1"/"2"/"3", the summary's buttons.
SERVICE_ROW, ADDON_ROW, SLOT_ROW, DATE_ROW = "svc:", "addon:", "slot:", "date:"
DAY_SLOT_ROW = "dayslot:"  # a slot on another day than the one asked for: "dayslot:2026-12-08|10:00-11:00"


@dataclass(frozen=True)
class ListRow:
	id: str
	title: str  # WhatsApp shows 24 characters
	description: str = ""  # and 72 here


@dataclass(frozen=True)
class ListSection:
	title: str
	rows: tuple[ListRow, ...]


LIST_ROWS_MAX = 10  # WhatsApp's cap on the rows of one list


@dataclass(frozen=True)
class Reply:
	body: str
	buttons: tuple[str, ...] = field(default_factory=tuple)
	# Goes even to a customer writing faster than the flood limit (see flood.throttle_replies):
	# a booking confirmation, the answer to STOP / START.
	essential: bool = False
	# A WhatsApp list (the body says the same in text, for a typed answer or an old phone).
	sections: tuple[ListSection, ...] = field(default_factory=tuple)
	list_button: str = ""

	def list_payload(self) -> dict | None:
		"""The list as stored with the outgoing message and sent by the outbox."""
		if not self.sections:
			return None
		return {
			"button": self.list_button[:20] or "Choose",
			"sections": [
				{
					"title": section.title[:24],
					"rows": [
						{"id": row.id, "title": row.title[:24], "description": row.description[:72]}
						for row in section.rows
					],
				}
				for section in self.sections
			],
		}


def capped(sections: Sequence[ListSection], limit: int = LIST_ROWS_MAX) -> tuple[ListSection, ...]:
	"""At most `limit` rows (WhatsApp refuses a longer list), taken in turn from each section so
	every section keeps some (the evening's slots too); the text above the list names them all."""
	taken = [0] * len(sections)
	left = limit
	while left > 0 and any(taken[i] < len(s.rows) for i, s in enumerate(sections)):
		for i, section in enumerate(sections):
			if left > 0 and taken[i] < len(section.rows):
				taken[i] += 1
				left -= 1
	return tuple(
		ListSection(section.title, section.rows[: taken[i]]) for i, section in enumerate(sections) if taken[i]
	)


def next_questions(
	missing: Sequence[str], limit: int = 3, alone: Sequence[tuple[str, ...]] = ()
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
	"""The next groups of missing fields to ask, at most `limit` fields but always one group.
	A question in `alone` (answered from a list) is asked by itself."""
	asked: list[str] = []
	groups: list[tuple[str, ...]] = []
	for group in QUESTION_GROUPS:
		wanted = tuple(name for name in group if name in missing)
		if not wanted:
			continue
		if groups and (len(asked) + len(wanted) > limit or wanted in alone):
			break
		groups.append(group)
		asked.extend(wanted)
		if wanted in alone:
			break
	return tuple(asked), groups


def ask_missing(
	missing: Sequence[str],
	problems: Mapping[str, str] = (),
	preface: str = "",
	alone: Sequence[tuple[str, ...]] = (),
) -> tuple[Reply, tuple[str, ...]]:
	"""Ask for the next two or three missing details; returns the reply and the fields asked."""
	asked, groups = next_questions(missing, alone=alone)
	lines = [preface] if preface else []
	lines += [problem for problem in dict(problems).values()]
	questions = [
		PART_QUESTIONS.get(tuple(name for name in group if name in missing), QUESTIONS[group]) for group in groups
	]
	if len(questions) == 1:
		lines.append(f"Please send {questions[0]}.")
	else:
		lines.append("Please send:")
		lines += [f"• {question}" for question in questions]
	return Reply("\n".join(lines)), asked


def _shown(name: str, value: str) -> str:
	return format_day(value) if name == "appointment_date" else value


def returning_customer(values: Mapping[str, str], preface: str = "") -> Reply:
	"""A returning customer's details from before, offered back: yes takes them, anything
	sent instead wins."""
	v = {name: values.get(name) or "" for name in LABELS}
	lines = [preface] if preface else []
	lines.append("Shall I use your details from last time?")
	name = " ".join(filter(None, (v["first_name"], v["last_name"])))
	if name:
		lines.append(f"• Name: {name}")
	car = " ".join(filter(None, (v["vehicle_brand"], v["vehicle_model"])))
	if car or v["vehicle_plate"]:
		kind = f" ({v['vehicle_type']})" if v["vehicle_type"] else ""
		lines.append(f"• Car: {car}{kind}" + (f", {v['vehicle_plate']}" if v["vehicle_plate"] else ""))
	if v["address"]:
		lines.append(f"• Address: {address_with_pincode(v['address'], v['pincode'])}")
	if v["email"]:
		lines.append(f"• Email: {v['email']}")
	lines.append("Reply yes, or send what has changed.")
	return Reply("\n".join(lines))


def pick_from_profile(body: str, rows: Sequence[tuple[str, str]]) -> Reply:
	"""Several cars or addresses on record: a list to pick one (or type another)."""
	section = ListSection("On record", tuple(ListRow(row_id, label[:24], label[:72]) for row_id, label in rows))
	return Reply(body, sections=capped([section]), list_button="Choose")


def check_unsure(values: Mapping[str, str], preface: str = "") -> Reply:
	"""A value the model read without enough confidence: the customer confirms it or corrects it."""
	lines = [preface] if preface else []
	if len(values) == 1:
		((name, value),) = values.items()
		lines.append(f"I read your {LABELS[name].lower()} as {_shown(name, value)}. Is that right?")
		lines.append(f"Reply yes, or send the right {LABELS[name].lower()}.")
	else:
		lines.append("I read these details. Are they right?")
		lines += [f"• {LABELS[name]}: {_shown(name, value)}" for name, value in values.items()]
		lines.append("Reply yes, or send the right ones.")
	return Reply("\n".join(lines))


def kept_values(kept: Mapping[str, str], values: Mapping[str, str | None]) -> str:
	"""A value read in passing that differs from one the customer already gave: kept as it was,
	and the customer is told how to change it."""
	lines = []
	for name, new in kept.items():
		label = LABELS[name]
		lines.append(
			f"I kept your {label.lower()} as {_shown(name, values.get(name) or '')}. "
			f"To change it to {_shown(name, new)}, send \"{label.lower()}: {_shown(name, new)}\"."
		)
	return "\n".join(lines)


def welcome() -> str:
	return "Hi! I'm Yawlit's booking assistant. I'll book your car wash in a few quick steps."


def format_day(iso_day: str | None) -> str:
	if not iso_day:
		return "-"
	try:
		return date.fromisoformat(iso_day).strftime("%a %d %b %Y")
	except ValueError:
		return iso_day


def summary(
	values: Mapping[str, str | None],
	preface: str = "",
	price: Mapping[str, int] | None = None,
	addons_offered: Sequence[tuple[str, int]] = (),
) -> Reply:
	"""The booking as the customer will get it, with Confirm / Edit / Cancel buttons; with the
	price breakdown when the catalog could price it, and the add-ons still on offer."""
	v = {name: (values.get(name) or "") for name in LABELS}
	car = " ".join(filter(None, (v["vehicle_brand"], v["vehicle_model"])))
	lines = [preface] if preface else []
	lines += [
		"Please check your booking:",
		f"Name: {v['first_name']} {v['last_name']}",
		f"Phone: +{v['phone']}",
		f"Car: {car} ({v['vehicle_type']}), {v['vehicle_plate']}",
		f"Service: {v['service_type']}",
		f"When: {format_day(v['appointment_date'])}, {v['time_slot']}",
		f"Address: {address_with_pincode(v['address'], v['pincode'])}",
	]
	lines += [
		f"{LABELS[name]}: {v[name]}"
		for name in ("city", "email", "addons", "water_provided", "electricity_provided", "notes")
		if v[name]
	]
	if price:
		lines += price_lines(price)
	if addons_offered:
		lines.append(
			"Add-ons you can add: "
			+ ", ".join(f"{name} +{format_inr(amount)}" for name, amount in addons_offered)
			+ ". Send a name to add it."
		)
	lines.append("Tap Confirm to book, Edit to change something, or Cancel.")
	return Reply("\n".join(lines), SUMMARY_BUTTONS)


def price_lines(price: Mapping[str, int]) -> list[str]:
	lines = [f"Price: {format_inr(price['base'])}"]
	if price.get("addons_total"):
		lines.append(f"Add-ons: {format_inr(price['addons_total'])}")
	if price.get("surcharges"):
		lines.append(f"Water/electricity surcharge: {format_inr(price['surcharges'])}")
	lines.append(f"Total: {format_inr(price['total'])}")
	return lines


def slot_unavailable(
	day: str | None,
	slot: str | None,
	reason: str,
	free_slots: Sequence[str],
	other_dates: Sequence[str],
	next_day: str | None = None,
	next_day_slots: Sequence[str] = (),
) -> Reply:
	"""The chosen slot cannot be had: say why and offer what has room (slots of that day by
	part of day; that day full or closed, the next open day's slots, or the nearest dates)."""
	lines = [reason] if reason else []
	if not free_slots and next_day and next_day_slots:
		shown = list(next_day_slots)[:10]
		starts = [clock(slot_times(s)[0]).replace(":00 ", " ") for s in shown]
		said = ", ".join(starts[:-1]) + (" and " if len(starts) > 1 else "") + starts[-1]
		lines.append(f"{format_day(next_day)} has {said} free.")
		lines.append("Which one suits you? Or tell me another date.")
		sections = [
			ListSection(part, tuple(ListRow(f"{DAY_SLOT_ROW}{next_day}|{s}", s) for s in slots))
			for part, slots in group_by_day_part(shown).items()
		]
		return Reply("\n".join(lines), sections=capped(sections), list_button="Choose a time")
	if free_slots:
		lines.append(f"Free on {format_day(day)}:")
		lines += [f"{part}: {', '.join(slots)}" for part, slots in group_by_day_part(free_slots).items()]
		lines.append("Which time suits you?")
		sections = [
			ListSection(part, tuple(ListRow(SLOT_ROW + slot, slot) for slot in slots))
			for part, slots in group_by_day_part(free_slots).items()
		]
		return Reply("\n".join(lines), sections=capped(sections), list_button="Choose a time")
	if other_dates:
		lines.append("Dates with free slots: " + ", ".join(format_day(d) for d in other_dates) + ".")
		lines.append("Which date and time suit you?")
		rows = tuple(ListRow(DATE_ROW + d, format_day(d)) for d in other_dates)
		return Reply("\n".join(lines), sections=capped([ListSection("Dates with room", rows)]), list_button="Choose a date")
	lines.append("Please tell me another date and time.")
	return Reply("\n".join(lines))


def ask_service(
	services: Sequence[tuple[str, str, int | None, str]], vehicle_type: str | None, preface: str = ""
) -> Reply:
	"""The services as a WhatsApp list, each with its price for the vehicle type; `services`:
	(id, name, price, note) in the order offered (a typed number counts in that order)."""
	lines = [preface] if preface else []
	if not services:
		lines.append(
			"Sorry, we have no service for this vehicle at the moment. "
			"If you'd like a wash for another vehicle, send its brand and model."
		)
		return Reply("\n".join(lines))
	what = f"for your {vehicle_type}" if vehicle_type else "(prices from)"
	lines.append(f"Which service would you like? Prices {what}:")
	lines += [
		f"{n}. {name}" + (f" - {format_inr(price)}" if price is not None else "")
		for n, (_id, name, price, _note) in enumerate(services, start=1)
	]
	lines.append("Reply with the number or the name.")
	rows = tuple(
		ListRow(
			SERVICE_ROW + service_id,
			name,
			" · ".join(filter(None, (format_inr(price) if price is not None else "", note))),
		)
		for service_id, name, price, note in services
	)
	return Reply("\n".join(lines), sections=capped([ListSection("Services", rows)]), list_button="Choose a service")


def address_with_pincode(address: str, pincode: str) -> str:
	"""The address as the customer will read it back: the pincode added once, not again when the
	address they typed already ends with it ("... Pune 411045")."""
	if not pincode or pincode in (address or ""):
		return address or pincode
	return f"{address}, {pincode}" if address else pincode


def outside_area(pincode: str | None, city: str | None) -> Reply:
	place = " ".join(filter(None, (city, pincode))) or "your area"
	return Reply(
		f"Sorry, we don't come to {place} yet, so I can't book this wash. "
		"I've kept your details: if the car can be washed at another address we serve, send that address and pincode."
	)


def booked_what(values: Mapping[str, str | None]) -> str:
	"""A booking in a few words: "Foam Wash on Tue 01 Dec 2026, 10:00-11:00"."""
	service = values.get("service_type") or "your booking"
	return f"{service} on {format_day(values.get('appointment_date'))}, {values.get('time_slot')}"


def booking_confirmed(booking_id: str, values: Mapping[str, str | None]) -> Reply:
	return Reply(
		f"Booked! Your booking id is {booking_id}: {booked_what(values)}. "
		"We'll message you before we arrive. Say hi any time to book again.",
		essential=True,
	)


def booking_pending(booking_id: str, values: Mapping[str, str | None]) -> Reply:
	return Reply(
		f"Thanks! Your booking request {booking_id} for {booked_what(values)} is with our team: our booking "
		"system was slow to answer, so a person is confirming it and will message you shortly.",
		essential=True,
	)


def person_coming() -> Reply:
	return Reply(
		"I've asked our team to get in touch with you here; a person will reply soon. "
		"I've kept everything you've told me so far."
	)


def already_booked(booking_id: str | None) -> Reply:
	if booking_id:
		return Reply(f"Your booking {booking_id} is already confirmed. Say hi to make a new booking.")
	return Reply("Your booking is already confirmed. Say hi to make a new booking.")


def cancelled() -> Reply:
	return Reply(
		"Okay, I've cancelled this booking. Nothing was booked. Say hi whenever you want to start again."
	)


def nothing_to_cancel() -> Reply:
	return Reply("There's no booking in progress to cancel. Say hi to start a new one.")


def ask_edit_which() -> Reply:
	return Reply(
		"What would you like to change? For example: name, car, plate, service, date, time or address."
	)


def ask_edit_field(name: str) -> Reply:
	return Reply(f"Sure. What's the new {LABELS[name].lower()}?")


def you_are_welcome() -> Reply:
	return Reply("You're welcome! Say hi whenever you need another wash.")


def unsupported_message(kind: str) -> Reply:
	what = {
		"image": "photos",
		"sticker": "stickers",
		"audio": "voice notes",
		"video": "videos",
		"document": "documents",
		"reaction": "reactions",
		"contacts": "contact cards",
	}.get(kind, "this kind of message")
	return Reply(
		f"Sorry, I can't read {what} yet. Please type your reply, or share a location pin for the address."
	)


def not_read(expecting: tuple[str, ...] = ()) -> Reply:
	"""The message took longer to read than a turn may spend (a very long or unusual text):
	nothing in it was kept, and the customer is asked again, shortly."""
	asked = [LABELS[name].lower() for name in expecting if name in LABELS]
	again = f"your {' and '.join(asked)}" if asked else "it"
	return Reply(
		"Sorry, I couldn't read that message: it is too long or unusual for me. "
		f"Could you send {again} again in a few words?"
	)


def slow_down() -> Reply:
	return Reply(
		"You're sending messages faster than I can answer. I've saved everything you sent; "
		"I'll reply to your next message in a minute."
	)


SORRY_TEXT = "Sorry, something went wrong on our side with your last message. Could you send it again?"


def opted_out() -> Reply:
	return Reply(
		"You won't get offers from Yawlit on WhatsApp any more. Reply START to get them again. "
		"Your bookings are not affected.",
		essential=True,
	)


def opted_in() -> Reply:
	return Reply(
		"Welcome back! You'll get Yawlit's offers again. Reply STOP at any time to stop them.", essential=True
	)
