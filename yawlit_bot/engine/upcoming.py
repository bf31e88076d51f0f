"""The customer's own upcoming bookings over WhatsApp: "cancel my booking", "booking cancel kar
do". Which booking is meant, the question asked once before cancelling, and when it is too
late for the bot (a person takes it). The services cancel it under the booking's row lock."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from yawlit_bot.engine import replies
from yawlit_bot.engine.catalog import group_by_day_part
from yawlit_bot.engine.replies import ListRow, ListSection, Reply, capped, format_day

CANCEL_ROW = "cancelbk:"  # a row of the list of upcoming bookings: "cancelbk:WA-BKG-0001"
MOVE_ROW = "movebk:"  # the same list, to move one: "movebk:WA-BKG-0001"
MOVE_TO_ROW = "moveto:"  # a new slot for it: "moveto:WA-BKG-0001|2026-11-27|10:00-11:00"
CANCEL, MOVE, MOVE_TO = "cancel", "move", "moveto"  # what a pending question or a row is about
DEFAULT_CUTOFF_HOURS = 2

# "reschedule", "change my booking", "booking shift karo", "kal nahi ho payega, parso karo"
_MOVE_RE = re.compile(
	r"\b(?:re-?schedule|postpone|prepone)\b"
	r"|\b(?:shift|move|change|badal\w*|badlo)\s+(?:my\s+|the\s+|meri\s+|apni\s+)?(?:booking|appointment|slot)\b"
	r"|\b(?:booking|appointment)\s+(?:ka\s+|ki\s+|ko\s+)?(?:date|time|slot|din|samay)?\s*(?:change|badal\w*|badlo|shift)\b"
	r"|\bnahi\s+ho\s+pa(?:yega|ega|aega)\b|\bnahi\s+aa\s+pa(?:unga|aunga|ungi|aungi)\b"
	r"|\b(?:can'?t|cannot|won'?t\s+be\s+able\s+to)\s+make\s+it\b",
	re.I,
)
# "another booking", "ek aur booking", "new booking": a new one, not a move
_ANOTHER_RE = re.compile(r"\b(?:another|new|second|one\s+more|ek\s+aur|aur\s+ek|dusri|doosri|nayi|nai\s+booking)\b", re.I)


def wants_to_move(text: str | None) -> bool:
	"""The customer asks to move a booking already made (not to cancel it, not a new one)."""
	text = (text or "")[:500]
	return bool(_MOVE_RE.search(text)) and not _ANOTHER_RE.search(text)


def read_row(row: str, bookings: Mapping[str, "Upcoming"]) -> tuple[str, "Upcoming", str, str] | None:
	"""A tapped row of these lists: (what, booking, new date, new slot), or None."""
	if row.startswith(MOVE_TO_ROW):
		parts = row[len(MOVE_TO_ROW) :].split("|")
		if len(parts) == 3 and parts[0] in bookings:
			return MOVE_TO, bookings[parts[0]], parts[1], parts[2]
		return None
	for prefix, kind in ((CANCEL_ROW, CANCEL), (MOVE_ROW, MOVE)):
		if row.startswith(prefix) and row[len(prefix) :] in bookings:
			return kind, bookings[row[len(prefix) :]], "", ""
	return None


@dataclass(frozen=True)
class Upcoming:
	"""A confirmed booking of this customer that has not begun."""

	booking_id: str
	day: str  # ISO date
	slot: str
	service: str = ""
	hours_to_go: float = 0.0  # until the slot begins (India time), as the services read the clock
	changeable_by_bot: bool = True  # False where the booking system offers no way to cancel (Yawlit's ERP)
	reminded: int = 0  # the id of its latest reminder message (0: none sent)


def describe(booking: Upcoming) -> str:
	what = f" ({booking.service})" if booking.service else ""
	return f"{booking.booking_id} on {format_day(booking.day)}, {booking.slot}{what}"


def ask_which(bookings: tuple[Upcoming, ...], move: bool = False) -> Reply:
	prefix = MOVE_ROW if move else CANCEL_ROW
	rows = tuple(ListRow(prefix + b.booking_id, b.booking_id, f"{format_day(b.day)}, {b.slot}") for b in bookings)
	lines = [f"Which booking should I {'move' if move else 'cancel'}?", *(f"• {describe(b)}" for b in bookings)]
	return Reply("\n".join(lines), sections=capped([ListSection("Your bookings", rows)]), list_button="Choose a booking")


CANCEL_BUTTONS = ("Yes, cancel it", "No, keep it")  # tapped as "1" / "2", like the summary's first two


def ask_to_cancel(booking: Upcoming) -> Reply:
	return Reply(f"Cancel your booking {describe(booking)}?", CANCEL_BUTTONS)


def kept(booking: Upcoming) -> Reply:
	return Reply(f"Okay, your booking {booking.booking_id} stays as it is.")


def cancelled(booking: Upcoming) -> Reply:
	return Reply(
		f"Your booking {describe(booking)} is cancelled. Say hi whenever you want to book again.", essential=True
	)


def nothing_upcoming() -> Reply:
	return replies.nothing_to_cancel()


def too_late_reason(booking: Upcoming, cutoff_hours: int) -> str | None:
	"""Why a person, not the bot, cancels this booking (None: the bot may)."""
	if not booking.changeable_by_bot:
		return f"The customer asked to cancel {booking.booking_id}; the booking system takes no cancellation from the bot."
	if booking.hours_to_go < cutoff_hours:
		return f"The customer asked to cancel {booking.booking_id}, less than {cutoff_hours} h before its slot."
	return None


def person_will_help(booking: Upcoming) -> Reply:
	return Reply(f"A person from our team will help you with booking {booking.booking_id} shortly.")


def ask_new_date(booking: Upcoming) -> Reply:
	return Reply(f"Sure. Your booking is {describe(booking)}. Which date (and time) would you like instead?")


MOVE_BUTTONS = ("Yes, move it", "No, keep it")  # tapped as "1" / "2", like the summary's first two


def ask_to_move(booking: Upcoming, day: str, slot: str) -> Reply:
	return Reply(f"Move your booking {describe(booking)} to {format_day(day)}, {slot}?", MOVE_BUTTONS)


def moved(booking: Upcoming, day: str, slot: str) -> Reply:
	return Reply(
		f"Done: your booking {booking.booking_id} is moved to {format_day(day)}, {slot}. "
		f"{format_day(booking.day)}, {booking.slot} is given up.",
		essential=True,
	)


def offer_move(
	booking: Upcoming, day: str, reason: str, free_slots: Sequence[str], next_day: str | None = None, next_slots: Sequence[str] = ()
) -> Reply:
	"""The free slots to move the booking to, as a list (that day's; that day full or closed:
	the next open day's)."""
	lines = [reason] if reason else []
	if not free_slots and next_day and next_slots:
		day, free_slots = next_day, next_slots
	if not free_slots:
		lines.append("Please tell me another date.")
		return Reply("\n".join(lines))
	shown = list(free_slots)[:10]
	lines.append(f"Free on {format_day(day)} for booking {booking.booking_id}:")
	lines += [f"{part}: {', '.join(slots)}" for part, slots in group_by_day_part(shown).items()]
	lines.append("Which time suits you?")
	sections = [
		ListSection(part, tuple(ListRow(f"{MOVE_TO_ROW}{booking.booking_id}|{day}|{s}", s) for s in slots))
		for part, slots in group_by_day_part(shown).items()
	]
	return Reply("\n".join(lines), sections=capped(sections), list_button="Choose a time")
