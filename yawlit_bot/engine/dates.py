"""Dates and time slots from Indian English and Hinglish ("kal subah", "parso 4 baje", "1st Dec").

Plain functions of the text and `today`: the caller turns "now" into an Asia/Kolkata date.
Range checks (past dates, the booking horizon) belong to validation, not here.

A little over 600 lines on purpose: every way of saying a day and a time (English, Hinglish,
Devanagari numbers, fractions like "saade das", parts of the day) shares one vocabulary of
number and day words, and the patterns built from it are read together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, time, timedelta

from dateutil.relativedelta import relativedelta

from yawlit_bot.engine.fields import FIRST_SLOT_HOUR, LAST_SLOT_HOUR
from yawlit_bot.engine.validation import slot_for_hour


@dataclass(frozen=True)
class DateMatch:
	"""A date phrase found in text. `value` is None when it names no real day (31/02)."""

	start: int
	end: int
	value: date | None
	explicit_year: bool = False


# ---------------------------------------------------------------- dates

_RELATIVE_WORDS: tuple[tuple[str, int], ...] = (
	(r"day\s+after\s+(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|kal)", 2),
	# "I need it day after": the day after tomorrow, unless something else follows ("day after my exam").
	(r"(?:the\s+)?day\s+after(?=\s*(?:$|[.,!?;]|\b(?:at|in|around|morning|evening|afternoon|subah|shaam|please|pls|plz|ok|then)\b|\d))", 2),
	(r"parso|parson|parsoon|parsun|parsho", 2),
	(r"narso|narson", 3),
	(r"today|tonight|tonite|aaj|aj", 0),
	(r"tomorrow|tomorow|tommorow|tommorrow|tomorro|tommorw|tmrw|tmrow|tmr|2moro|2morrow|kal|kall", 1),
)
_RELATIVE_RE = [(re.compile(rf"\b(?:{words})\b", re.I), days) for words, days in _RELATIVE_WORDS]

_WEEKDAY_SPELLINGS: dict[int, str] = {
	0: "monday mondy monady somvar somwar somvaar somwaar",
	1: "tuesday tuesdy tusday teusday mangalvar mangalwar mangalvaar mangalwaar",
	2: "wednesday wednsday wensday wednesdy wedensday wedneday budhvar budhwar budhvaar budhwaar",
	3: "thursday thrusday thursdy thurday guruvar guruwar guruvaar guruwaar brihaspativar veervar",
	4: "friday fridy firday fryday shukravar shukrawar shukravaar shukrawaar",
	5: "saturday saturdy satarday saterday satuday shanivar shaniwar shanivaar shaniwaar",
	6: "sunday sundy ravivar raviwar ravivaar raviwaar itvaar itvar itwar itwaar etvaar",
}
_WEEKDAY_NAMES: dict[str, int] = {
	name: day for day, names in _WEEKDAY_SPELLINGS.items() for name in names.split()
}
_WEEKDAY_ABBREVIATIONS: dict[str, int] = {
	"mon": 0,
	"tue": 1,
	"tues": 1,
	"wed": 2,
	"thu": 3,
	"thur": 3,
	"thurs": 3,
	"fri": 4,
	"sat": 5,
	"sun": 6,
}
_NEXT_WORDS = r"next|coming|agle|agla|agli|upcoming"
_THIS_WORDS = r"this|is|on|by"
_WEEKDAY_RE = re.compile(
	rf"\b(?:(?P<mod>{_NEXT_WORDS}|{_THIS_WORDS})\s+)?(?P<day>{'|'.join(sorted(_WEEKDAY_NAMES, key=len, reverse=True))})\b",
	re.I,
)
# "sat", "sun", "wed" are words too: only with "on/next/this" before, a time after, or as the
# whole message. "Fri", "Mon", "Tue", "Thu" are no words: they count on their own.
_ABBREVIATION_ALTERNATIVES = "|".join(sorted(_WEEKDAY_ABBREVIATIONS, key=len, reverse=True))
_PLAIN_ABBREVIATIONS = "thurs|thur|tues|thu|tue|fri|mon"
_WEEKDAY_ABBR_RE = re.compile(
	rf"\b(?:(?P<mod>{_NEXT_WORDS}|this|on|by)\s+(?P<day>{_ABBREVIATION_ALTERNATIVES})\b\.?"
	rf"|(?P<day2>{_ABBREVIATION_ALTERNATIVES})\b\.?(?=\s*(?:\d|morning|evening|afternoon|subah|shaam|sham|dopahar))"
	rf"|(?<![\w'-])(?P<day3>{_PLAIN_ABBREVIATIONS})\b\.?(?!['-]\w)"
	rf"|^\s*(?P<day4>{_ABBREVIATION_ALTERNATIVES})\.?\s*[!.]*\s*$)",
	re.I,
)

_MONTHS: dict[str, int] = {
	"jan": 1,
	"january": 1,
	"feb": 2,
	"february": 2,
	"febuary": 2,
	"mar": 3,
	"march": 3,
	"apr": 4,
	"april": 4,
	"may": 5,
	"jun": 6,
	"june": 6,
	"jul": 7,
	"july": 7,
	"aug": 8,
	"august": 8,
	"sep": 9,
	"sept": 9,
	"september": 9,
	"oct": 10,
	"october": 10,
	"nov": 11,
	"november": 11,
	"dec": 12,
	"december": 12,
}
_MONTH_ALTERNATIVES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME_AFTER = r"(?!\s*(?:am|pm|a\.m|p\.m|baje|bje|o'?clock|hrs|:\d|\.\d))"
_DAY_MONTH_RE = re.compile(
	rf"(?<![\w/.\-])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<month>{_MONTH_ALTERNATIVES})\b\.?"
	rf"(?:,?\s*(?P<year>20\d{{2}})\b)?",
	re.I,
)
_MONTH_DAY_RE = re.compile(
	rf"\b(?P<month>{_MONTH_ALTERNATIVES})\.?\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b{_TIME_AFTER}"
	rf"(?:,?\s*(?P<year>20\d{{2}})\b)?",
	re.I,
)
_NUMERIC_RE = re.compile(
	r"(?<![\w/.:\-+])(?P<day>\d{1,2})(?P<sep>[/.\-])(?P<month>\d{1,2})(?:(?P=sep)(?P<year>\d{4}|\d{2}))?"
	r"(?![\w/:]|[.\-]\d)" + _TIME_AFTER,
	re.I,
)
_ISO_RE = re.compile(r"(?<![\w/.\-])(?P<year>20\d{2})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?![\w/\-]|\.\d)")
_NOT_A_DAY_AFTER = (
	r"(?!\s*(?:floor|cross|main|street|st\b|road|rd\b|lane|block|sector|phase|stage|avenue|building|wing|"
	r"tower|house|flat|time|standard|class|year|semester))"
)
_ORDINAL_RE = re.compile(
	rf"\b(?:on|dated|date|by|the|till|until)\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)\b{_NOT_A_DAY_AFTER}"
	rf"(?!\s*(?:of\s+)?(?:{_MONTH_ALTERNATIVES})\b)"
	rf"|(?<![\w/.\-])(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:tarikh|tareekh|tarik|tareek|tarikh)\b",
	re.I,
)
_NUMBER_WORDS: dict[str, int] = {
	"one": 1,
	"two": 2,
	"three": 3,
	"four": 4,
	"five": 5,
	"six": 6,
	"seven": 7,
	"eight": 8,
	"nine": 9,
	"ten": 10,
	"ek": 1,
	"do": 2,
	"teen": 3,
	"char": 4,
	"chaar": 4,
	"paanch": 5,
	"panch": 5,
	"a": 1,
}
_COUNT = rf"(?P<count>\d{{1,3}}|{'|'.join(_NUMBER_WORDS)})"
_IN_DAYS_RE = re.compile(
	rf"\b(?:in|after)\s+{_COUNT}\s+(?P<unit>days?|din|dino|weeks?|hafte|hafta)\b"
	rf"|\b{_COUNT.replace('count', 'count2')}\s+(?P<unit2>days?|din|dino|weeks?|hafte|hafta)"
	r"\s+(?:baad|bad|later|ke\s+baad|after|me|mein|main)\b",
	re.I,
)


_HOUSE_NUMBER_BEFORE_RE = re.compile(
	r"\b(?:no|flat|plot|house|h\.?\s?no|d\.?\s?no|block|shop|sector|room|bldg|building|door|unit|apt|"
	r"apartment|wing|survey|gat|ward)\.?\s*[:#-]?\s*$|#\s*$",
	re.I,
)


def _roll_forward(day: int, month: int, today: date) -> date | None:
	"""This year's day/month, or next year's once it has passed; None if no such day."""
	for year in (today.year, today.year + 1):
		try:
			candidate = date(year, month, day)
		except ValueError:
			continue
		if candidate >= today:
			return candidate
	return None


def _with_year(day: int, month: int, year: int) -> date | None:
	try:
		return date(year, month, day)
	except ValueError:
		return None


def _day_of_month(day: int, today: date) -> date | None:
	"""The next date with this day of the month (this month if still ahead)."""
	for months_ahead in range(3):
		first = today.replace(day=1) + relativedelta(months=months_ahead)
		try:
			candidate = first.replace(day=day)
		except ValueError:
			continue
		if candidate >= today:
			return candidate
	return None


def _weekday_date(weekday: int, modifier: str | None, today: date) -> date:
	"""Bare weekday and "this X": the next such day, today included. "next X": strictly after today."""
	ahead = (weekday - today.weekday()) % 7
	if ahead == 0 and modifier and re.fullmatch(_NEXT_WORDS, modifier, re.I):
		ahead = 7
	return today + timedelta(days=ahead)


def _numeric_candidate(match: re.Match, today: date) -> DateMatch | None:
	day, month = int(match["day"]), int(match["month"])
	year_text = match["year"]
	if not year_text:
		if match["sep"] == "." and (month > 12 or len(match["month"]) != 2):
			return None  # "10.30" is a clock time, "1.5" a quantity
		if match["sep"] == "-" and day <= 23 and month == day + 1:
			return None  # "10-11" is a one-hour slot
		following = match.string[match.end() : match.end() + 12].lower()
		if re.match(r"\s*(?:days?|din|hours?|hrs?|mins?|minutes?|weeks?|km|cars?|log|people)\b", following):
			return None
	if _HOUSE_NUMBER_BEFORE_RE.search(match.string[max(0, match.start() - 14) : match.start()]):
		return None  # "H.No. 12/3", "Flat 4/201" are addresses
	if year_text:
		year = int(year_text) + (2000 if len(year_text) == 2 else 0)
		return DateMatch(match.start(), match.end(), _with_year(day, month, year), True)
	if not 1 <= month <= 12 or not 1 <= day <= 31:
		return DateMatch(match.start(), match.end(), None)
	return DateMatch(match.start(), match.end(), _roll_forward(day, month, today))


def _named_month_candidate(match: re.Match, today: date) -> DateMatch:
	day, month = int(match["day"]), _MONTHS[match["month"].lower()]
	if match["year"]:
		return DateMatch(match.start(), match.end(), _with_year(day, month, int(match["year"])), True)
	return DateMatch(match.start(), match.end(), _roll_forward(day, month, today))


def _candidates(text: str, today: date, numeric: bool = True) -> list[DateMatch]:
	found: list[DateMatch] = []
	for pattern, days in _RELATIVE_RE:
		for match in pattern.finditer(text):
			found.append(DateMatch(match.start(), match.end(), today + timedelta(days=days)))
	for match in _WEEKDAY_RE.finditer(text):
		weekday = _WEEKDAY_NAMES[match["day"].lower()]
		found.append(DateMatch(match.start(), match.end(), _weekday_date(weekday, match["mod"], today)))
	for match in _WEEKDAY_ABBR_RE.finditer(text):
		weekday = _WEEKDAY_ABBREVIATIONS[(match["day"] or match["day2"] or match["day3"] or match["day4"]).lower()]
		found.append(DateMatch(match.start(), match.end(), _weekday_date(weekday, match["mod"], today)))
	for pattern in (_DAY_MONTH_RE, _MONTH_DAY_RE):
		for match in pattern.finditer(text):
			found.append(_named_month_candidate(match, today))
	for match in _NUMERIC_RE.finditer(text) if numeric else ():
		candidate = _numeric_candidate(match, today)
		if candidate:
			found.append(candidate)
	for match in _ISO_RE.finditer(text):
		value = _with_year(int(match["day"]), int(match["month"]), int(match["year"]))
		found.append(DateMatch(match.start(), match.end(), value, True))
	for match in _ORDINAL_RE.finditer(text):
		day = int(match["day"] or match["day2"])
		found.append(
			DateMatch(match.start(), match.end(), _day_of_month(day, today) if 1 <= day <= 31 else None)
		)
	for match in _IN_DAYS_RE.finditer(text):
		count_text = (match["count"] or match["count2"]).lower()
		count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS[count_text]
		unit = (match["unit"] or match["unit2"]).lower()
		days = count * 7 if unit.startswith(("week", "haft")) else count
		if days <= 3660:
			found.append(DateMatch(match.start(), match.end(), today + timedelta(days=days)))
	return found


def find_date(text: str | None, today: date, numeric: bool = True) -> DateMatch | None:
	"""The first date phrase in `text` (longest when two start together), or None.

	`numeric=False` skips "12/3"-style dates, for text that is mostly an address."""
	if not text:
		return None
	candidates = _candidates(str(text), today, numeric)
	if not candidates:
		return None
	return min(candidates, key=lambda c: (c.start, -(c.end - c.start)))


def parse_date(text: str | None, today: date) -> date | None:
	"""The date the first date phrase names; None if there is none or it names no real day."""
	match = find_date(text, today)
	return match.value if match else None


# ---------------------------------------------------------------- time slots

_MORNING, _AFTERNOON, _EVENING, _NIGHT, _NOON = "morning", "afternoon", "evening", "night", "noon"
_PART_OF_DAY_WORDS: dict[str, str] = {
	"morning": _MORNING,
	"mrng": _MORNING,
	"morng": _MORNING,
	"subah": _MORNING,
	"subha": _MORNING,
	"suba": _MORNING,
	"savere": _MORNING,
	"sawere": _MORNING,
	"savera": _MORNING,
	"afternoon": _AFTERNOON,
	"aftrnoon": _AFTERNOON,
	"dopahar": _AFTERNOON,
	"dopahr": _AFTERNOON,
	"dophar": _AFTERNOON,
	"dopehar": _AFTERNOON,
	"dupahar": _AFTERNOON,
	"dupehar": _AFTERNOON,
	"dopaher": _AFTERNOON,
	"noon": _NOON,
	"evening": _EVENING,
	"evng": _EVENING,
	"eve": _EVENING,
	"shaam": _EVENING,
	"sham": _EVENING,
	"night": _NIGHT,
	"raat": _NIGHT,
	"nite": _NIGHT,
}
# The slot a part of day means when no hour is given.
_PART_OF_DAY_ALTERNATIVES = "|".join(sorted(_PART_OF_DAY_WORDS, key=len, reverse=True))
# "good morning" is a greeting, not a time.
_PART_OF_DAY_RE = re.compile(rf"(?<!good )(?<!gud )(?<!gd )\b(?P<part>{_PART_OF_DAY_ALTERNATIVES})\b", re.I)
_PART_BEFORE_RE = re.compile(
	rf"\b(?P<part>{_PART_OF_DAY_ALTERNATIVES})\s*(?:ko|me|mein|mai|main|ke|ki|at|around|about|by|ke\s+baad)?\s*$",
	re.I,
)
_PART_AFTER_RE = re.compile(
	rf"^\s*(?:in\s+the\s+|ki\s+|ke\s+|ko\s+|at\s+|in\s+)?(?P<part>{_PART_OF_DAY_ALTERNATIVES})\b", re.I
)
_MERIDIEM = r"a\.?\s?m\b\.?|p\.?\s?m\b\.?"
_CLOCK_WORDS = r"baje|bje|bajey|baji|bajay|o'?\s?clock|oclock|hrs|hr|hours|noon"
_TIME_RE = re.compile(
	rf"""(?<![\w:./\-+])
	(?P<h1>\d{{1,2}})(?:(?P<c1>[:.])(?P<m1>\d{{2}}))?
	\s*(?P<mer1>{_MERIDIEM})?
	(?:\s*(?:-|–|to|se|till|until)\s*(?P<h2>\d{{1,2}})(?:[:.](?P<m2>\d{{2}}))?)?
	\s*(?P<mer2>{_MERIDIEM}|{_CLOCK_WORDS}\b)?
	(?![\w/\-]|[.:]\d)""",
	re.I | re.X,
)
_NOT_TIME_AFTER_RE = re.compile(
	r"(?<!\s)\s*(?:days?|din|dino|weeks?|hafte|months?|mahine|mins?|minutes?|kms?|cars?|bikes?|people|log|"
	r"years?|saal|times?|bhk|floors?|rs|rupees?|inr|ghante|ghanta|hours?|sau|hazaar|(?<!\d)\d{3,})\b",
	re.I,
)
# A bare range is a slot ("10-11") unless it is a house or plot number.
_ADDRESS_BEFORE_RE = re.compile(
	r"\b(?:flat|plot|shop|house|h\s?no|no|number|sector|room|block|wing|floor|unit|gali|lane|#)\.?\s*$", re.I
)
_BETWEEN_AND_RE = re.compile(r"\b(between\s+\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?\s*)and\b", re.I)
_NIGHT_PHRASE_RE = re.compile(
	r"\b(?:tonight|tonite|midnight|late\s+night|at\s+night|(?:aaj|aj|kal|today|tomorrow)\s+(?:raat|night)"
	r"|raat\s+(?:ko|me|mein|mai|main))\b",
	re.I,
)


@dataclass(frozen=True)
class TimeMention:
	"""A clock time found in text: its 24-hour start hour (None if unreadable), the minute, and where."""

	hour: int | None
	start: int
	end: int
	minute: int = 0

# Hours said in words, and the fractions Hindi says a time with: "saade das" 10:30, "sawa 5"
# 5:15, "paune 11" 10:45, "dedh" 1:30, "dhai" 2:30.
_HOUR_WORDS: dict[str, int] = {
	"ek": 1, "do": 2, "teen": 3, "char": 4, "chaar": 4, "paanch": 5, "panch": 5, "chhe": 6, "che": 6,
	"chheh": 6, "saat": 7, "sat": 7, "aath": 8, "ath": 8, "nau": 9, "no": 9, "das": 10, "dus": 10,
	"gyarah": 11, "gyara": 11, "gyaarah": 11, "barah": 12, "bara": 12, "baarah": 12,
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12,
}
_FRACTIONS: dict[str, tuple[int, int]] = {  # word: (hours to add, minute)
	"saade": (0, 30), "sade": (0, 30), "saadhe": (0, 30), "sadhe": (0, 30),
	"sawa": (0, 15), "sava": (0, 15), "paune": (-1, 45), "pone": (-1, 45), "paone": (-1, 45),
}
_WHOLE_FRACTIONS: dict[str, tuple[int, int]] = {"dedh": (1, 30), "derh": (1, 30), "dhai": (2, 30), "dhaai": (2, 30), "adhai": (2, 30)}
_HOUR_WORD = "|".join(sorted(_HOUR_WORDS, key=len, reverse=True))
_SPOKEN_TIME_RE = re.compile(
	rf"""(?<![\w:./\-+])(?:
	(?P<frac>{'|'.join(_FRACTIONS)})\s+(?P<fh>\d{{1,2}}|{_HOUR_WORD})\b(?:\s*(?P<fclock>{_CLOCK_WORDS})\b)?
	|(?P<whole>{'|'.join(_WHOLE_FRACTIONS)})\s*(?P<wclock>{_CLOCK_WORDS})\b
	|(?P<word>{_HOUR_WORD})\s*(?P<clock>baje|bje|bajey|baji|bajay|o'?\s?clock|oclock)\b
	)""",
	re.I | re.X,
)
# "half past 10", "quarter to 11"
_HALF_PAST_RE = re.compile(
	rf"\b(?P<which>half|quarter)\s+(?P<rel>past|to)\s+(?P<h>\d{{1,2}}|{_HOUR_WORD})\b", re.I
)


def _hour_of(raw: str) -> int | None:
	return int(raw) if raw.isdigit() else _HOUR_WORDS.get(raw.lower())


def _spoken_times(text: str) -> list[TimeMention]:
	"""Times said in words or with a fraction: they need no am/pm to be times."""
	found = []
	for match in _SPOKEN_TIME_RE.finditer(text):
		if match["frac"]:
			hour, (add, minute) = _hour_of(match["fh"]), _FRACTIONS[match["frac"].lower()]
			hour = None if hour is None else hour + add
		elif match["whole"]:
			hour, minute = _WHOLE_FRACTIONS[match["whole"].lower()]
		else:
			hour, minute = _hour_of(match["word"]), 0
		if hour == 0:
			hour = 12  # "paune ek": a quarter to one is 12:45
		if hour is None or not 0 <= hour <= 23 or _NOT_TIME_AFTER_RE.match(text[match.end() : match.end() + 16]):
			continue  # "saade 3 km", "sawa 2 ghante"
		part = _part_of_day_near(text, match.start(), match.end())
		found.append(TimeMention(_to_24h(hour, None, part), match.start(), match.end(), minute))
	for match in _HALF_PAST_RE.finditer(text):
		hour = _hour_of(match["h"])
		if hour is None or not 1 <= hour <= 12:
			continue
		minute = 30 if match["which"].lower() == "half" else 15
		if match["rel"].lower() == "to":
			hour, minute = (hour - 1) or 12, 60 - minute
		part = _part_of_day_near(text, match.start(), match.end())
		found.append(TimeMention(_to_24h(hour, None, part), match.start(), match.end(), minute))
	return found


_ANY_LETTER_RE = re.compile(r"[a-z]", re.I)


def _part_of_day_near(text: str, start: int, end: int) -> str | None:
	if not _ANY_LETTER_RE.search(text, max(0, start - 30), end + 24):
		return None  # no word near it at all (a run of numbers): one look instead of two
	before = _PART_BEFORE_RE.search(text[max(0, start - 24) : start])
	if before and not re.search(r"\b(?:good|gud|gd)\s+\w+\s*$", text[max(0, start - 30) : start], re.I):
		return _PART_OF_DAY_WORDS[before["part"].lower()]
	after = _PART_AFTER_RE.match(text[end : end + 24])
	if after:
		return _PART_OF_DAY_WORDS[after["part"].lower()]
	return None


def _to_24h(hour: int, meridiem: str | None, part: str | None, zero_padded: bool = False) -> int | None:
	"""24-hour clock for an hour as said. Without am/pm or a part of day, 1-5 mean afternoon
	(nobody books a wash at 3 am) and 6-11 mean morning."""
	if meridiem == "am":
		return None if hour > 12 or hour == 0 else (0 if hour == 12 else hour)
	if meridiem == "pm":
		if hour == 0 or hour > 23:
			return None
		return hour if hour >= 12 else hour + 12
	if hour > 23:
		return None
	if part == _MORNING:
		return hour
	if part in (_AFTERNOON, _NOON):
		return hour + 12 if hour < 11 else hour
	if part == _EVENING:
		return hour + 12 if hour < 12 else hour
	if part == _NIGHT:
		if hour == 12:
			return 0
		return hour + 12 if 5 <= hour < 12 else hour
	if zero_padded or hour == 0 or hour >= 12:
		return hour
	return hour + 12 if hour <= 5 else hour


def _meridiem(raw: str | None) -> str | None:
	if not raw:
		return None
	letters = re.sub(r"[^a-z]", "", raw.lower())
	return letters if letters in ("am", "pm") else None


def find_times(text: str | None) -> list[TimeMention]:
	"""Every clock time said in `text`, in order. A bare number is not a time: it needs
	am/pm, baje/o'clock, a colon, a range ("10-11") or a part of day next to it."""
	if not text:
		return []
	# One turn asks about the same text several times (the time, the day part, out of hours):
	# read once. The mentions are frozen, so the copy of the list is all a caller may change.
	return list(_find_times(str(text)))


@lru_cache(maxsize=32)
def _find_times(text: str) -> tuple[TimeMention, ...]:
	# "between 3 and 4 pm" is the range "3 to 4 pm" (same length, so positions hold).
	text = _BETWEEN_AND_RE.sub(lambda m: m[1] + "to ", str(text))
	mentions: list[TimeMention] = []
	for match in _TIME_RE.finditer(text):
		following = text[match.end() : match.end() + 16]
		if _NOT_TIME_AFTER_RE.match(following):
			continue
		mer1, mer2 = _meridiem(match["mer1"]), _meridiem(match["mer2"])
		clock_word = bool(match["mer2"]) and not mer2
		# "10:30"; "10.30" too, but only on the quarter hours ("10.12" is a date as often as a time)
		colon = match["c1"] == ":" or (match["c1"] == "." and match["m1"] in ("00", "15", "30", "45"))
		h1 = int(match["h1"])
		h2 = int(match["h2"]) if match["h2"] else None
		part = _part_of_day_near(text, match.start(), match.end())
		if clock_word and match["mer2"].lower() == "noon":
			part = part or _NOON
		marked = bool(mer1 or mer2 or clock_word or colon or part)
		if not marked:
			# Only a bare range can stand alone ("10-11"), and only if it is one hour long
			# and not a house number ("flat 10-11").
			if h2 != h1 + 1 or _ADDRESS_BEFORE_RE.search(text[max(0, match.start() - 12) : match.start()]):
				continue
		if (mer1 or mer2) and re.match(r"\s*\d{4}\b", following):
			continue  # "MH 02 AM 1234" is a number plate
		zero_padded = match["h1"].startswith("0") and len(match["h1"]) == 2
		if h2 is not None and not mer1 and mer2:
			# "4-5 pm" is 16-17 but "11-12 pm" is 11-12: the start takes the end's am/pm
			# only when that keeps the range a few hours long.
			end_hour = _to_24h(h2, mer2, part)
			start_hour = _to_24h(h1, mer2, part)
			if end_hour is not None and (start_hour is None or not 0 < end_hour - start_hour <= 3):
				start_hour = h1 if 0 < end_hour - h1 <= 3 else start_hour
		else:
			start_hour = _to_24h(h1, mer1 or mer2, part, zero_padded)
		minute = int(match["m1"]) if match["m1"] and int(match["m1"]) < 60 else 0
		mentions.append(TimeMention(start_hour, match.start(), match.end(), minute))
	# A time said in words or with a fraction wins over a digit it contains ("saade 10 baje").
	for spoken in _spoken_times(text):
		mentions = [m for m in mentions if m.end <= spoken.start or m.start >= spoken.end]
		mentions.append(spoken)
	return tuple(sorted(mentions, key=lambda m: m.start))


def _in_hours(hour: int | None) -> bool:
	return hour is not None and FIRST_SLOT_HOUR <= hour <= LAST_SLOT_HOUR


def parse_time_slot(text: str | None) -> str | None:
	"""The one-hour slot ("10:00-11:00") the text asks for, or None.

	The first clock time inside working hours wins. A part of the day alone ("kal subah") is
	no slot: the customer has not said the hour, and the bot asks for it. Times outside
	6 am-6 pm give None.
	"""
	if not text:
		return None
	text = str(text)
	mentions = find_times(text)
	for mention in mentions:
		if _in_hours(mention.hour):
			return slot_for_hour(mention.hour)
	if not mentions and re.search(r"\b(?:noon|midday)\b", text, re.I):
		return slot_for_hour(12)  # "noon" names its hour
	return None


def parse_start_time(text: str | None) -> time | None:
	"""The time the customer asked for (its minutes kept: "10:30", "saade das"), the first one
	inside working hours, or None. `parse_time_slot` gives its one-hour reading."""
	for mention in find_times(text):
		if _in_hours(mention.hour):
			return time(mention.hour, mention.minute)
	return None


# "after 4", "after 4:30 pm", "4 baje ke baad"; not "after 10th", "after 5 mins"
_AFTER_HOUR_RE = re.compile(
	rf"\b(?:after|aftr)\s+(?P<h1>\d{{1,2}})(?:[:.](?P<m1>[0-5]\d))?(?!\d|st\b|nd\b|rd\b|th\b)\s*(?P<mer1>{_MERIDIEM}|baje|bje)?"
	rf"(?!\s*(?:mins?|minutes?|hours?|hrs?|days?|din|ghante|ghanta|tarikh)\b)"
	rf"|(?<![\w:.])(?P<h2>\d{{1,2}})(?:[:.](?P<m2>[0-5]\d))?\s*(?P<mer2>{_MERIDIEM}|baje|bje)?\s*(?:ke|k)\s+(?:baad|bad)\b",
	re.I,
)
_DAY_PART_NAMES = {_MORNING: "Morning", _AFTERNOON: "Afternoon", _NOON: "Afternoon", _EVENING: "Evening"}


def find_day_part(text: str | None) -> str | None:
	"""The part of the day asked for when no hour is: "Morning", "Afternoon", "Evening", or
	"after HH:MM" ("after 4", "4 baje ke baad"). None when a clock time is said, or nothing."""
	if not text:
		return None
	text = str(text)
	bound = find_time_bound(text)
	if bound:
		return bound
	for match in _PART_OF_DAY_RE.finditer(text):
		refused = re.match(r"\s*(?:ko\s+|me\s+|mein\s+)?(?:nahi|nahin|nhi|nai|mat|not)\b", text[match.end() :], re.I) or re.search(
			r"\bnot\s*$", text[max(0, match.start() - 6) : match.start()], re.I
		)
		if refused:
			continue  # "subah nahi, shaam ko": the evening
		if not re.search(r"\b(?:good|gud|gd)\s*$", text[max(0, match.start() - 8) : match.start()], re.I):
			# a part of the day, unless a clock time is said with it (then that is the slot)
			return None if find_times(text) else _DAY_PART_NAMES.get(_PART_OF_DAY_WORDS[match["part"].lower()])
	return None


def time_bound(text: str | None) -> tuple[str, int, int] | None:
	"""("after HH:MM", start, end) for "after 4", "4:30 baje ke baad" (a bound, not a time)."""
	after = _AFTER_HOUR_RE.search(str(text or ""))
	if not after:
		return None
	hour, minute = int(after["h1"] or after["h2"]), int(after["m1"] or after["m2"] or 0)
	meridiem = _meridiem(after["mer1"] or after["mer2"])
	hour = _to_24h(hour, meridiem, _part_of_day_near(str(text), after.start(), after.end()))
	if hour is None or not 0 <= hour <= 23:
		return None
	return f"after {hour:02d}:{minute:02d}", after.start(), after.end()


def find_time_bound(text: str | None) -> str | None:
	bound = time_bound(text)
	return bound[0] if bound else None


def find_out_of_hours_time(text: str | None) -> bool:
	"""True if the text names a time, and every time it names is outside 6 am-6 pm."""
	if not text:
		return False
	text = str(text)
	mentions = find_times(text)
	if mentions:
		return not any(_in_hours(m.hour) for m in mentions)
	if _NIGHT_PHRASE_RE.search(text):
		return True
	for match in _PART_OF_DAY_RE.finditer(text):
		return _PART_OF_DAY_WORDS[match["part"].lower()] == _NIGHT
	return False
