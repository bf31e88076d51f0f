"""Values with a shape of their own, read first: email, Indian number plate, phone (the
sender's own WhatsApp number and somebody else's told apart) and pincode. Once taken, their
digits never become a date, a time or a house number."""

from __future__ import annotations

import re

from yawlit_bot.engine.places import (
	CITIES,
)
from yawlit_bot.engine.readers.text import ANSWER, MASK, STATED, Context, Extraction, Text, flag, put
from yawlit_bot.engine.validation import (
	INDIAN_STATE_CODES,
	check_field,
	normalize_phone,
	normalize_pincode,
	normalize_plate,
	sender_phone_number,
)

_EMAIL_RE = re.compile(
	r"(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)

_SEP = r"[\s.\-]{0,2}"

_PLATE_RE = re.compile(
	rf"(?<![\w{MASK}])[A-Za-z]{{2}}{_SEP}\d{{1,2}}{_SEP}(?:[A-Za-z](?:[\s.\-]?[A-Za-z]){{0,2}}{_SEP})?\d{{4}}(?![\w{MASK}])"
	rf"|(?<![\w{MASK}])\d{{2}}{_SEP}[Bb][Hh]{_SEP}\d{{4}}{_SEP}[A-Za-z]{{1,2}}(?![\w{MASK}])"
)

# Something shaped like a plate but wrong ("MH12AB12345", "MH12AB123").
_PLATE_LIKE_RE = re.compile(
	rf"(?<![\w{MASK}])(?P<state>[A-Za-z]{{2}}){_SEP}\d{{1,2}}{_SEP}[A-Za-z]{{1,3}}{_SEP}\d{{1,6}}(?![\w{MASK}])"
)

_PLATE_WORD_RE = re.compile(
	r"\b(?:plate|registration|reg\.?\s*no|rc|(?:car|gaadi|vehicle)\s+(?:no|number))\b", re.I
)

# Indian mobiles: 10 digits from 6-9, grouped any way, after +91 / 91- / 0.
_PHONE_RE = re.compile(
	rf"(?<![\w{MASK}+])(?P<prefix>(?:\+|00)91[\s\-]?|91[\s\-]|0)?(?P<number>[6-9](?:[\s\-.]?\d){{9}})(?![\w{MASK}])"
	rf"|(?<![\w{MASK}+])(?P<bare>91[6-9]\d{{9}})(?![\w{MASK}])"
	rf"|(?<![\w{MASK}])(?P<foreign>\+(?!91)\d{{1,3}}(?:[\s\-]?\d){{6,12}})(?![\w{MASK}])"
)

# "my driver Ramesh 98220 98220", "Mr. Kapoor (98220...) referred me", "driver ka number".
_SOMEBODY_ELSES_NUMBER_RE = re.compile(
	r"(?:\b(?:driver|friend|wife|husband|brother|sister|son|daughter|father|mother|dad|mom|papa|mummy|"
	r"neighbou?r|watchman|guard|security|manager|uncle|aunty)\b[ \t]*(?:\w+[ \t]*){0,2}(?:ka|ki|ke|'s)?"
	r"[ \t]*(?:number|no|phone|mobile)?[ \t]*[:(\-]?"
	r"|\b(?:mr|mrs|ms|dr)\.?[ \t]+\w+[ \t]*\()[ \t]*$",
	re.I,
)

_PHONE_WORD_RE = re.compile(r"\b(?:phone|mobile|mob|contact|cell|whatsapp|call|ph|number)\b", re.I)

_PHONE_ATTEMPT_RE = re.compile(
	r"\b(?:phone|mobile|mob|contact|cell|whatsapp|ph)\b\.?\s*(?:no\.?|number|num|is|hai|:|-|#|=)*\s*"
	rf"(?P<digits>\+?\d[\d\s\-]{{3,16}}\d)(?![\w{MASK}])",
	re.I,
)

# "same", "this number", "isi pe", "whatsapp wala": the number they are writing from.
_SAME_NUMBER_RE = re.compile(
	r"^\s*(?:(?:use\s+)?(?:the\s+)?(?:same|this|isi|yahi|yehi|wahi)(?:\s+(?:number|no|one|wala|pe|par|hai|whatsapp))*"
	r"|(?:same\s+as\s+)?whatsapp(?:\s+(?:number|no|wala))*)\s*(?:hai|please|pls|ji|only)?\s*[.!]*\s*$",
	re.I,
)

_PINCODE_ATTEMPT_RE = re.compile(
	r"\b(?:pin\s*code|pincode|pin|zip\s*code|zip|postal\s*code)\b\s*(?:no\.?|number|is|hai|:|-|#|=)*\s*"
	rf"(?P<digits>\d{{3}}\s?\d{{3}}|\d{{1,9}})(?![\w{MASK}])",
	re.I,
)

_PINCODE_RE = re.compile(rf"(?<![\w{MASK}.,/:+\-])(?P<digits>[1-9]\d{{5}})(?![\w{MASK}/:\-]|[.,]\d)")

_DIGITS_ONLY_RE = re.compile(r"^\+?[\d\s\-]{4,20}$")  # matched on the stripped text

BARE_NUMBER_RE = re.compile(
	r"^\s*(?:on\s+|at\s+)?(?P<n>\d{1,2})(?:st|nd|rd|th)?\s*(?:ko|baje|bje|tarikh)?\s*[.!]*\s*$", re.I
)


def read_email(text: Text, result: Extraction, context: Context) -> None:
	today = context.today
	for match in _EMAIL_RE.finditer(text.text):
		put(result, "email", match.group(), today, basis=STATED)
		text.take(match.start(), match.end(), "email")


def read_plate(text: Text, result: Extraction, context: Context) -> None:
	today, expecting = context.today, context.expecting
	for match in _PLATE_RE.finditer(text.text):
		plate = normalize_plate(match.group())
		if plate:
			put(result, "vehicle_plate", plate, today, basis=STATED)
			text.take(match.start(), match.end(), "vehicle_plate")
	if "vehicle_plate" in result.fields:
		return
	clearly_meant = "vehicle_plate" in expecting or bool(_PLATE_WORD_RE.search(text.text))
	for match in _PLATE_LIKE_RE.finditer(text.text):
		compact = re.sub(r"[\s.\-]", "", match.group())
		if clearly_meant or (match["state"].upper() in INDIAN_STATE_CODES and compact == match.group()):
			flag(result, "vehicle_plate", check_field("vehicle_plate", compact, today).error or "invalid")
			text.take(match.start(), match.end(), "vehicle_plate")
			return


def read_phone(text: Text, result: Extraction, context: Context) -> None:
	today, expecting, sender_phone = context.today, context.expecting, context.sender_phone
	keyword = bool(_PHONE_WORD_RE.search(text.text)) or "phone" in expecting
	for match in _PHONE_RE.finditer(text.text):
		if match["bare"] and not keyword:
			# A bare 91XXXXXXXXXX is usually WhatsApp echoing the sender id, not a number given.
			text.take(match.start(), match.end(), "sender")
			continue
		phone = normalize_phone(match.group(), bare_abroad=False)  # typed: a "+" or 00 for abroad
		line_start = text.text.rfind("\n", 0, match.start()) + 1
		if phone and _SOMEBODY_ELSES_NUMBER_RE.search(
			text.text[max(line_start, match.start() - 30) : match.start()]
		):
			text.take(match.start(), match.end(), "other-phone")  # "my driver Ramesh 98220...": not theirs
			continue
		if phone:
			put(result, "phone", phone, today, basis=STATED)
			text.take(match.start(), match.end(), "phone")
	if "phone" in result.fields:
		return
	attempt = _PHONE_ATTEMPT_RE.search(text.text)
	if attempt:
		flag(result, "phone", check_field("phone", attempt["digits"], today).error or "invalid")
		text.take(attempt.start("digits"), attempt.end("digits"), "phone")
		return
	if "phone" in expecting:
		own = sender_phone_number(sender_phone) if _SAME_NUMBER_RE.search(text.text) else None
		if own:
			put(result, "phone", own, today, basis=ANSWER)
		elif _DIGITS_ONLY_RE.match(text.text.strip()):
			flag(result, "phone", check_field("phone", text.text, today).error or "invalid")
			text.take(0, len(text.text), "phone")


# "Bengaluru 560 102": a pincode written in two groups, after a city or a pincode word.
_SPACED_PINCODE_RE = re.compile(
	rf"(?:(?<={MASK})|\b(?:{'|'.join(re.escape(c) for c in sorted(CITIES, key=len, reverse=True))})\b[\s,\-]*)"
	rf"(?P<digits>[1-9]\d{{2}}\s\d{{3}})(?![\w{MASK}])",
	re.I,
)


def read_pincode(text: Text, result: Extraction, context: Context) -> None:
	today, expecting = context.today, context.expecting
	for match in _PINCODE_ATTEMPT_RE.finditer(text.text):
		digits = re.sub(r"\s", "", match["digits"])
		if normalize_pincode(digits):
			put(result, "pincode", digits, today, basis=STATED)
		else:
			flag(result, "pincode", check_field("pincode", digits, today).error or "invalid")
		text.take(match.start("digits"), match.end("digits"), "pincode")
	for pattern in (_PINCODE_RE, _SPACED_PINCODE_RE):
		for match in pattern.finditer(text.text):
			put(result, "pincode", re.sub(r"\s", "", match["digits"]), today, basis=STATED)
			text.take(match.start("digits"), match.end("digits"), "pincode")
	if "pincode" not in result.fields and "pincode" in expecting and "pincode" not in result.invalid:
		lone = re.fullmatch(r"\s*(\d{3}\s?\d{3}|\d{3,8})\s*[.!]*\s*", text.text)
		if lone:
			digits = re.sub(r"\s", "", lone.group(1))
			if not put(result, "pincode", digits, today, basis=ANSWER):
				flag(result, "pincode", check_field("pincode", digits, today).error or "invalid")
			text.take(0, len(text.text), "pincode")
