"""Labelled parts ("Name: Ravi", "Address - B-204 ...", "Pin: 411045"): each is read for its
own field only, and a label decides the field even against a pattern that would say otherwise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from yawlit_bot.engine.dates import (
	find_date,
	find_out_of_hours_time,
	parse_time_slot,
)
from yawlit_bot.engine.places import (
	CITIES,
	CITY_RE,
)
from yawlit_bot.engine.readers.dates_and_times import SLOT_PROBLEM, note_start_time, store_date
from yawlit_bot.engine.readers.names import SOMEBODY_ELSES_RE, name_from_words, store_name
from yawlit_bot.engine.readers.places import ADDRESS_PARTS, put_address, tidy_address
from yawlit_bot.engine.readers.text import (
	EDIT_WORDS,
	LABEL,
	MASK,
	MENTION,
	STATED,
	SYMBOLS_RE,
	VEHICLE_FIELDS,
	Context,
	Extraction,
	Text,
	flag,
	put,
)
from yawlit_bot.engine.readers.vehicle_and_service import read_service, unknown_model_after_brand
from yawlit_bot.engine.validation import (
	check_field,
	clean_text,
)
from yawlit_bot.engine.vocab import (
	find_vehicle,
	tokenize,
)

# A label the customer writes decides the field of what follows it ("Address: ...").
_LABEL_WORDS: tuple[tuple[str, str], ...] = (
	(
		r"(?:full\s+|complete\s+|home\s+|delivery\s+|ghar\s+ka\s+)?(?:address|adress|addres|adres|addr|add\.|pata)",
		"address",
	),
	(r"first\s+name", "first_name"),
	(r"(?:last\s+name|surname)", "last_name"),
	(r"(?:full\s+|customer\s+|your\s+)?(?:name|naam|nam)", "name"),
	(
		r"(?:number\s+plate|plate(?:\s*(?:no\.?|number))?|reg(?:istration)?\.?(?:\s*(?:no\.?|number))?"
		r"|(?:vehicle|car|gaadi|gadi)\s+(?:no\.?|number|num)|rc(?:\s*no\.?)?)",
		"vehicle_plate",
	),
	(r"(?:mobile|phone|contact|whatsapp|mob|cell|ph)(?:\s*(?:no\.?|number|num))?", "phone"),
	(r"(?:pin\s*code|pincode|pin|zip(?:\s*code)?|postal\s+code)", "pincode"),
	(r"(?:car(?:\s+model)?|vehicle(?:\s+type)?|car\s+type|gaadi|gadi|model|brand|make|company)", "vehicle"),
	(r"(?:date|tarikh|day)", "appointment_date"),
	(r"(?:time(?:\s*slot)?|slot|timing|samay)", "time_slot"),
	(r"(?:service|package|wash\s+type)", "service_type"),
	(r"(?:e-?mail(?:\s+id)?|mail\s+id)", "email"),
	(r"(?:city|shehar)", "city"),
)

_LABEL_GROUPS = [group for _, group in _LABEL_WORDS]

_LABEL_RE = re.compile(
	# (?<!\n): a run of new lines is entered once, not at each of its lines (quadratic)
	r"(?P<lead>^|(?<!\n)[\n,;|.!]\s*|\s)(?:(?:my|mera|meri|our|hamara|humara|your)\s+)?"
	r"(?:" + "|".join(f"(?P<l{i}>{words})" for i, (words, _) in enumerate(_LABEL_WORDS)) + r")"
	r"(?:\s+(?:likh\s+lo|likh\s+lijiye|likho|note\s+karo|note\s+kar\s+lo|note\s+kijiye|please|pls|hai|badal\s+do|badlo))?"
	r"\s*(?P<sep>[:=]+|[-–—]+|\bis\b|\bhai\b|(?<=pata)\s(?=\s*[A-Za-z]?[-/]?\d)"
	r"|(?<=surname)\s|(?<=last name)\s|(?<=name)\s+(?=(?-i:[A-Z]))|(?<=naam)\s+(?=(?-i:[A-Z])))\s*",
	re.I,
)

_SOFT_SEPARATORS = ("-", "–", "—", "is", "hai", "")


@dataclass
class _Segment:
	group: str  # a field, "name" or "vehicle"
	label_start: int  # where the label starts
	start: int  # where the value starts (after the label)
	end: int


def _labelled_segments(text: str) -> list[_Segment]:
	"""Each label and the text it governs: up to the next label or the end of the line."""
	found: list[tuple[int, int, str]] = []  # (label start, value start, group)
	for match in _LABEL_RE.finditer(text):
		group = next(_LABEL_GROUPS[i] for i in range(len(_LABEL_WORDS)) if match[f"l{i}"])
		sep = match["sep"].strip().lower()
		owner = re.match(r"\s*(?:my|mera|meri|our|hamara|humara|your)\b", text[match.end("lead") :], re.I)
		# Only ":" and "=" make a label anywhere; "-", "is" or a space only where a detail
		# starts (the message's start, after punctuation, or "my ..."): "car-wash" is no label.
		detail_starts = bool(match["lead"].strip()) or match.start() == 0 or bool(owner)
		if not sep.startswith((":", "=")) and not detail_starts:
			continue
		if sep in ("is", "hai") and group in ("appointment_date", "time_slot", "service_type") and not owner:
			continue
		found.append((match.start("lead") + len(match["lead"]), match.end(), group))
	segments = []
	for i, (label_start, value_start, group) in enumerate(found):
		end = found[i + 1][0] if i + 1 < len(found) else len(text)
		newline = text.find("\n", value_start, end)
		end = newline if newline >= 0 else end
		if group not in ("address", "name", "first_name", "last_name"):
			# an address runs over its commas; other details end at one (a name where it ends)
			stop = re.compile(r"[,;]|\.\s").search(text, value_start, end)
			end = stop.start() if stop else end
		if end > value_start:
			segments.append(_Segment(group, label_start, value_start, end))
	return segments


def read_labelled(text: Text, result: Extraction, context: Context) -> None:
	"""Read each labelled part for its own field only, and take it out of the text."""
	today = context.today
	for segment in _labelled_segments(text.text):
		start, end, group = segment.start, segment.end, segment.group
		value = text.text[start:end]
		if group == "address":
			address = tidy_address(text.written(start, end, keep=ADDRESS_PARTS), stop_at_labels=False)
			if put_address(result, address, today, LABEL):
				for part in ("pincode", "city"):
					if part in result.fields and result.basis.get(part) in (STATED, MENTION):
						result.basis[part] = LABEL
				city = CITY_RE.search(address)
				if city:
					put(
						result,
						"city",
						CITIES[re.sub(r"[\s-]+", " ", city.group(1).lower())],
						today,
						basis=LABEL,
					)
			elif address:
				flag(result, "address", check_field("address", "x", today).error or "invalid")
		elif group in ("name", "first_name", "last_name"):
			if SOMEBODY_ELSES_RE.search(text.text[max(0, segment.label_start - 25) : segment.label_start]):
				continue  # "driver ka naam Suresh hai": not the customer's
			found, words, offset = None, [], 0
			for clause in re.finditer(r"[^,;]+", value):
				tokens = [
					m
					for m in re.finditer(r"\S+", SYMBOLS_RE.sub(" ", clause.group()))
					if MASK not in m.group() and m.group().lower() not in EDIT_WORDS
				]
				words = [m.group() for m in tokens]
				found = name_from_words(words)
				if found:
					offset = clause.start() + tokens[found[1] - 1].end()
					break
			if found:
				end = start + offset  # the name, not what follows it ("... hai aur meri gaadi Swift")
				names = found[0]
				if group == "name":
					store_name(result, names, today, basis=LABEL)
				else:
					put(result, group, " ".join(names), today, basis=LABEL, report=True)
			elif words:
				flag(
					result,
					"first_name" if group == "name" else group,
					"Please send your name in letters only.",
				)
		elif group == "vehicle":
			found = find_vehicle(value, vehicle_context=True)
			if not found:
				continue  # "Car is at Flat 12, ...": no car named, the text is for other readers
			for name in VEHICLE_FIELDS:
				if name in found:
					put(result, name, found[name], today, basis=LABEL)
			if "vehicle_brand" in found and "vehicle_model" not in found:
				model = unknown_model_after_brand(tokenize(value))
				if model:
					put(result, "vehicle_model", model, today, basis=LABEL)
		elif group == "appointment_date":
			match = find_date(value, today)
			slot = parse_time_slot(value)  # "Date: 1st Dec 10am"
			if slot and put(result, "time_slot", slot, today, basis=LABEL):
				note_start_time(result, value)
			if match:
				store_date(result, match.value, today, basis=LABEL)
			elif value.strip(f" {MASK}"):
				flag(
					result,
					"appointment_date",
					"I couldn't read that date. Try 'tomorrow', 'next Monday' or '25/12'.",
				)
		elif group == "time_slot":
			said = re.sub(r"^\s*(\d{1,2})\s*$", r"\1 baje", value)  # "Time: 10"
			slot = parse_time_slot(said)
			day = find_date(value, today)  # "Slot: kal 10 baje"
			if day:
				store_date(result, day.value, today, basis=LABEL)
			if slot:
				if put(result, "time_slot", slot, today, basis=LABEL):
					note_start_time(result, said)
			elif find_out_of_hours_time(value) or value.strip(f" {MASK}"):
				flag(result, "time_slot", SLOT_PROBLEM)
		elif group == "service_type":
			read_service(Text(value), result, Context(today, ("service_type",)), basis=LABEL)
		elif group == "city":
			city = CITY_RE.search(value)
			name = CITIES[re.sub(r"[\s-]+", " ", city.group(1).lower())] if city else clean_text(value, 40)
			put(result, "city", name, today, basis=LABEL)
		elif group in result.fields:  # phone, plate, pincode, email: read already, by their shape
			result.basis[group] = LABEL
		elif value.strip(f" {MASK}"):
			flag(result, group, check_field(group, value, today).error or "invalid")
		text.take(segment.label_start, end, "label:" + group)
