"""Where the car is: the address (introduced, "... mein rehta hoon", or a loose one with a house
number and place words), the city, and notes ("note: gate 2")."""

from __future__ import annotations

import re
from datetime import date

from yawlit_bot.engine.places import (
	CITIES,
	CITY_RE,
	HOUSE_NUMBER_RE,
	looks_like_address,
	looks_like_place,
	place_words,
)
from yawlit_bot.engine.readers.names import NOT_NAMES
from yawlit_bot.engine.readers.text import (
	ANSWER,
	CONTENT_RE,
	LABEL,
	MASK,
	MENTION,
	NAME_FIELDS,
	STATED,
	VEHICLE_FIELDS,
	Context,
	Extraction,
	Text,
	put,
	strip_tail,
	tail_start,
)
from yawlit_bot.engine.validation import (
	clean_text,
)

_ADDRESS_INTRO_RE = re.compile(
	r"\b(?:(?:my|mera|meri|our|hamara|humara)\s+(?:full\s+|complete\s+)?(?:address|addr|pata)\b\s*(?:is|hai|:|-|=|–)*"
	r"|(?:address|addr)\s*(?:is|hai|:|-|=|–)+|pata\s*[:\-]+"
	# "address 12, 3rd Main", "Add. 3/45, ...": the word and a house number right after it
	r"|(?:address|adress|addr|add\.|pata)\s+(?=[A-Za-z]{0,2}[-/]?\s?\d)"
	r"|i\s+(?:live|stay|reside)\s+(?:at|in)|we\s+(?:live|stay)\s+(?:at|in)|(?:staying|located|living)\s+at"
	r"|location\s*(?::|-|is)+)\s*(?P<rest>.+)",
	re.I | re.S,
)

# "Kothrud mein rehta hoon": the address comes before the verb.
_REHTA_RE = re.compile(
	r"(?<!\s)\s+(?:(?:me|mein|mai|main|pe|par)\s+)?(?:rehta|rehti|rahta|rahti|reheta|rehte|rahte|rehata)\s+(?:hoon|hu|hun|hain|hai|h)\b",
	re.I,
)

# Where an address clause stops: a new line, or a word that starts another detail.
_ADDRESS_STOP_RE = re.compile(
	rf"[\n;|{MASK}]|\b(?:my\s+name|mera\s+naam|name\s*[:-]|phone|mobile|email|e-mail|car\s+is|my\s+car|"
	r"date\s*[:-]|time\s*[:-]|slot\s*[:-]|note\s*[:-]|notes\s*[:-])",
	re.I,
)

_ADDRESS_TRAILING_CHARS = " \t\n,.:;-"

_ADDRESS_TRAILING_WORD_RE = re.compile(r"\b(?:pin\s*code|pincode|pin|zip|and|aur|hai|h|is|me|mein)$", re.I)

_ADDRESS_LEADING_RE = re.compile(
	r"^(?:[\s,.:;!\-–]|\b(?:main|mai|hum|i|ji|haan|ok|okay|sure|yes|address|addr|hi+|hello|hey|namaste|sir|madam)\b"
	# "already sent it - Flat 4B", "as I said, ...", "bataya tha: ..."
	r"|\b(?:i\s+)?(?:already\s+)?(?:sent|told|gave|shared|wrote|mentioned)(?:\s+(?:you|u))?(?:\s+(?:it|this|that|already|above|before|earlier))*\b"
	r"|\bas\s+(?:i\s+)?(?:said|told|mentioned)(?:\s+(?:before|earlier|above))?\b"
	r"|\b(?:bataya|bheja|bhej\s+diya|de\s+diya|diya)(?:\s+(?:tha|hai|h|already))*\b|\balready\b|\bits\b|\bit'?s\b"
	# "address badal do: ...", "change address to ...", "new address: ..."
	r"|\b(?:badal|badlo|badalna|badalni|change|update|edit|correct)(?:\s+(?:do|karo|kar|ke|it|to|hai|karna|please|pls))*\b"
	r"|\b(?:new|naya|nayi|correct|sahi)\b|\b(?:to|is|hai)\b"
	r"|\b(?:thanks|thank\s+you|thank\s+u|thanku|thnx|ty|ok|okay|pls|please)\b)+",
	re.I,
)

_NOTES_RE = re.compile(
	r"\b(?:notes?|nb|instructions?|special\s+instructions?)\s*[:\-]\s*(?P<rest>[^\n]+)", re.I
)

ADDRESS_PARTS = frozenset({"pincode", "city"})


def read_city(text: Text, result: Extraction, context: Context) -> None:
	today = context.today
	matches = list(CITY_RE.finditer(text.as_written()))
	match = matches[-1] if matches else None
	if match:
		key = re.sub(r"[\s-]+", " ", match.group(1).lower())
		put(result, "city", CITIES[key], today)


def tidy_address(raw: str, stop_at_labels: bool = True) -> str:
	if stop_at_labels:
		stop = _ADDRESS_STOP_RE.search(raw)
		raw = raw[: stop.start()] if stop else raw
	raw = _after_the_pincode_cut(raw.split("\n")[0])
	address = re.sub(rf"\s*{MASK}+\s*", ", ", raw)
	address = re.sub(r"\s*(?:,\s*)+", ", ", address)
	address = strip_tail(address, _ADDRESS_TRAILING_CHARS, _ADDRESS_TRAILING_WORD_RE)
	address = _ADDRESS_LEADING_RE.sub("", address)
	return clean_text(address).strip(" ,")


_AFTER_PINCODE_RE = re.compile(r"(?<!\d)[1-9]\d{2}\s?\d{3}(?!\d)")


def _after_the_pincode_cut(text: str) -> str:
	"""An address ends with its pincode: what follows it, if it names no place ("- ankit
	chopra", ". thank you", " sir", ". guard ka number ..."), is not part of it."""
	pins = list(_AFTER_PINCODE_RE.finditer(text))
	if not pins:
		return _strip_polite_end(text)
	end = pins[-1].end()
	rest = text[end:]
	if rest.strip() and not place_words(rest):
		return text[:end]
	return _strip_polite_end(text)


_POLITE_SEPARATORS = " \t,.!-–"

_POLITE_END_WORD_RE = re.compile(
	r"(?<=[\s,.!\-–])(?:sir|madam|mam|ji|pls|plz|please|thanks|thank\s+you|thanku|ty)$", re.I
)


def _strip_polite_end(text: str) -> str:
	""" ", sir", ". thank you ji": polite words closing an address, with what separates them."""
	cut = tail_start(text, _POLITE_SEPARATORS, _POLITE_END_WORD_RE)
	return text if cut == len(text) else text[:cut].rstrip(_POLITE_SEPARATORS)


def put_address(result: Extraction, address: str, today: date, basis: str = MENTION) -> bool:
	if "?" in address or len(re.findall(r"[^\W\d_]", address)) < 3:
		return False  # a question, or digits and symbols alone, are no address
	return put(result, "address", address, today, basis=basis)


def read_address(text: Text, result: Extraction, context: Context) -> None:
	today, expecting, only_intent = context.today, context.expecting, context.only_intent
	match = _ADDRESS_INTRO_RE.search(text.text)
	if match:
		address = tidy_address(text.written(match.start("rest"), len(text.text), keep=ADDRESS_PARTS))
		if put_address(result, address, today, STATED):
			text.take(
				match.start("rest"), match.start("rest") + _span_of(text, match.start("rest")), "address"
			)
			return
	match = _REHTA_RE.search(text.text)
	if match:
		start = max(0, match.start() - 200)
		before = re.split(r"[.;\n|]", text.written(start, match.start(), keep=ADDRESS_PARTS))[-1]
		if put_address(result, tidy_address(before), today, STATED):
			return
	if "address" not in expecting or only_intent or "?" in text.text:
		read_loose_address(text, result, context)
		return
	# The bot asked for the address: the reply is the address, minus what was taken out for
	# other fields (a pincode or a city is part of the address and stays in it).
	address = tidy_address(text.written(0, len(text.text), keep=ADDRESS_PARTS).replace("\n", ", "), False)
	own_words = [
		w for w in CONTENT_RE.findall(text.plain().lower()) if w not in NOT_NAMES and not w.isdigit()
	]
	if not own_words:
		return  # "Pin 411 057", "not 560034, it's 560035": a pincode, no address
	words = address.split()
	if len(words) <= 3 and any(
		n in result.fields for n in ("appointment_date", "time_slot", *VEHICLE_FIELDS, *NAME_FIELDS)
	):
		return  # "kal subah" or "Swift" is not an address
	if words and all(w.lower().strip(",.") in NOT_NAMES for w in words):
		return
	house = HOUSE_NUMBER_RE.search(address)
	if house and house.start() and "," not in address[: house.start()]:
		address = address[_place_words_before(address, 0, house.start()) :]  # "my car is at Flat 12, ..."
	if put_address(result, address, today, ANSWER):
		text.take(0, len(text.text), "address")


def _span_of(text: Text, start: int) -> int:
	"""How far an address clause starting at `start` runs (to a stop word or the line's end)."""
	stop = _ADDRESS_STOP_RE.search(text.original, start)
	end = stop.start() if stop else len(text.original)
	return end - start


def read_loose_address(text: Text, result: Extraction, context: Context) -> None:
	"""An address given before the bot asked for it: from a house number ("Flat 4B", "B-204",
	"Sector 50") through the clauses that name places. Kept only with clear signs of an
	address (see `places.looks_like_address`); a place alone ("Baner, Pune") is no address to
	wash a car at, and the bot still asks for it."""
	today = context.today
	clauses = [(m.start(), m.end()) for m in re.finditer(r"[^,\n]+", text.text)]
	run: list[tuple[int, int]] = []
	gap: list[tuple[int, int]] = []  # building names between the number and the street
	for start, end in clauses + [(len(text.text), len(text.text))]:
		written = text.written(start, end, keep=ADDRESS_PARTS)
		house = HOUSE_NUMBER_RE.search(text.text, start, end) if end > start else None
		if (
			end > start
			and (house or run and looks_like_place(written))
			and not _CLAUSE_NOT_ADDRESS_RE.search(written)
		):
			if not run and house:
				start = _place_words_before(text.text, start, house.start())  # "need a wash at Flat 4B"
			run.extend(gap)
			gap = []
			run.append((start, end))
			continue
		if run and end > start and len(gap) < 2 and "\n" not in text.text[run[-1][1] : start]:
			gap.append((start, end))  # "B-204, Rohan Leher, Baner Road": kept if a place follows
			continue
		if run:
			first, last = run[0][0], run[-1][1]
			address = tidy_address(text.written(first, last, keep=ADDRESS_PARTS))
			if looks_like_address(address) and put_address(result, address, today, MENTION):
				text.take(first, last, "address")
				return
			run = []


def _place_words_before(text: str, clause_start: int, house_start: int) -> int:
	"""Where an address starts in its clause: at the house number, or earlier over the place
	words just before it ("HSR Layout Sector 2", "Gurgaon sector 45"), not over "a wash at"."""
	start = house_start
	for word in reversed(list(re.finditer(r"\S+", text[clause_start:house_start]))):
		if not place_words(word.group()):
			break
		start = clause_start + word.start()
	return start


# A clause with these is about something else, even if it names a place ("call me at the office").
_CLAUSE_NOT_ADDRESS_RE = re.compile(r"\b(?:call|open|price|rate|cost|kitna|kitne|when|kab)\b|\?", re.I)


def read_notes(text: Text, result: Extraction, context: Context) -> None:
	today = context.today
	match = _NOTES_RE.search(text.text)
	if match:
		put(result, "notes", match["rest"].replace(MASK, "").strip(), today, basis=LABEL)
		text.take(match.start(), match.end(), "notes")
