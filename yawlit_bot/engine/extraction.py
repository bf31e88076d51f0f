"""Booking details from one customer message, by rules (no model, no I/O).

`extract` runs the readers of `engine/readers/` over the message in the order `PASSES` states:
the unambiguous things first (email, number plate, phone, pincode), taken out of the text so
their digits cannot turn into dates, times or house numbers; then labels, dates, time slots,
names, notes, an address, the car, the service and the city. Every value it returns has passed
`validation.check_field`; a value that was clearly meant for a field but is wrong ("pincode
4110", "raat 10 baje") is reported in `invalid`. Then each value's basis is settled from what
the message as a whole is about (`merge.may_replace` decides with it what may replace what).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from yawlit_bot.engine.dates import (
	find_date,
	parse_time_slot,
)
from yawlit_bot.engine.indic import read_indic_mapped
from yawlit_bot.engine.intents import _ALIAS_WORDS, Intent, edit_target, read_intent
from yawlit_bot.engine.readers.corrections import refuse_negated
from yawlit_bot.engine.readers.dates_and_times import read_date, read_time
from yawlit_bot.engine.readers.labels import read_labelled
from yawlit_bot.engine.readers.names import NOT_NAMES, read_name_pattern, read_name_reply
from yawlit_bot.engine.readers.numbers import read_email, read_phone, read_pincode, read_plate
from yawlit_bot.engine.readers.places import read_address, read_city, read_loose_address, read_notes
from yawlit_bot.engine.readers.text import (
	ANSWER,
	CONTENT_RE,
	CORRECTION,
	LABEL,
	MENTION,
	NAME_FIELDS,
	STATED,
	VEHICLE_FIELDS,
	Context,
	Extraction,
	Text,
	sanitise,
)
from yawlit_bot.engine.readers.vehicle_and_service import read_service, read_vehicle


def _names_value(name: str, refused: str, value: str, today: date) -> bool:
	"""Does the refused text name this stored date or time ("kal" for tomorrow, "10" for 10:00)?"""
	if name == "time_slot":
		return value in (parse_time_slot(refused), parse_time_slot(f"{refused} baje"))
	if name == "appointment_date":
		match = find_date(refused, today)
		return bool(match and match.value and match.value.isoformat() == value)
	return False


def _fields_corrected(
	text: Text, result: Extraction, known: Mapping[str, str | None], today: date
) -> tuple[str, ...]:
	"""Fields the message corrects without a label: one whose stored value the customer refused
	("Rahul nahi, Rohit"), or the field of an edit ("change my name to Rohit")."""
	refused = {
		re.sub(r"\W+", " ", text.original[start:end]).strip().lower()
		for start, end, kind in text.spans
		if kind == "refused"
	}
	fields: list[str] = []
	for name, value in known.items():
		words = re.sub(r"\W+", " ", str(value or "")).strip().lower()
		if words and any(
			words == r or (len(words) > 2 and words in r.split()) or _names_value(name, r, str(value), today)
			for r in refused
		):
			fields.append(name)
	if result.intent is Intent.EDIT and result.edit_field:
		fields.append(result.edit_field)
	if "first_name" in fields or "last_name" in fields:
		fields += ["first_name", "last_name"] if "last_name" not in fields else ["last_name"]
	return tuple(dict.fromkeys(fields))


# Fields read together: a message that gives one group and nothing else is about that group.
_GROUPS: tuple[frozenset[str], ...] = (
	frozenset(NAME_FIELDS),
	frozenset(VEHICLE_FIELDS),
	frozenset({"appointment_date", "time_slot"}),
	frozenset({"address", "pincode", "city"}),
)

# Words around a value that ask for it, not about something else ("please come on Friday").
_POLITE = (
	frozenset(
		"come coming aana aao aa jana jao jaiye aaiye go with works work better instead can could would "
		"make it then prefer preferred lets let's rather kar karo kardo karna rakh rakho rakhna rakhiye "
		"book booking slot lelo le lo lena chalega chalegi theek fine perfect best good "
		"wait hold on minute sec ek one oops hmm arre arey actually sorry".split()
	)
	| _ALIAS_WORDS
)


def _settle_bases(result: Extraction, work: Text, expecting: Sequence[str]) -> None:
	"""Upgrade each value's basis by what the message as a whole says about its field."""
	leftover = [
		w for w in CONTENT_RE.findall(work.plain().lower()) if w not in NOT_NAMES and w not in _POLITE
	]
	found = set(result.fields)
	sole = bool(found) and not leftover and any(found <= group for group in _GROUPS)
	for name, basis in list(result.basis.items()):
		if basis == LABEL:
			continue
		if result.correction:
			result.basis[name] = CORRECTION
		elif name in expecting:
			result.basis[name] = ANSWER
		elif basis == MENTION and (sole or len(found) == 1 and not leftover):
			result.basis[name] = STATED


def _read_name_when_asked(text: Text, result: Extraction, context: Context) -> None:
	"""A bare reply to "what is your name?" ("Ravi Kumar"), when no pattern found a name."""
	if context.only_intent or not any(f in context.expecting for f in NAME_FIELDS):
		return
	if any(f in result.fields for f in NAME_FIELDS):
		return
	if "address" not in context.expecting:
		# "B-204, Rohan Leher, Baner Road" sent for the name: the address first, so that its
		# building never becomes the name
		read_loose_address(text, result, context)
	read_name_reply(text, result, context)


Reader = Callable[[Text, Extraction, Context], None]

# The passes, in order. Each reader takes what it reads out of the text (`Text.take`), so a
# later pass never sees it: the order decides which field a piece of text can land in.
PASSES: tuple[Reader, ...] = (
	# Values with a shape of their own first: they cannot be misread as another field, and once
	# taken their digits never become a date, a time or a house number.
	read_email,
	read_plate,
	read_phone,
	read_pincode,
	# A label the customer wrote decides the field ("Address: ...", "Name - ...").
	read_labelled,
	read_date,
	read_time,
	# "mera naam ...", "I am ...", then a bare reply when the name was asked for.
	read_name_pattern,
	_read_name_when_asked,
	read_notes,  # "note: ..." before the address, which would take the rest of the line
	read_address,
	read_vehicle,
	read_service,
	read_city,
)


def extract(
	text: str | None,
	today: date,
	expecting: Sequence[str] = (),
	sender_phone: str | None = None,
	known: Mapping[str, str | None] | None = None,
) -> Extraction:
	"""Candidate booking values in one message.

	`expecting` names the fields the bot just asked for; it lets a bare reply count ("Ravi
	Kumar" for the name, free text for the address, "10" for the time). A label the
	customer wrote decides the field; what the customer refused ("kal nahi") is not read.
	`known` holds the values given so far: refusing one ("Rahul nahi, Rohit") or asking to
	change a field ("change my name to Rohit") makes the rest of the message its answer.
	"""
	result = Extraction()
	work = read_text(text)
	if work is None:
		return result
	reading = read_intent(work.text)
	result.intent = reading.intent
	if reading.intent is Intent.EDIT:
		result.edit_field = edit_target(work.text)
	result.correction = refuse_negated(work)
	expecting = tuple(expecting or ()) + _fields_corrected(work, result, known or {}, today)
	context = Context(
		today, expecting, sender_phone, only_intent=reading.intent is not None and not reading.content_words
	)
	for read in PASSES:
		read(work, result, context)
	_settle_bases(result, work, expecting)
	return result


def read_text(text: str | None) -> Text | None:
	"""The message as the readers see it: markup removed, Indic digits and words read into
	Latin (positions kept, so a value is stored as written). None when nothing is left."""
	cleaned = sanitise(text)
	if not cleaned:
		return None
	mapped, positions = read_indic_mapped(cleaned)
	return Text(mapped, cleaned, positions)
