"""What the customer is told when staff change their booking in Desk: a move to another date or
time, or a cancellation. Plain data in, a reply (or none) out; the booking's controller queues it
through the outbox in the same transaction as the change, so it goes once, after the commit."""

from __future__ import annotations

from collections.abc import Mapping

from yawlit_bot.engine.replies import Reply, booked_what, format_day

CANCELLED = "Cancelled"


def _when(values: Mapping) -> tuple[str, str]:
	return (str(values.get("appointment_date") or "")[:10], str(values.get("time_slot") or ""))


def _as_text(values: Mapping) -> dict:
	day, slot = _when(values)
	return {**values, "appointment_date": day, "time_slot": slot}


def notice_for(before: Mapping, after: Mapping, booking_id: str) -> Reply | None:
	"""The message for a change staff made, or None when the customer need not hear of it (a
	note, a price, a booking marked done)."""
	service = after.get("service_type") or "your booking"
	if after.get("status") == CANCELLED and before.get("status") != CANCELLED:
		return Reply(
			f"Your booking {booking_id} ({booked_what(_as_text(before))}) has been cancelled by our team. "
			"Sorry for the trouble. Say hi if you'd like to book another time.",
			essential=True,
		)
	if after.get("status") == "Confirmed" and _when(before) != _when(after):
		day, slot = _when(after)
		return Reply(
			f"Your booking {booking_id} ({service}) has been moved by our team to {format_day(day)}, {slot}. "
			"If that time doesn't suit you, reply here and we'll sort it out.",
			essential=True,
		)
	return None
