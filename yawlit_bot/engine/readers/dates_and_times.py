"""The day and the time slot ("kal subah 10 baje", "parso 4:30", "सोमवार शाम 5 बजे"), read
with `engine.dates`; a date in the past or a time outside the working hours is reported, not
stored; the time as said is kept for the slot that holds it."""

from __future__ import annotations

import re
from datetime import date

from yawlit_bot.engine.dates import (
	find_date,
	find_out_of_hours_time,
	find_times,
	parse_start_time,
	parse_time_slot,
	time_bound,
)
from yawlit_bot.engine.readers.corrections import after_last_correction
from yawlit_bot.engine.readers.numbers import BARE_NUMBER_RE
from yawlit_bot.engine.readers.text import MENTION, Context, Extraction, Text, flag, put


def _not_a_booking_date(text: str, start: int, end: int) -> bool:
	"""A date in a clause about the past ("kal booking kia tha"), about opening hours ("are
	you open on Sunday?") or only a bound ("parso ke baad") books nothing."""
	if re.match(r"\s*(?:ke\s+|k\s+)?(?:baad|bad)\b|\s*(?:or|and)\s+later\b", text[end:], re.I):
		return True
	clause_start = max(text.rfind(c, 0, start) for c in ",.;!?\n—–") + 1
	ends = [i for i in (text.find(c, end) for c in ",.;!\n—–") if i >= 0]
	clause = text[clause_start : min(ends) if ends else len(text)]
	return bool(_PAST_OR_HOURS_RE.search(clause))


_PAST_OR_HOURS_RE = re.compile(
	r"\b(?:tha|thi|was|were|did|had|earlier|last\s+time|pichhli|pichli)\b|\bopen\b[^?]*\?|\bkhul[aie]\b[^?]*\?",
	re.I,
)


def read_date(text: Text, result: Extraction, context: Context) -> None:
	today, expecting = context.today, context.expecting
	address_reply = "address" in expecting and "appointment_date" not in expecting
	tail = after_last_correction(text.text) if result.correction else 0
	match = find_date(text.text[tail:], today, numeric=not address_reply) if tail else None
	if match:  # "I said Tuesday, make it Thursday": the corrected day
		store_date(result, match.value, today)
		text.take(match.start + tail, match.end + tail, "appointment_date")
		return
	match = find_date(text.text, today, numeric=not address_reply)
	while match and _not_a_booking_date(text.text, match.start, match.end):
		text.take(match.start, match.end, "not-a-booking-date")
		match = find_date(text.text, today, numeric=not address_reply)
	if match is None:
		if "appointment_date" in expecting:
			bare = BARE_NUMBER_RE.match(text.text)
			# "25" answers "which date?"; "10" could be the hour when the time was asked too.
			if (
				bare
				and not re.search(r"baje|bje", text.text, re.I)
				and (
					"time_slot" not in expecting
					or int(bare["n"]) > 24
					or re.search(r"st|nd|rd|th|tarikh", text.text, re.I)
				)
			):
				match = find_date(f"on the {int(bare['n'])}th", today)
				if match:
					store_date(result, match.value, today)
					text.take(0, len(text.text), "appointment_date")
		return
	store_date(result, match.value, today)
	text.take(match.start, match.end, "appointment_date")


def store_date(result: Extraction, value: date | None, today: date, basis: str = MENTION) -> None:
	if value is None:
		flag(
			result, "appointment_date", "There is no such date. Please check the day and month (e.g. 25/12)."
		)
	else:
		put(result, "appointment_date", value, today, report=True, basis=basis)


SLOT_PROBLEM = "We work 6 am to 6 pm, in one-hour slots like 10:00-11:00. Which one suits you?"


def read_time(text: Text, result: Extraction, context: Context) -> None:
	today, expecting = context.today, context.expecting
	bound = time_bound(text.text)
	if bound:
		# "after 4", "4 baje ke baad": a bound, not a time (the free slots after it are offered);
		# another time in the message is still read
		for mention in find_times(text.text):
			if mention.start < bound[2] and mention.end > bound[1]:
				text.take(mention.start, mention.end, "time_slot")
	tail = after_last_correction(text.text) if result.correction else 0
	said = text.text[tail:] if tail and parse_time_slot(text.text[tail:]) else text.text
	slot = parse_time_slot(said)
	if slot:
		if put(result, "time_slot", slot, today):
			note_start_time(result, said)
	elif find_out_of_hours_time(text.text):
		flag(result, "time_slot", SLOT_PROBLEM)
	elif "time_slot" in expecting:
		# "10" answers "what time?"; "not 10, make it 11": the hour after the correction
		bare = BARE_NUMBER_RE.match(text.text) or BARE_NUMBER_RE.match(text.text[tail:])
		if bare and not re.search(r"tarikh|st\b|nd\b|rd\b|th\b", text.text, re.I):
			slot = parse_time_slot(f"{int(bare['n'])} baje")
			if slot:
				put(result, "time_slot", slot, today)
			else:
				flag(result, "time_slot", SLOT_PROBLEM)
			text.take(0, len(text.text), "time_slot")
	for mention in find_times(text.text):
		text.take(mention.start, mention.end, "time_slot")


def note_start_time(result: Extraction, said: str) -> None:
	start = parse_start_time(said)
	if start is not None and start.minute:
		result.start_time = f"{start:%H:%M}"
