"""Validation and normalisation of each booking field.

`check_field` is the single gate: a value reaches a scratchpad only in the normalised form
it returns. Values are kept as strings (dates as ISO `YYYY-MM-DD`) so the engine, the
DocTypes and the tests all see the same thing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import phonenumbers
from rapidfuzz import fuzz, process

from yawlit_bot.engine.places import is_deliverable_address
from yawlit_bot.engine.fields import (
	ALL_FIELDS,
	BOOKING_HORIZON_DAYS,
	NO_ADDONS,
	SERVICE_TYPES,
	TIME_SLOTS,
	UTILITY_FIELDS,
	VEHICLE_TYPES,
)

MAX_TEXT = 300  # longest free-text value we keep (address, notes)

INDIAN_STATE_CODES = frozenset(
	"AN AP AR AS BR CG CH DD DL DN GA GJ HP HR JH JK KA KL LA LD MH ML MN MP MZ NL OD OR PB PY "
	"RJ SK TN TR TS TG UK UA UP WB".split()
)
_PLATE_RE = re.compile(r"^([A-Z]{2})(\d{1,2})([A-Z]{0,3})(\d{4})$")
_BH_PLATE_RE = re.compile(r"^(\d{2})BH(\d{4})([A-Z]{1,2})$")
_PINCODE_RE = re.compile(r"^[1-9]\d{5}$")
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
# Letters of any script; Devanagari's vowel signs are marks, not letters, so the Indic blocks
# are named (their digits are refused below). The branches are disjoint: overlapping ones made
# a long Indic name exponential to reject.
_NAME_LETTER = r"(?:[^\W\d_\u0900-\u0DFF]|[\u0900-\u0963\u0970-\u0DFF])"
_NAME_RE = re.compile(rf"^{_NAME_LETTER}+(?:[ .'-]{_NAME_LETTER}+)*$")
_SLOT_RE = re.compile(r"^(\d{1,2}):?(\d{2})?\s*-\s*(\d{1,2}):?(\d{2})?$")


@dataclass(frozen=True)
class FieldCheck:
	ok: bool
	value: str | None = None
	error: str | None = None


def clean_text(value: object, limit: int = MAX_TEXT) -> str:
	"""Plain, single-spaced text without control characters, at most `limit` characters."""
	text = "" if value is None else str(value)
	text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
	return re.sub(r"\s+", " ", text).strip()[:limit]


def sender_phone_number(sender: str | None) -> str | None:
	"""The booking phone a WhatsApp sender id stands for, or None (the bot then asks for one).

	WhatsApp ids are the country code and number without the "+" (`447911123456`)."""
	digits = re.sub(r"\D", "", str(sender or ""))
	return normalize_phone(digits) if len(digits) > 10 else None


def normalize_phone(raw: str, bare_abroad: bool = True) -> str | None:
	"""Digits with country code (`919812345678`), or None.

	Indian numbers must be mobiles: ten digits starting 6-9. Numbers abroad are accepted when
	`phonenumbers` says they are valid mobiles (customers abroad book for family). Digits with
	a country code but no "+" (`447911123456`: a WhatsApp id, and this function's own output)
	are read as a number abroad unless `bare_abroad` is False, as for what a customer types:
	an Indian number with a digit too many must not pass for somebody's phone abroad.
	"""
	text = re.sub(r"[\s().-]", "", str(raw or ""))
	if not re.fullmatch(r"\+?\d{10,15}", text):
		return None
	if text.startswith("00"):  # the international prefix dialled from India: 0091 ..., 0044 ...
		text = "+" + text[2:]
	elif not text.startswith("+"):
		if len(text) == 12 and text.startswith("91"):
			text = "+" + text
		elif len(text) == 11 and text.startswith("0"):
			text = text[1:]
		elif len(text) > 10 and bare_abroad:
			text = "+" + text
	try:
		number = phonenumbers.parse(text, "IN")
	except phonenumbers.NumberParseException:
		return None
	national = str(number.national_number)
	if number.country_code == 91:
		if not re.fullmatch(r"[6-9]\d{9}", national):
			return None
	elif not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
		phonenumbers.PhoneNumberType.MOBILE,
		phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
	):
		return None
	return f"{number.country_code}{national}"


def normalize_whatsapp_number(raw: str) -> str | None:
	"""A number as WhatsApp and WAPI write it (country code, no "+", e.g. `447911123456`), or as
	people type it (`98123 45678`, `+44 7911 123456`). Indian readings win when both fit."""
	phone = normalize_phone(raw)
	if phone:
		return phone
	digits = re.sub(r"[\s().-]", "", str(raw or ""))
	return normalize_phone("+" + digits) if re.fullmatch(r"\d{11,15}", digits) else None


def normalize_plate(raw: str) -> str | None:
	"""`MH12AB1234` / `22BH1234AB` from any spacing, dashes or dots; None if not a plate.

	The digits stay as registered: "DL 3C AB 1234" is `DL3CAB1234`; a zero put in front of
	the district ("DL03CAB1234") would make it another vehicle's registration."""
	text = re.sub(r"[\s.\-]", "", str(raw or "")).upper()
	match = _PLATE_RE.match(text)
	if match:
		state, district, series, number = match.groups()
		if state not in INDIAN_STATE_CODES:
			return None
		return f"{state}{district}{series}{number}"
	match = _BH_PLATE_RE.match(text)
	if match:
		return text
	return None


def normalize_pincode(raw: str) -> str | None:
	text = re.sub(r"\s", "", str(raw or ""))
	return text if _PINCODE_RE.match(text) else None


def normalize_email(raw: str) -> str | None:
	text = str(raw or "").strip()
	if len(text) > 254 or not _EMAIL_RE.match(text):
		return None
	return text.lower()


def normalize_name(raw: str) -> str | None:
	text = clean_text(raw, 60)
	if not text or len(text) > 40 or not _NAME_RE.match(text) or any(ch.isdecimal() for ch in text):
		return None
	return " ".join(part[:1].upper() + part[1:] for part in text.split(" "))


def normalize_time_slot(raw: str) -> str | None:
	"""`10:00-11:00` for any spelling of one of the working slots, else None."""
	text = str(raw or "").strip()
	match = _SLOT_RE.match(text)
	if not match:
		return None
	start_h, start_m, end_h, end_m = match.groups()
	if (start_m or "00") != "00" or (end_m or "00") != "00":
		return None
	slot = f"{int(start_h):02d}:00-{int(end_h):02d}:00"
	return slot if slot in TIME_SLOTS else None


def slot_for_hour(hour: int) -> str | None:
	slot = f"{hour:02d}:00-{hour + 1:02d}:00"
	return slot if slot in TIME_SLOTS else None


def check_appointment_date(value: date | str, today: date) -> FieldCheck:
	try:
		day = value if isinstance(value, date) else date.fromisoformat(str(value))
	except ValueError:
		return FieldCheck(False, error="I couldn't read that date. Try 'tomorrow', 'next Monday' or '25/12'.")
	if day < today:
		return FieldCheck(False, error="That date has already passed. Please pick today or a later day.")
	if day > today + timedelta(days=BOOKING_HORIZON_DAYS):
		return FieldCheck(
			False,
			error=f"We take bookings up to {BOOKING_HORIZON_DAYS} days ahead. Please pick an earlier date.",
		)
	return FieldCheck(True, day.isoformat())


def match_choice(raw: str, choices: tuple[str, ...], cutoff: int = 80) -> str | None:
	"""The choice a customer meant, tolerant of case and small typos ("sedaan", "premum wash")."""
	text = clean_text(raw, 60).lower()
	if not text:
		return None
	for choice in choices:
		if text == choice.lower():
			return choice
	best = process.extractOne(text, [c.lower() for c in choices], scorer=fuzz.ratio, score_cutoff=cutoff)
	return choices[best[2]] if best else None


_ERRORS = {
	"phone": "That doesn't look like a valid mobile number. Please send 10 digits starting with 6, 7, 8 or 9.",
	"vehicle_plate": "That number plate doesn't look right. Please send it like MH12AB1234 (or 22BH1234AB).",
	"pincode": "A pincode has 6 digits, like 411001. Please check it.",
	"email": "That email address doesn't look right. Please check it.",
	"first_name": "Please send your name in letters only.",
	"last_name": "Please send your last name in letters only.",
	"time_slot": "We have one-hour slots from 6 am to 6 pm, like 10:00-11:00. Which one suits you?",
	"vehicle_type": "Vehicle type should be one of: " + ", ".join(VEHICLE_TYPES) + ".",
	"service_type": "Please choose a service: " + ", ".join(SERVICE_TYPES) + ".",
	"address": "Please send the full address: flat or house number, building and street.",
	"addons": "Please choose add-ons from the list, or say no add-ons.",
	"water_provided": "Please answer yes or no: can we use water at the address?",
	"electricity_provided": "Please answer yes or no: can we use electricity at the address?",
}


_YES = frozenset("yes y yeah yep haan han haa ha ji hai true 1 available".split())
_NO = frozenset("no n nope nahi nahin nhi na false 0 unavailable".split())


def normalize_yes_no(raw: str) -> str | None:
	word = clean_text(raw, 20).lower().strip(" .!")
	if word in _YES:
		return "Yes"
	if word in _NO:
		return "No"
	return None


def normalize_addons(raw: str, choices: Sequence[str]) -> str | None:
	"""Add-on names from `choices`, comma-separated, each once; or "None" (no add-ons). A name
	holding "and" or "&" ("Wash & Wax") is matched whole before a part is split at them."""
	if raw.strip().lower() in ("none", "no", "no add-ons", "no addons", "nothing"):
		return NO_ADDONS
	chosen: list[str] = []
	for part in (p.strip() for p in raw.split(",") if p.strip()):
		whole = match_choice(part, tuple(choices))
		pieces = [whole] if whole else [
			match_choice(piece, tuple(choices))
			for piece in re.split(r"\s*(?:\+|&|\band\b|\baur\b)\s*", part)
			if piece.strip()
		]
		if not pieces or None in pieces:
			return None
		chosen += [name for name in pieces if name not in chosen]
	return ", ".join(chosen) or None


def check_field(
	field: str, value: object, today: date, choices: Mapping[str, Sequence[str]] | None = None
) -> FieldCheck:
	"""Is `value` a valid value for `field`? Returns its normalised form or a reason.

	`choices`: what the business offers now (`offer.field_choices`): the services a value of
	`service_type` must be one of, the add-ons of `addons`. Without it a service is one of the
	kinds the rules know (`SERVICE_TYPES`) and add-ons are free text."""
	if field not in ALL_FIELDS:
		return FieldCheck(False, error=f"Unknown field {field!r}")
	if value is None or (isinstance(value, str) and not value.strip()):
		return FieldCheck(False, error="empty")
	if field == "appointment_date":
		return check_appointment_date(value if isinstance(value, date) else str(value), today)

	text = clean_text(value)
	normalizers = {
		"phone": normalize_phone,
		"vehicle_plate": normalize_plate,
		"pincode": normalize_pincode,
		"email": normalize_email,
		"first_name": normalize_name,
		"last_name": normalize_name,
		# the business's own slots (any length) when known, else the one-hour slots of 6 am-6 pm
		"time_slot": lambda v: v if v in ((choices or {}).get("time_slot") or ()) else normalize_time_slot(v),
		"vehicle_type": lambda v: match_choice(v, VEHICLE_TYPES),
		"service_type": lambda v: match_choice(v, tuple((choices or {}).get("service_type") or SERVICE_TYPES)),
		**dict.fromkeys(UTILITY_FIELDS, normalize_yes_no),
		"address": lambda v: v if 8 <= len(v) <= MAX_TEXT and is_deliverable_address(v) else None,
	}
	if field == "addons" and choices and choices.get("addons") is not None:
		normalizers["addons"] = lambda v: normalize_addons(v, choices["addons"])
	normalizer = normalizers.get(field)
	if normalizer is None:  # brand, model, city, addons, notes: free text, kept clean
		limit = 60 if field in ("vehicle_brand", "vehicle_model", "city") else MAX_TEXT
		text = clean_text(value, limit)
		return FieldCheck(True, text) if text else FieldCheck(False, error="empty")
	normalized = normalizer(text)
	if normalized is None:
		offered = (choices or {}).get(field) if field in ("service_type", "addons") else None
		if offered:
			return FieldCheck(False, error=f"We don't have {text!s}. Please choose from: {', '.join(offered)}.")
		return FieldCheck(False, error=_ERRORS.get(field, "That value doesn't look right."))
	return FieldCheck(True, normalized)
