"""Template replies. The bot never improvises text: every reply is built here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from yawlit_bot.engine.catalog import format_inr, group_by_day_part
from yawlit_bot.engine.fields import LABELS, PART_QUESTIONS, QUESTION_GROUPS, QUESTIONS

CONFIRM, EDIT, CANCEL = "Confirm", "Edit", "Cancel"
SUMMARY_BUTTONS: tuple[str, ...] = (CONFIRM, EDIT, CANCEL)
# WAPI numbers interactive buttons from 1; a reply carries either that id or the title.
BUTTON_IDS: dict[str, str] = {"1": CONFIRM, "2": EDIT, "3": CANCEL}


@dataclass(frozen=True)
class Reply:
	body: str
	buttons: tuple[str, ...] = field(default_factory=tuple)
	# Goes even to a customer writing faster than the flood limit (see flood.throttle_replies):
	# a booking confirmation, the answer to STOP / START.
	essential: bool = False


def next_questions(missing: Sequence[str], limit: int = 3) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
	"""The next groups of missing fields to ask, at most `limit` fields but always one group."""
	asked: list[str] = []
	groups: list[tuple[str, ...]] = []
	for group in QUESTION_GROUPS:
		wanted = tuple(name for name in group if name in missing)
		if not wanted:
			continue
		if groups and len(asked) + len(wanted) > limit:
			break
		groups.append(group)
		asked.extend(wanted)
	return tuple(asked), groups


def ask_missing(
	missing: Sequence[str], problems: Mapping[str, str] = (), preface: str = ""
) -> tuple[Reply, tuple[str, ...]]:
	"""Ask for the next two or three missing details; returns the reply and the fields asked."""
	asked, groups = next_questions(missing)
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
	values: Mapping[str, str | None], preface: str = "", price: Mapping[str, int] | None = None
) -> Reply:
	"""The booking as the customer will get it, with Confirm / Edit / Cancel buttons; with the
	price breakdown when the catalog could price it."""
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
		f"Address: {v['address']}, {v['pincode']}",
	]
	lines += [f"{LABELS[name]}: {v[name]}" for name in ("city", "email", "addons", "notes") if v[name]]
	if price:
		lines += price_lines(price)
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
	day: str | None, slot: str | None, reason: str, free_slots: Sequence[str], other_dates: Sequence[str]
) -> Reply:
	"""The chosen slot cannot be had: say why and offer what has room (slots of that day by
	part of day, or the nearest dates with room)."""
	lines = [reason]
	if free_slots:
		lines.append(f"Free on {format_day(day)}:")
		lines += [f"{part}: {', '.join(slots)}" for part, slots in group_by_day_part(free_slots).items()]
		lines.append("Which time suits you?")
	elif other_dates:
		lines.append("Dates with free slots: " + ", ".join(format_day(d) for d in other_dates) + ".")
		lines.append("Which date and time suit you?")
	else:
		lines.append("Please tell me another date and time.")
	return Reply("\n".join(lines))


def outside_area(pincode: str | None, city: str | None) -> Reply:
	place = " ".join(filter(None, (city, pincode))) or "your area"
	return Reply(
		f"Sorry, we don't come to {place} yet, so I can't book this wash. "
		"I've kept your details: if the car can be washed at another address we serve, send that address and pincode."
	)


def booking_confirmed(booking_id: str, values: Mapping[str, str | None]) -> Reply:
	return Reply(
		f"Booked! Your booking id is {booking_id}: {values.get('service_type')} on "
		f"{format_day(values.get('appointment_date'))}, {values.get('time_slot')}. "
		"We'll message you before we arrive. Say hi any time to book again.",
		essential=True,
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
