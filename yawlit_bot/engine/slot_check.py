"""Whether the date and time a customer asked for can be had, and what has room instead: the
rules over the opening hours and the seats taken, read by the caller (services/booking/slots.py under
the slot's row lock; the labelled slot dialogues without a database)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from yawlit_bot.engine import catalog as rules
from yawlit_bot.engine.conversation import SlotCheck

Taken = Mapping[date, Mapping[str, int]]  # seats taken per slot, per day (a day missing: none)


def alternatives(schedule: rules.Schedule, day: date, now: datetime, taken: Taken, reason: str) -> SlotCheck:
	"""The slots of `day` with room; none left (full, closed, out of the window), the nearest
	dates with room and the next open day's free slots."""
	free = [slot for slot, _left in rules.available_slots(schedule, day, now, taken.get(day, {}))]
	if free:
		return SlotCheck(False, reason, tuple(free))
	dates = rules.nearest_dates_with_room(schedule, day, now, taken)
	later = sorted(d for d in dates if d > day) or sorted(dates)
	next_day = later[0] if later else None
	next_free = (
		tuple(slot for slot, _left in rules.available_slots(schedule, next_day, now, taken.get(next_day, {})))
		if next_day
		else ()
	)
	return SlotCheck(
		False, reason, (), tuple(d.isoformat() for d in dates), next_day.isoformat() if next_day else None, next_free
	)


def problem_with(schedule: rules.Schedule, day: date, slot: str, now: datetime) -> str | None:
	"""Why (`day`, `slot`) cannot be booked whatever the seats (closed, no such slot, begun)."""
	start, _end = rules.slot_times(slot)
	problem = rules.window_error(schedule, day, now.date())
	if not problem and slot not in rules.slots_on(schedule, day):
		hours = rules.hours_text(rules.slots_on(schedule, day))
		problem = f"We have no slot starting at {rules.clock(start)}: we take bookings from {hours}."
	if not problem and datetime.combine(day, start) <= now:
		problem = f"{slot} on {day:%d %B} has already begun."
	return problem


def taken_message(day: date, slot: str, day_full: bool = False) -> str:
	if day_full:
		return f"Sorry, {slot} on {day:%A, %d %B} has just been taken, and that day is now fully booked."
	return f"Sorry, {slot} on {day:%A, %d %B} has just been taken."


def check(schedule: rules.Schedule, day: date, slot: str, now: datetime, taken: Taken) -> SlotCheck:
	"""Can one more seat be had in (`day`, `slot`)? When not: why, and what has room instead."""
	problem = problem_with(schedule, day, slot, now)
	if not problem and taken.get(day, {}).get(slot, 0) >= schedule.capacity_for(day):
		problem = taken_message(day, slot, day_full=not rules.available_slots(schedule, day, now, taken.get(day, {})))
	return alternatives(schedule, day, now, taken, problem) if problem else SlotCheck(True)
