"""Seats in a slot, taken one customer at a time.

One `WA Booking Slot` row per (date, slot), named "<date> <slot>", holds the truth: `booked`
(confirmed bookings) and `holds` (customers whose summary keeps a seat, until when). Every
change goes through the row's exclusive lock: `INSERT ... ON DUPLICATE KEY UPDATE` creates it
if missing and locks it either way (INSERT IGNORE then FOR UPDATE would let two transactions
share a lock and deadlock upgrading it), and the locking read after it sees the latest
committed values — a count of bookings would read the transaction's older snapshot. So N
customers confirming the last seat at once get one booking. The rules (opening hours,
capacity, holds that stop counting when they expire, alternatives) are the engine's
(`engine/catalog.py`).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import frappe
from frappe.utils import get_datetime, getdate, now_datetime

from yawlit_bot.engine import catalog as rules
from yawlit_bot.engine import slot_check as slot_rules
from yawlit_bot.engine.conversation import SlotCheck
from yawlit_bot.services.site.clock import now_in_india
from yawlit_bot.services.site.db import json_dict
from yawlit_bot.services.site.settings import BookingSettings, booking_settings


class Slot:
	"""A slot row, locked by this transaction: its bookings and holds as last committed."""

	def __init__(self, day: date, slot: str):
		self.day, self.slot = day, slot
		self.name = f"{day.isoformat()} {slot}"
		now = now_datetime()
		frappe.db.sql(
			"""insert into `tabWA Booking Slot` (name, slot_date, time_slot, booked, creation, modified, owner, modified_by)
			values (%(name)s, %(day)s, %(slot)s, 0, %(now)s, %(now)s, 'Administrator', 'Administrator')
			on duplicate key update modified = %(now)s""",
			{"name": self.name, "day": day, "slot": slot, "now": now},
		)
		booked, holds = frappe.db.sql(
			"select booked, holds from `tabWA Booking Slot` where name = %s for update", self.name
		)[0]
		self.booked = int(booked or 0)
		self.holds: dict[str, str] = json_dict(holds)

	def taken(self, holder: str | None, now: datetime) -> int:
		return _seats(self.booked, self.holds, now, holder)

	def save(self, now: datetime) -> None:
		# expired holds are dropped as the row is written anyway
		live = {who: until for who, until in self.holds.items() if get_datetime(until) > now}
		frappe.db.sql(
			"update `tabWA Booking Slot` set booked = %s, holds = %s, modified = %s where name = %s",
			(max(self.booked, 0), json.dumps(live) if live else None, now_datetime(), self.name),
		)


def _seats(booked, holds: dict, now: datetime, holder: str | None) -> int:
	"""Seats taken: bookings, and the holds of others that have not expired (engine rule)."""
	return rules.seats_taken(
		int(booked or 0), [(who, get_datetime(until)) for who, until in holds.items()], now, holder
	)


def check_slot(
	day_value, slot: str | None, holder: str | None, *, settings: BookingSettings | None = None
) -> tuple[SlotCheck, Slot | None]:
	"""Can `holder` (a conversation) have a seat in (`day`, `slot`)? The slot's row stays locked
	by the caller's transaction. When not: why, and what has room instead."""
	settings = settings or booking_settings()
	schedule = settings.schedule
	now = now_in_india()
	try:
		day = getdate(day_value)
		rules.slot_times(slot or "")
	except Exception:
		return SlotCheck(False, "Please tell me the date and time again."), None
	problem = slot_rules.problem_with(schedule, day, slot, now)
	if problem:
		return alternatives(settings, day, holder, now, problem), None
	row = Slot(day, slot)
	if row.taken(holder, now) >= schedule.capacity_for(day):
		full = not rules.available_slots(schedule, day, now, taken_on(day, holder, now))
		return alternatives(settings, day, holder, now, slot_rules.taken_message(day, slot, day_full=full)), row
	return SlotCheck(True), row


def hold(row: Slot, holder: str, minutes: int) -> None:
	now = now_in_india()
	row.holds[holder] = (now + timedelta(minutes=minutes)).isoformat(sep=" ", timespec="seconds")
	row.save(now)


def take_seat(row: Slot, holder: str | None) -> None:
	"""A booking is made in this slot (the caller checked it had room under this lock)."""
	row.booked += 1
	row.holds.pop(holder or "", None)
	row.save(now_in_india())


def free_seat(day_value, slot: str | None) -> None:
	"""A confirmed booking left this slot (cancelled, moved, deleted)."""
	try:
		day = getdate(day_value)
		rules.slot_times(slot or "")
	except Exception:
		return
	row = Slot(day, slot)
	row.booked -= 1
	row.save(now_in_india())


def taken_by_day(first: date, last: date, holder: str | None, now: datetime) -> dict[date, dict[str, int]]:
	"""Seats taken per slot, per day from `first` to `last`, as last read (for offering slots;
	a booking re-checks under the lock)."""
	taken: dict[date, dict[str, int]] = {}
	for row in frappe.get_all(
		"WA Booking Slot",
		filters={"slot_date": ["between", [first, last]]},
		fields=["slot_date", "time_slot", "booked", "holds"],
	):
		taken.setdefault(getdate(row.slot_date), {})[row.time_slot] = _seats(
			row.booked, json_dict(row.holds), now, holder
		)
	return taken


def taken_on(day: date, holder: str | None, now: datetime) -> dict[str, int]:
	return taken_by_day(day, day, holder, now).get(day, {})


def alternatives(settings: BookingSettings, day: date, holder: str | None, now: datetime, reason: str) -> SlotCheck:
	"""The slots of `day` with room, or (none left) the nearest dates with room."""
	schedule = settings.schedule
	taken = {day: taken_on(day, holder, now)}
	if not rules.available_slots(schedule, day, now, taken[day]):  # the other dates are looked at too
		taken = taken_by_day(now.date(), now.date() + timedelta(days=schedule.days_ahead), holder, now)
	return slot_rules.alternatives(schedule, day, now, taken, reason)


def recount(day: date, slot: str) -> int:
	"""Set a slot's `booked` from its confirmed bookings, in a transaction of its own (it
	commits). For rows that bookings deleted without their hooks left behind (a direct SQL
	delete): the lock is taken before this transaction's first plain read, so the count sees
	every booking committed before it."""
	frappe.db.commit()
	row = Slot(day, slot)
	row.booked = frappe.db.count(
		"WA Service Booking", {"appointment_date": day, "time_slot": slot, "status": "Confirmed"}
	)
	row.save(now_in_india())
	frappe.db.commit()
	return row.booked


def recount_all(since: str | None = None) -> int:
	"""`bench --site <site> execute yawlit_bot.services.booking.slots.recount_all`: every slot from
	`since` (default today) recounted. Returns how many rows changed."""
	since_day = getdate(since) if since else now_in_india().date()
	changed = 0
	for row in frappe.get_all(
		"WA Booking Slot", filters={"slot_date": [">=", since_day]}, fields=["slot_date", "time_slot", "booked"]
	):
		if recount(getdate(row.slot_date), row.time_slot) != row.booked:
			changed += 1
	return changed


def release_holds(holders: list[str], keep: str | None = None) -> int:
	"""Drop the holds of these customers (they cancelled, moved to another slot, or their
	conversation is gone), except in the slot row `keep`. Returns how many."""
	released = 0
	for holder in holders:
		for name in frappe.get_all(
			"WA Booking Slot",
			filters={"holds": ["like", f'%"{holder}"%'], "slot_date": [">=", now_in_india().date()]},
			pluck="name",
		):
			if name == keep:
				continue
			day, slot = name.split(" ", 1)
			row = Slot(getdate(day), slot)
			if row.holds.pop(holder, None):
				released += 1
			row.save(now_in_india())
	return released
