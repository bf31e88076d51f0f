"""The customer's own upcoming bookings over WhatsApp: "cancel my booking", "booking cancel kar
do". Which booking is meant, the question asked once before cancelling, and when it is too
late for the bot (a person takes it). The services cancel it under the booking's row lock."""

from __future__ import annotations

from dataclasses import dataclass

from yawlit_bot.engine import replies
from yawlit_bot.engine.replies import ListRow, ListSection, Reply, capped, format_day

CANCEL_ROW = "cancelbk:"  # a row of the list of upcoming bookings: "cancelbk:WA-BKG-0001"
DEFAULT_CUTOFF_HOURS = 2


@dataclass(frozen=True)
class Upcoming:
	"""A confirmed booking of this customer that has not begun."""

	booking_id: str
	day: str  # ISO date
	slot: str
	service: str = ""
	hours_to_go: float = 0.0  # until the slot begins (India time), as the services read the clock
	changeable_by_bot: bool = True  # False where the booking system offers no way to cancel (Yawlit's ERP)


def describe(booking: Upcoming) -> str:
	what = f" ({booking.service})" if booking.service else ""
	return f"{booking.booking_id} on {format_day(booking.day)}, {booking.slot}{what}"


def ask_which(bookings: tuple[Upcoming, ...]) -> Reply:
	rows = tuple(ListRow(CANCEL_ROW + b.booking_id, b.booking_id, f"{format_day(b.day)}, {b.slot}") for b in bookings)
	lines = ["Which booking should I cancel?", *(f"• {describe(b)}" for b in bookings)]
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
