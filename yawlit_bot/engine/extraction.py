"""Booking details from one customer message, by rules (no model, no I/O).

`extract` finds the unambiguous things first (email, number plate, phone, pincode) and
blanks them out, so their digits cannot turn into dates, times or house numbers; then it
reads dates, time slots, names, the car, the service, the city, an address and notes.
Every value it returns has passed `validation.check_field`; a value that was clearly meant
for a field but is wrong ("pincode 4110", "raat 10 baje") is reported in `invalid`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from yawlit_bot.engine.dates import (
	find_date,
	time_bound,
	find_out_of_hours_time,
	find_times,
	parse_start_time,
	parse_time_slot,
)
from yawlit_bot.engine.fields import SERVICE_TYPES, VEHICLE_TYPES
from yawlit_bot.engine.indic import read_indic_mapped
from yawlit_bot.engine.intents import _ALIAS_WORDS, Intent, edit_target, read_intent
from yawlit_bot.engine.places import (
	ADDRESS_WORDS,
	CITIES,
	CITY_RE,
	CITY_WORDS,
	HOUSE_NUMBER_RE,
	LOCALITIES,
	looks_like_address,
	looks_like_place,
	place_words,
)
from yawlit_bot.engine.validation import (
	INDIAN_STATE_CODES,
	check_field,
	clean_text,
	match_choice,
	normalize_phone,
	normalize_pincode,
	normalize_plate,
	sender_phone_number,
)
from yawlit_bot.engine.vocab import (
	AMBIGUOUS_MODELS,
	BRAND_ALIASES,
	VEHICLE_TYPE_WORDS,
	close_match,
	find_vehicle,
	is_vehicle_word,
	tokenize,
)

MAX_INPUT = 4096  # WhatsApp's longest text message
MASK = "¦"  # stands in for a value already taken, so later patterns see a break there

NAME_FIELDS = ("first_name", "last_name")
VEHICLE_FIELDS = ("vehicle_brand", "vehicle_model", "vehicle_type")

# Why a value was read. It decides whether the value may replace one already given: only a
# message about that field may (see `merge.may_replace`); a mention in passing only fills a gap.
LABEL = "label"  # "Address: ...", "Name - ...", "Pin: ..."
CORRECTION = "correction"  # "kal nahi, parso", "sorry, make it Wednesday", "not Swift, a Baleno"
ANSWER = "answer"  # the bot asked for this field
STATED = "stated"  # said of itself: "my name is", a typed phone, email, plate or pincode
MENTION = "mention"  # found in passing: a date in a longer sentence, an address not asked for
ABOUT_THE_FIELD = frozenset({LABEL, CORRECTION, ANSWER, STATED})


@dataclass
class Extraction:
	fields: dict[str, str] = field(default_factory=dict)  # normalised values that passed check_field
	invalid: dict[str, str] = field(
		default_factory=dict
	)  # field -> reason, for values clearly meant but wrong
	intent: Intent | None = None
	edit_field: str | None = None  # for edit intents that name a field
	basis: dict[str, str] = field(default_factory=dict)  # field -> LABEL / CORRECTION / ... (above)
	correction: bool = False  # the message corrects something ("nahi", "not", "sorry, make it")
	source: dict[str, str] = field(default_factory=dict)  # field -> "model" where the model read it
	confidence: dict[str, float] = field(default_factory=dict)  # field -> 0..1 (rules: 1.0)
	# The time as said when the rules read `time_slot` ("10:30", "saade das" -> "10:30"): the
	# slot read is the hour's; the business's slot that holds this time is chosen later
	# (catalog.slot_holding, in the conversation).
	start_time: str | None = None

	def about_the_field(self) -> set[str]:
		"""Fields this message is about, whose values may replace stored ones."""
		return {name for name, basis in self.basis.items() if basis in ABOUT_THE_FIELD}


# ---------------------------------------------------------------- patterns

_SCRIPT_RE = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.I | re.S)
_TAG_RE = re.compile(r"<[^<>]{0,200}>|[<>]")

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

# A letter of any script, the Indic scripts' vowel signs included (they are marks, not letters).
# The two branches are disjoint: a character both could match made `{_LETTER}+` try every way
# of splitting a long Indic word between them, time doubling with each letter.
_INDIC = "\u0900-\u0DFF"
_LETTER = rf"(?:[^\W\d_{_INDIC}]|[{_INDIC}])"
_NAME_WORD = rf"{_LETTER}+(?:['.\-]{_LETTER}+)*\.?"
_NAME_INTRO_RE = re.compile(
	r"\b(?P<intro>my\s+name\s+is|my\s+name'?s|name\s*(?:is|:|-|=)|(?:naam|nam)(?:\s*(?:is|hai|:|-|toh|to))?|mera\s+(?:naam|nam)"
	r"|name(?=\s+(?-i:[A-Z]))"
	r"|i\s+am|i'm|im|this\s+is|myself)"
	rf"\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}})",
	re.I,
)
_HONORIFIC = r"(?:mr|mrs|ms|shri|shree|sri|smt|dr|miss)\.?"
_HONORIFICS = frozenset("mr mrs ms shri shree sri smt dr miss".split())
# Greetings Indian customers open with, in several languages.
_GREETINGS = (
	r"hi+|hello|hey|namaste|namaskar|namaskaram|vanakkam|nomoskar|good\s+\w+|ji|ram\s+ram|radhe\s+radhe"
	r"|jai\s+(?:shri|shree|sri)\s+\w+|jai\s+hind|jai\s+mata\s+di|sat\s+sri\s+akal|salaam|adaab|kem\s+cho"
)
_GREETING_START = rf"^(?:(?:{_GREETINGS})[\s,!.]+)*"
# "Ravi here", "Mr. Joseph here", "Ravi Kumar this side", "Rajesh bol raha hoon".
_NAME_HERE_RE = re.compile(
	_GREETING_START + rf"(?:(?:main|mai|mein)\s+)?(?:{_HONORIFIC}\s+)?"
	rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})\s+"
	r"(?:here|this\s+side|speaking|bol\s*(?:raha|rahi|rha|rhi|rahe)|bool\s*raha)\b",
	re.I,
)
# "Main Ravi Sharma hoon" (Hinglish: I am Ravi Sharma).
_MAIN_HOON_RE = re.compile(
	rf"(?:^|[,.!]\s*|\b(?:ji|haan|hello|hi|namaste)\s+)(?:main|mai|mein)\s+(?:{_HONORIFIC}\s+)?"
	rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})\s+(?:hoon|hu|hun|hoo|hai)\b",
	re.I,
)
# Whose name: "driver ka naam", "my son's name", "uska naam".
_SOMEBODY_ELSES_RE = re.compile(
	r"(?:\b\w+\s+(?:ka|ki|ke)\s*$|\b\w+'s\s*$|\b(?:uska|uski|unka|unki|his|her|their)\s*$)", re.I
)
# "near Dr. Sharma clinic" is a landmark; "Jai Shree Krishna" a greeting.
_LANDMARK_BEFORE_RE = re.compile(
	r"\b(?:near|opp|opposite|behind|beside|besides|next\s+to|paas|saamne|samne|jai)\.?\s*$", re.I
)
_THIRD_PERSON = frozenset("ne ka ki ke ko se ji ne's".split())
# "Mr. Joseph", "Dr Anil Mehta": an honorific names a person, unless a street follows
# ("Dr Ambedkar Road").
_HONORIFIC_NAME_RE = re.compile(
	rf"(?<![\w{MASK}])(?:mr|mrs|ms|smt|dr|shri|shree)\.?\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})",
	re.I,
)
# Words that end a name ("I am Ravi from Pune", "mera naam Ravi hai").
_NAME_ENDERS = frozenset(
	"and aur from se hai hain hoon hu hun h here with my mera meri or ji sir speaking bol "
	"calling writing".split()
)
# Words that are never a name, so "I am looking for a wash" and "haan" give no name.
NOT_NAMES = frozenset(
	"""
	a an the this that these those it its his her their our your my mine me we us you he she they
	i am is are was were be been being not no yes yeah yep ok okay okk fine good great well sure
	here there from of for to by at in on near with without about into out over under up down off
	and or but if then so also just very really still again already only even too
	looking interested interest planning thinking trying wondering checking asking calling writing
	waiting coming going leaving staying living working travelling traveling sending messaging texting
	contacting reaching searching hoping having facing getting using booking washing cleaning
	available free busy ready new old regular existing urgent confused worried tired unable able glad
	happy sorry late early fine outside inside home office away based located owner customer user client
	member resident glad back done finished sorted bahar ghar yahan wahan pareshan
	typo spelling actually real surname kyu kyun kyon why what who how when where which
	vanakkam namaskaram nomoskar salaam adaab jai hind
	wait hold minute minutes min mins sec secs second seconds moment one ek do abhi form bhej bhejta
	bhejti raha rahi rha rhi rahe later baad dekh dekhta check hang sorry oops hmm arre arey
	haan han ha haa ji jee nahi nahin nhi na hai hain hoon hu hun tha thi kya kaise kab kahan kyun kitna
	kitne kitni main mai mera meri mere hum humara hamara apna apni aap tum tu wo woh ye yeh kuch sab
	bahut bohot bilkul abhi baad pehle phir fir wala wali vala vali ka ki ke ko se me mein par pe tak bhi
	toh na hi ya chahiye chahte chahta chahti karna karni karo kar do dena sakta sakti batao bataiye
	bolo bol suno achha accha acha achcha theek thik sahi galat bas
	kal aaj aj parso today tomorrow tmrw tonight morning evening afternoon night noon subah shaam sham
	dopahar raat baje
	monday tuesday wednesday thursday friday saturday sunday
	hi hii hello helo hey namaste namaskar thanks thank please pls plz sir madam mam bhai bhaiya boss
	rate price cost charge charges wash washing cleaning service services premium basic interior polish
	polishing detailing driver driving package car cars gaadi gadi vehicle bike scooter booking book
	slot time date address pincode pin phone mobile number email mail name naam confirm cancel edit
	change update details detail location first last second full
	want need needs required require like love
	""".split()
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


# Service words. "clear" ones count anywhere; the others only when the bot asked for the service.
_SERVICE_CLEAR: tuple[tuple[re.Pattern, str], ...] = tuple(
	(re.compile(pattern, re.I), service)
	for pattern, service in (
		(r"\bpremium\b", "Premium Wash"),
		(r"\b(?:basic|normal|simple|regular|standard|exterior|outside)\s+(?:car\s+)?wash\b", "Basic Wash"),
		(r"\binterior(?:\s+(?:cleaning|clean|safai|wash))?\b", "Interior Cleaning"),
		(r"\b(?:inside|andar\s+(?:ki|se))\s+(?:cleaning|clean|safai|wash)\b", "Interior Cleaning"),
		(r"\b(?:full\s+|complete\s+)?detailing\b|\bdeep\s+clean(?:ing)?\b", "Full Detailing"),
		(r"\bpolish(?:ing|ed)?\b|\bwax(?:ing)?\b", "Polishing"),
		(r"\b(?:driving|driver)\s+service\b", "Driving Service"),
	)
)
_SERVICE_WHEN_ASKED: tuple[tuple[re.Pattern, str], ...] = tuple(
	(re.compile(pattern, re.I), service)
	for pattern, service in (
		(r"\b(?:basic|normal|simple|regular|standard|sasta|cheapest)\b", "Basic Wash"),
		(r"\b(?:driver|driving|chauffeur)\b", "Driving Service"),
		(r"\bdetail\b", "Full Detailing"),
		(r"\bwash\b", "Basic Wash"),
	)
)
_SERVICE_TYPOS: dict[str, str] = {
	"premium": "Premium Wash",
	"interior": "Interior Cleaning",
	"detailing": "Full Detailing",
	"polishing": "Polishing",
	"polish": "Polishing",
}
_SERVICE_TYPO_WORDS = tuple(_SERVICE_TYPOS)
_PRICE_QUESTION_RE = re.compile(
	r"\b(?:rate|rates|price|prices|pricing|cost|costs|charges?|kitna|kitne|kitni|kitne\s+ka|farak|fark|"
	r"difference|karte\s+ho\s+kya|hota\s+hai\s+kya|do\s+you\s+do|do\s+you\s+have)\b",
	re.I,
)
_SERVICE_NEGATION_RE = re.compile(r"^\s*(?:\w+\s+)?(?:nahi|nhi|nahin|mat|not|no)\b", re.I)
_SERVICE_NEGATION_BEFORE_RE = re.compile(
	r"\b(?:no|not|without|bina|except|don'?t\s+want)\s+(?:\w+\s+)?$", re.I
)

_LEADING_FILLER_RE = re.compile(
	rf"^(?:(?:{_GREETINGS}|haan|han|ok|okay|sure|yes|sir|madam|mam|bhai|bhaiya|dear|its|it's|it\s+is"
	r"|main|mai|myself|i\s+am|i'm|im|this\s+is)\b[\s,.!:-]*)+",
	re.I,
)
_TRAILING_NAME_CHARS = " \t\n,.!"
_TRAILING_NAME_WORD_RE = re.compile(
	r"\b(?:here|hai|hoon|hu|hun|ji|sir|madam|this\s+side|speaking|pls|plz|please|thanks|thank\s+you)$", re.I
)
_DIGITS_ONLY_RE = re.compile(r"^\+?[\d\s\-]{4,20}$")  # matched on the stripped text
_BARE_NUMBER_RE = re.compile(
	r"^\s*(?:on\s+|at\s+)?(?P<n>\d{1,2})(?:st|nd|rd|th)?\s*(?:ko|baje|bje|tarikh)?\s*[.!]*\s*$", re.I
)


# ---------------------------------------------------------------- helpers


# Trailing filler is stripped from the end backwards, a word at a time. As one `(?:...)+$`
# pattern it was tried from every position of a long message, quadratic (or worse) in its length.
_TAIL_WORD_REACH = 24  # the longest filler word ("thank  you") fits in this many characters


def _tail_start(text: str, chars: str, words: re.Pattern) -> int:
	"""Where the trailing filler of `text` starts: `chars` and whole words `words` finds at
	the end (it is anchored with `$`), the last word taken last; len(text) when there is none."""
	cut = len(text)
	while True:
		stripped = text[:cut].rstrip(chars)
		word = words.search(stripped, max(0, len(stripped) - _TAIL_WORD_REACH))
		if not word:
			return cut
		cut = word.start()


def _strip_tail(text: str, chars: str, words: re.Pattern) -> str:
	"""`text` less its trailing filler (characters of `chars`, words `words` finds at the end)."""
	return text[: _tail_start(text, chars, words)].rstrip(chars)


class _Text:
	"""The message, with spans already taken blanked out by MASK characters (same length, so
	positions stay comparable with the text as written, `original`)."""

	def __init__(self, text: str, source: str | None = None, positions: list[int] | None = None):
		self.text = text
		self.original = text
		self.spans: list[tuple[int, int, str]] = []  # (start, end, field) of every value taken
		# The message as written, when reading it rewrote Devanagari words (see indic.py), and
		# where each character of `text` came from in it.
		self.source = source if source is not None and source != text else None
		self.positions = positions
		self._blanked: tuple[tuple, bytearray] | None = None  # (spans seen, keep) -> blanked chars

	def take(self, start: int, end: int, kind: str = "") -> None:
		self.text = self.text[:start] + MASK * (end - start) + self.text[end:]
		self.spans.append((start, end, kind))

	def plain(self) -> str:
		"""The remaining text with taken spans dropped."""
		return clean_text(re.sub(rf"\s*{MASK}+\s*", " ", self.text), MAX_INPUT)

	def as_written(self) -> str:
		"""The message as written, less what the customer refused."""
		return self.written(0, len(self.original), keep=frozenset(k for _, _, k in self.spans if k != "refused"))

	def written(self, start: int, end: int, keep: frozenset[str] = frozenset()) -> str:
		"""The text from `start` to `end` as the customer wrote it (Devanagari kept), with the
		values of other fields blanked, those of `keep` kept (an address keeps its pincode)."""
		source, at = (self.source, self.positions) if self.source is not None else (self.original, None)
		place = (lambda i: at[i]) if at else (lambda i: i)
		first, last = place(start), place(end)
		blanked = self._blanked_chars(source, place, keep)
		return "".join(MASK if blanked[i] else source[i] for i in range(first, last))

	def _blanked_chars(self, source: str, place, keep: frozenset[str]) -> bytearray:
		"""Which characters of `source` other fields' values cover, built once per set of spans:
		an address read clause by clause asks for many pieces (looping over every span for each
		piece was quadratic on a message of a thousand refusals)."""
		key = (len(self.spans), keep)
		if self._blanked is None or self._blanked[0] != key:
			blanked = bytearray(len(source))
			for s, e, kind in self.spans:
				if kind not in keep:
					first, last = place(s), place(e)
					blanked[first:last] = b"\x01" * max(0, last - first)
			self._blanked = (key, blanked)
		return self._blanked[1]


def _sanitise(raw: object) -> str:
	text = "" if raw is None else str(raw)
	text = text[: MAX_INPUT * 2]
	text = _SCRIPT_RE.sub(" ", text)
	text = _TAG_RE.sub(" ", text)
	text = text.replace(MASK, " ")
	# Keep new lines (they end an address clause); clean every line on its own.
	lines = [clean_text(line, MAX_INPUT) for line in text.splitlines()]
	return "\n".join(line for line in lines if line)[:MAX_INPUT]


def _put(
	result: Extraction,
	name: str,
	value: object,
	today: date,
	*,
	report: bool = False,
	basis: str = MENTION,
) -> bool:
	"""Store `value` for `name` if it is valid and the field is still empty."""
	if name in result.fields:
		return False
	check = check_field(name, value, today)
	if check.ok and check.value:
		result.fields[name] = check.value
		result.basis[name] = basis
		result.invalid.pop(name, None)
		return True
	if report and name not in result.invalid:
		result.invalid[name] = check.error or "That value doesn't look right."
	return False


def _flag(result: Extraction, name: str, reason: str) -> None:
	if name not in result.fields and name not in result.invalid:
		result.invalid[name] = reason


# ---------------------------------------------------------------- corrections

# "kal nahi", "Swift nahi": the word (or two, "10 baje", "next Monday") before nahi is refused.
_NEGATED_BEFORE_RE = re.compile(
	# starts only where a word starts: tried inside a long token it was quadratic
	rf"(?<![^\s,.;!?\n{MASK}])(?P<neg>(?:(?:next|agle|agla|agli|this|is|coming|\d{{1,2}}(?:[:.]\d{{2}})?)\s+)?[^\s,.;!?\n{MASK}]+)"
	# "kal ko nahi", "Monday ko nahi": the refused word stands before its postposition
	r"(?:\s+(?:ko|ke|pe|par|se|wala|wali|wale|to|toh|bhi))?"
	r"\s+(?:nahi|nahin|nhi|nai|mat|not\s+possible|won'?t\s+work|doesn'?t\s+work|is\s+not\s+possible"
	r"|is\s+not\s+ok|not\s+ok|nahi\s+ho\s+payega|possible\s+nahi|busy|mushkil|nahi\s+chalega|won'?t\s+do)\b",
	re.I,
)
# "no Monday, Tuesday": "no" refuses the date or car right after it (not "no 5, MG Road").
_NO_BEFORE_RE = re.compile(
	rf"^\s*(?:no|nope|na|nahi|nahin)\s*[,.]?\s+(?P<neg>[A-Za-z][^\s,.;!?\n{MASK}]*)(?=\s*[,.;!]\s*\S)", re.I
)
# "not Swift, it's a Baleno", "Wednesday not Tuesday", "not tomorrow but Friday".
_NEGATED_AFTER_RE = re.compile(
	rf"\b(?:not|instead\s+of|rather\s+than|busy(?:\s+on)?|not\s+free(?:\s+on)?|can'?t\s+(?:do|make\s+it)(?:\s+on)?"
	rf"|cannot\s+(?:do|make\s+it)(?:\s+on)?)\s+(?P<neg>[^,.;!?\n{MASK}]{{1,30}}?)"
	r"(?=\s*[,.;!?\n]|\s+(?:but|it'?s|its|make|instead|rather|please|pls|plz|ok|okay)\b|\s*$)",
	re.I,
)
# "galti se Creta likha" (wrote Creta by mistake).
_WRITTEN_BY_MISTAKE_RE = re.compile(
	rf"\bgalti\s+se\s+(?P<neg>[^\s,.;!?\n{MASK}]+(?:\s+[^\s,.;!?\n{MASK}]+)?)\s+"
	r"(?:likha|likh\s+diya|likh\s+dia|bola|bol\s+diya|type\s+kiya|type\s+kia|dala|daala|bheja)\b",
	re.I,
)
# "Swift ki jagah Baleno" (in place of Swift).
_INSTEAD_OF_BEFORE_RE = re.compile(
	rf"(?<![^\s,.;!?\n{MASK}])(?P<neg>[^\s,.;!?\n{MASK}]+)\s+(?:ki|ke)\s+(?:jagah|badle|jaga)\b", re.I
)
_CORRECTION_RE = re.compile(
	r"\b(?:sorry|actually|make\s+it|change\s+(?:it\s+)?to|changed?\s+to|correction|i\s+meant|"
	r"meant|galti\s+se|galat|wrong|instead|rather|update\s+(?:it\s+)?to|not\s+correct|"
	r"badal\s+(?:do|ke)|kar\s+do\s+instead)\b",
	re.I,
)


def _refuse_negated(text: _Text) -> bool:
	"""Blank out what the customer refused ("kal nahi", "not Swift") so that only the value
	they meant is read. True if the message corrects something."""
	negated = False
	for pattern in (_WRITTEN_BY_MISTAKE_RE, _NEGATED_BEFORE_RE, _NO_BEFORE_RE, _NEGATED_AFTER_RE, _INSTEAD_OF_BEFORE_RE):
		for match in list(pattern.finditer(text.text)):
			if pattern is _NEGATED_BEFORE_RE and match["neg"].lower() in _NOT_A_REFUSAL:
				continue
			text.take(match.start("neg"), match.end("neg"), "refused")
			negated = True
	return negated or bool(_CORRECTION_RE.search(text.original))


# "pata nahi" (don't know), "cancel mat karo", "I am busy" refuse no value.
_NOT_A_REFUSAL = frozenset(
	"pata cancel book booking karna karo hai ho abhi koi kuch mujhe hume bilkul bhi ye yeh wo woh "
	"i am i'm im hoon hun hu main mai hum we".split()
)


# ---------------------------------------------------------------- labels

# A label the customer writes decides the field of what follows it ("Address: ...").
_LABEL_WORDS: tuple[tuple[str, str], ...] = (
	(r"(?:full\s+|complete\s+|home\s+|delivery\s+|ghar\s+ka\s+)?(?:address|adress|addres|adres|addr|add\.|pata)", "address"),
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


def _read_labelled(text: _Text, result: Extraction, today: date, expecting: Sequence[str]) -> None:
	"""Read each labelled part for its own field only, and take it out of the text."""
	for segment in _labelled_segments(text.text):
		start, end, group = segment.start, segment.end, segment.group
		value = text.text[start:end]
		if group == "address":
			address = _tidy_address(text.written(start, end, keep=_ADDRESS_PARTS), stop_at_labels=False)
			if _put_address(result, address, today, LABEL):
				for part in ("pincode", "city"):
					if part in result.fields and result.basis.get(part) in (STATED, MENTION):
						result.basis[part] = LABEL
				city = CITY_RE.search(address)
				if city:
					_put(result, "city", CITIES[re.sub(r"[\s-]+", " ", city.group(1).lower())], today, basis=LABEL)
			elif address:
				_flag(result, "address", check_field("address", "x", today).error or "invalid")
		elif group in ("name", "first_name", "last_name"):
			if _SOMEBODY_ELSES_RE.search(text.text[max(0, segment.label_start - 25) : segment.label_start]):
				continue  # "driver ka naam Suresh hai": not the customer's
			found, words, offset = None, [], 0
			for clause in re.finditer(r"[^,;]+", value):
				tokens = [
					m for m in re.finditer(r"\S+", _SYMBOLS_RE.sub(" ", clause.group()))
					if MASK not in m.group() and m.group().lower() not in _EDIT_WORDS
				]
				words = [m.group() for m in tokens]
				found = _name_from_words(words)
				if found:
					offset = clause.start() + tokens[found[1] - 1].end()
					break
			if found:
				end = start + offset  # the name, not what follows it ("... hai aur meri gaadi Swift")
				names = found[0]
				if group == "name":
					_store_name(result, names, today, basis=LABEL)
				else:
					_put(result, group, " ".join(names), today, basis=LABEL, report=True)
			elif words:
				_flag(result, "first_name" if group == "name" else group, "Please send your name in letters only.")
		elif group == "vehicle":
			found = find_vehicle(value, vehicle_context=True)
			if not found:
				continue  # "Car is at Flat 12, ...": no car named, the text is for other readers
			for name in VEHICLE_FIELDS:
				if name in found:
					_put(result, name, found[name], today, basis=LABEL)
			if "vehicle_brand" in found and "vehicle_model" not in found:
				model = _unknown_model_after_brand(tokenize(value))
				if model:
					_put(result, "vehicle_model", model, today, basis=LABEL)
		elif group == "appointment_date":
			match = find_date(value, today)
			slot = parse_time_slot(value)  # "Date: 1st Dec 10am"
			if slot and _put(result, "time_slot", slot, today, basis=LABEL):
				_note_start_time(result, value)
			if match:
				_store_date(result, match.value, today, basis=LABEL)
			elif value.strip(f" {MASK}"):
				_flag(result, "appointment_date", "I couldn't read that date. Try 'tomorrow', 'next Monday' or '25/12'.")
		elif group == "time_slot":
			said = re.sub(r"^\s*(\d{1,2})\s*$", r"\1 baje", value)  # "Time: 10"
			slot = parse_time_slot(said)
			day = find_date(value, today)  # "Slot: kal 10 baje"
			if day:
				_store_date(result, day.value, today, basis=LABEL)
			if slot:
				if _put(result, "time_slot", slot, today, basis=LABEL):
					_note_start_time(result, said)
			elif find_out_of_hours_time(value) or value.strip(f" {MASK}"):
				_flag(result, "time_slot", _SLOT_PROBLEM)
		elif group == "service_type":
			_read_service(_Text(value), result, today, ("service_type",), basis=LABEL)
		elif group == "city":
			city = CITY_RE.search(value)
			name = CITIES[re.sub(r"[\s-]+", " ", city.group(1).lower())] if city else clean_text(value, 40)
			_put(result, "city", name, today, basis=LABEL)
		elif group in result.fields:  # phone, plate, pincode, email: read already, by their shape
			result.basis[group] = LABEL
		elif value.strip(f" {MASK}"):
			_flag(result, group, check_field(group, value, today).error or "invalid")
		text.take(segment.label_start, end, "label:" + group)


_ADDRESS_PARTS = frozenset({"pincode", "city"})


# ---------------------------------------------------------------- field readers


def _read_email(text: _Text, result: Extraction, today: date) -> None:
	for match in _EMAIL_RE.finditer(text.text):
		_put(result, "email", match.group(), today, basis=STATED)
		text.take(match.start(), match.end(), "email")


def _read_plate(text: _Text, result: Extraction, today: date, expecting: Sequence[str]) -> None:
	for match in _PLATE_RE.finditer(text.text):
		plate = normalize_plate(match.group())
		if plate:
			_put(result, "vehicle_plate", plate, today, basis=STATED)
			text.take(match.start(), match.end(), "vehicle_plate")
	if "vehicle_plate" in result.fields:
		return
	clearly_meant = "vehicle_plate" in expecting or bool(_PLATE_WORD_RE.search(text.text))
	for match in _PLATE_LIKE_RE.finditer(text.text):
		compact = re.sub(r"[\s.\-]", "", match.group())
		if clearly_meant or (match["state"].upper() in INDIAN_STATE_CODES and compact == match.group()):
			_flag(result, "vehicle_plate", check_field("vehicle_plate", compact, today).error or "invalid")
			text.take(match.start(), match.end(), "vehicle_plate")
			return


def _read_phone(
	text: _Text, result: Extraction, today: date, expecting: Sequence[str], sender_phone: str | None
) -> None:
	keyword = bool(_PHONE_WORD_RE.search(text.text)) or "phone" in expecting
	for match in _PHONE_RE.finditer(text.text):
		if match["bare"] and not keyword:
			# A bare 91XXXXXXXXXX is usually WhatsApp echoing the sender id, not a number given.
			text.take(match.start(), match.end(), "sender")
			continue
		phone = normalize_phone(match.group(), bare_abroad=False)  # typed: a "+" or 00 for abroad
		line_start = text.text.rfind("\n", 0, match.start()) + 1
		if phone and _SOMEBODY_ELSES_NUMBER_RE.search(text.text[max(line_start, match.start() - 30) : match.start()]):
			text.take(match.start(), match.end(), "other-phone")  # "my driver Ramesh 98220...": not theirs
			continue
		if phone:
			_put(result, "phone", phone, today, basis=STATED)
			text.take(match.start(), match.end(), "phone")
	if "phone" in result.fields:
		return
	attempt = _PHONE_ATTEMPT_RE.search(text.text)
	if attempt:
		_flag(result, "phone", check_field("phone", attempt["digits"], today).error or "invalid")
		text.take(attempt.start("digits"), attempt.end("digits"), "phone")
		return
	if "phone" in expecting:
		own = sender_phone_number(sender_phone) if _SAME_NUMBER_RE.search(text.text) else None
		if own:
			_put(result, "phone", own, today, basis=ANSWER)
		elif _DIGITS_ONLY_RE.match(text.text.strip()):
			_flag(result, "phone", check_field("phone", text.text, today).error or "invalid")
			text.take(0, len(text.text), "phone")


# "Bengaluru 560 102": a pincode written in two groups, after a city or a pincode word.
_SPACED_PINCODE_RE = re.compile(
	rf"(?:(?<={MASK})|\b(?:{'|'.join(re.escape(c) for c in sorted(CITIES, key=len, reverse=True))})\b[\s,\-]*)"
	rf"(?P<digits>[1-9]\d{{2}}\s\d{{3}})(?![\w{MASK}])",
	re.I,
)


def _read_pincode(text: _Text, result: Extraction, today: date, expecting: Sequence[str]) -> None:
	for match in _PINCODE_ATTEMPT_RE.finditer(text.text):
		digits = re.sub(r"\s", "", match["digits"])
		if normalize_pincode(digits):
			_put(result, "pincode", digits, today, basis=STATED)
		else:
			_flag(result, "pincode", check_field("pincode", digits, today).error or "invalid")
		text.take(match.start("digits"), match.end("digits"), "pincode")
	for pattern in (_PINCODE_RE, _SPACED_PINCODE_RE):
		for match in pattern.finditer(text.text):
			_put(result, "pincode", re.sub(r"\s", "", match["digits"]), today, basis=STATED)
			text.take(match.start("digits"), match.end("digits"), "pincode")
	if "pincode" not in result.fields and "pincode" in expecting and "pincode" not in result.invalid:
		lone = re.fullmatch(r"\s*(\d{3}\s?\d{3}|\d{3,8})\s*[.!]*\s*", text.text)
		if lone:
			digits = re.sub(r"\s", "", lone.group(1))
			if not _put(result, "pincode", digits, today, basis=ANSWER):
				_flag(result, "pincode", check_field("pincode", digits, today).error or "invalid")
			text.take(0, len(text.text), "pincode")


def _after_last_correction(text: str) -> int:
	"""Where the text after the last "sorry" / "make it" / "actually" starts (0 if none)."""
	cues = list(_CORRECTION_RE.finditer(text))
	return cues[-1].end() if cues else 0


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


def _read_date(text: _Text, result: Extraction, today: date, expecting: Sequence[str]) -> None:
	address_reply = "address" in expecting and "appointment_date" not in expecting
	tail = _after_last_correction(text.text) if result.correction else 0
	match = find_date(text.text[tail:], today, numeric=not address_reply) if tail else None
	if match:  # "I said Tuesday, make it Thursday": the corrected day
		_store_date(result, match.value, today)
		text.take(match.start + tail, match.end + tail, "appointment_date")
		return
	match = find_date(text.text, today, numeric=not address_reply)
	while match and _not_a_booking_date(text.text, match.start, match.end):
		text.take(match.start, match.end, "not-a-booking-date")
		match = find_date(text.text, today, numeric=not address_reply)
	if match is None:
		if "appointment_date" in expecting:
			bare = _BARE_NUMBER_RE.match(text.text)
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
					_store_date(result, match.value, today)
					text.take(0, len(text.text), "appointment_date")
		return
	_store_date(result, match.value, today)
	text.take(match.start, match.end, "appointment_date")


def _store_date(result: Extraction, value: date | None, today: date, basis: str = MENTION) -> None:
	if value is None:
		_flag(
			result, "appointment_date", "There is no such date. Please check the day and month (e.g. 25/12)."
		)
	else:
		_put(result, "appointment_date", value, today, report=True, basis=basis)


_SLOT_PROBLEM = "We work 6 am to 6 pm, in one-hour slots like 10:00-11:00. Which one suits you?"


def _read_time(text: _Text, result: Extraction, today: date, expecting: Sequence[str]) -> None:
	bound = time_bound(text.text)
	if bound:
		# "after 4", "4 baje ke baad": a bound, not a time (the free slots after it are offered);
		# another time in the message is still read
		for mention in find_times(text.text):
			if mention.start < bound[2] and mention.end > bound[1]:
				text.take(mention.start, mention.end, "time_slot")
	tail = _after_last_correction(text.text) if result.correction else 0
	said = (text.text[tail:] if tail and parse_time_slot(text.text[tail:]) else text.text)
	slot = parse_time_slot(said)
	if slot:
		if _put(result, "time_slot", slot, today):
			_note_start_time(result, said)
	elif find_out_of_hours_time(text.text):
		_flag(result, "time_slot", _SLOT_PROBLEM)
	elif "time_slot" in expecting:
		# "10" answers "what time?"; "not 10, make it 11": the hour after the correction
		bare = _BARE_NUMBER_RE.match(text.text) or _BARE_NUMBER_RE.match(text.text[tail:])
		if bare and not re.search(r"tarikh|st\b|nd\b|rd\b|th\b", text.text, re.I):
			slot = parse_time_slot(f"{int(bare['n'])} baje")
			if slot:
				_put(result, "time_slot", slot, today)
			else:
				_flag(result, "time_slot", _SLOT_PROBLEM)
			text.take(0, len(text.text), "time_slot")
	for mention in find_times(text.text):
		text.take(mention.start, mention.end, "time_slot")


def _note_start_time(result: Extraction, said: str) -> None:
	start = parse_start_time(said)
	if start is not None and start.minute:
		result.start_time = f"{start:%H:%M}"


def _is_name_word(word: str) -> bool:
	lower = word.lower().rstrip(".")
	if re.search(r"'s$|’s$", lower):
		return False  # "Rahul's driver": somebody else's
	if len(lower) == 1:
		return lower.isalpha()  # an initial ("Ravi K."); callers require a longer first word
	if (
		lower in NOT_NAMES
		or lower in CITY_WORDS
		or lower in LOCALITIES
		or lower in ADDRESS_WORDS
		or lower in _HONORIFICS
	):
		return False
	if len(lower) >= 6 and lower.endswith("ing"):
		return False  # "looking", "calling"
	if read_intent(word).intent is not None:
		return False
	return not is_vehicle_word(word)


def _name_from_words(words: list[str]) -> tuple[list[str], int] | None:
	"""Up to three name words from the start of `words` (after "Mr", "Dr"...) and how many
	words that used, or None if the first is no name."""
	skipped = 0
	while skipped < len(words) and words[skipped].lower().rstrip(".") in _HONORIFICS:
		skipped += 1
	taken: list[str] = []
	for word in words[skipped : skipped + 3]:
		if word.lower() in _NAME_ENDERS or not _is_name_word(word):
			break
		taken.append(word.rstrip("."))
	if not taken or len(taken[0]) < 2:
		return None
	following = words[skipped + len(taken) : skipped + len(taken) + 2]
	ends_sentence = words[skipped + len(taken) - 1].endswith((".", ",", ";"))  # "I am Vikram Singh. House 221"
	if not ends_sentence and any(w.lower().strip(".,") in ADDRESS_WORDS for w in following):
		return None  # "Green Park Society", "Dr Ambedkar Road": a place, not a person
	return taken, skipped + len(taken)


def _store_name(
	result: Extraction, words: list[str], today: date, expecting: Sequence[str] = (), basis: str = STATED
) -> bool:
	if len(words) == 1:
		target = "last_name" if "last_name" in expecting and "first_name" not in expecting else "first_name"
		return _put(result, target, words[0], today, basis=basis)
	first_ok = _put(result, "first_name", " ".join(words[:-1]), today, basis=basis)
	last_ok = _put(result, "last_name", words[-1], today, basis=basis)
	return first_ok or last_ok


def _take_words(text: _Text, match: re.Match, count: int) -> None:
	word_ends = [m.end() for m in re.finditer(r"\S+", match["name"])]
	text.take(match.start("name"), match.start("name") + word_ends[count - 1], "name")


def _read_name_pattern(text: _Text, result: Extraction, today: date) -> None:
	for pattern in (_NAME_HERE_RE, _MAIN_HOON_RE):
		match = pattern.search(text.text)
		if match:
			words = [w.rstrip(".") for w in match["name"].split()]
			if all(_is_name_word(w) for w in words) and _store_name(result, words, today):
				text.take(match.start("name"), match.end("name"), "name")
				return
	for match in _NAME_INTRO_RE.finditer(text.text):
		if _SOMEBODY_ELSES_RE.search(text.text[max(0, match.start("intro") - 25) : match.start("intro")]):
			continue  # "driver ka naam Suresh hai", "my friend's name is"
		words = match["name"].split()
		intro = re.sub(r"\s+", " ", match["intro"].lower())
		if intro == "this is" and not (words[0][:1].isupper() or _ends_after(text.text, match, len(words))):
			continue  # "this is urgent": only a capitalised word or one ending the message
		found = _name_from_words(words)
		if found and _store_name(result, found[0], today):
			_take_words(text, match, found[1])
			return
	for match in _HONORIFIC_NAME_RE.finditer(text.text):
		if _LANDMARK_BEFORE_RE.search(text.text[max(0, match.start() - 12) : match.start()]):
			continue  # "near Dr. Sharma clinic": a landmark in an address
		found = _name_from_words(match["name"].split())
		after = text.text[match.start("name") :].split()[found[1] : found[1] + 2] if found else []
		if any(w.lower() in _THIRD_PERSON for w in after):
			continue  # "Mr. Bhatia ne recommend kiya": somebody else
		if found and _store_name(result, found[0], today):
			_take_words(text, match, found[1])
			return


def _ends_after(text: str, match: re.Match, count: int) -> bool:
	rest = text[match.start("name") :].split()
	return len(rest) <= count + 1


def _read_name_reply(text: _Text, result: Extraction, today: date, expecting: Sequence[str]) -> None:
	"""The bot asked for the name: a short reply of name words is the name. Never a place:
	a clause that names one is skipped, and with a place in the message a lone word is too
	("Baner, Pune" and "Wakad, near Phoenix mall" are where the customer is, not who)."""
	if "?" in text.original:
		return  # "naam kyu chahiye?" asks, it does not answer
	place_in_message = looks_like_place(text.original)
	if re.search(r"\b(?:surname|last\s+name)\b", text.original, re.I):
		expecting = ("last_name",)
	editing = read_intent(text.original).intent is Intent.EDIT
	for clause in re.split(rf"[,;\n|{MASK}]+|\s[-–—]+\s|:", text.text):
		clause = _SYMBOLS_RE.sub(" ", clause)  # "Mohit Agarwal 👍"
		if editing:  # "change my name to Rohit", "naam galat hai, Rohit"
			clause = " ".join(w for w in clause.split() if w.lower().strip(".") not in _EDIT_WORDS)
		clause = _LEADING_FILLER_RE.sub("", clause.strip())
		clause = _strip_tail(clause, _TRAILING_NAME_CHARS, _TRAILING_NAME_WORD_RE).strip()
		if not clause:
			continue
		words = clause.split()
		if (
			not 1 <= len(words) <= 3
			or not all(re.fullmatch(_NAME_WORD, w) for w in words)
			or len(words[0].rstrip(".")) < 2
		):
			continue
		if any(not _is_name_word(w) for w in words) or _names_a_car(clause) or looks_like_place(clause):
			continue
		if place_in_message and len(words) < 2:
			continue
		if _store_name(result, [w.strip(".") for w in words], today, expecting, basis=ANSWER):
			position = text.text.find(clause)
			if position >= 0:
				text.take(position, position + len(clause), "name")
			return


def is_person_name(value: str) -> bool:
	"""Could this be a person's name: name words only, no place, no car ("Baner Pune" is not)."""
	words = value.split()
	return bool(words) and all(_is_name_word(w) for w in words) and not _names_a_car(value) and not (
		looks_like_place(value)
	)


def _names_a_car(text: str) -> bool:
	"""A brand or an unambiguous model ("Wagon R", "Maruti", "Tata Punch"), not "Sunny" or "Hector"."""
	found = find_vehicle(text, exact=True)
	model = found.get("vehicle_model")
	brand_written = any(token in BRAND_ALIASES for token in tokenize(text))
	return bool(model and (model not in AMBIGUOUS_MODELS or brand_written)) or (
		"vehicle_brand" in found and not model
	)


# Words of an edit request, around the new value ("please change my last name to Verma").
_EDIT_WORDS = frozenset(
	"edit change changes update correct correction modify badlo badal badalna badal do karo kar "
	"ke galat wrong incorrect sahi nahi hai h is to as into se ko please pls plz my mera meri the "
	"name naam first last surname spelling it likho likhiye likhna likhe likh likha dalo daalo kijiye karein "
	"karna chahiye tha it's its that's thats not".split()
)
_SYMBOLS_RE = re.compile(r"[^\w\s.'\-\u0900-\u0DFF]")


def _read_vehicle(text: _Text, result: Extraction, today: date, expecting: Sequence[str]) -> None:
	asked = any(f in expecting for f in VEHICLE_FIELDS)
	found = find_vehicle(text.text, vehicle_context=asked or "vehicle_plate" in result.fields)
	for name in VEHICLE_FIELDS:
		if name in found:
			_put(result, name, found[name], today)
	if "vehicle_type" in expecting and "vehicle_type" not in result.fields:
		choice = match_choice(text.plain(), VEHICLE_TYPES)
		if choice:
			_put(result, "vehicle_type", choice, today)
	if asked and "vehicle_brand" in found and "vehicle_model" not in found:
		model = _unknown_model_after_brand(tokenize(text.plain()))
		if model:
			_put(result, "vehicle_model", model, today)


def _unknown_model_after_brand(tokens: list[str]) -> str | None:
	"""A brand we know with a model we don't ("Hyundai Santa Fe" -> "Santa Fe")."""
	for i, token in enumerate(tokens):
		if token in BRAND_ALIASES:
			after: list[str] = []
			for word in tokens[i + 1 : i + 3]:
				if word in NOT_NAMES or word in VEHICLE_TYPE_WORDS or word in BRAND_ALIASES:
					break
				after.append(word)
			if after and all(re.fullmatch(r"[a-z0-9-]{1,15}", w) for w in after):
				return " ".join(w.capitalize() if w.isalpha() else w.upper() for w in after)
			return None
	return None


def service_mention_blocked(text: str, start: int, end: int) -> bool:
	"""A service named in a price question or said no to ("premium ka rate kya hai?", "foam
	wash nahi") is not chosen: the same guard for the kinds the rules know and for a catalog's
	own names (`engine/offer.py`)."""
	return bool(
		_PRICE_QUESTION_RE.search(text)
		or _SERVICE_NEGATION_RE.match(text[end : end + 20])
		or _SERVICE_NEGATION_BEFORE_RE.search(text[max(0, start - 20) : start])
	)


def _read_service(
	text: _Text, result: Extraction, today: date, expecting: Sequence[str], basis: str = MENTION
) -> None:
	asked = "service_type" in expecting
	source = text.text
	if basis != LABEL and _PRICE_QUESTION_RE.search(source):
		return  # "premium ka rate kya hai?" asks about a service, it does not choose one
	for pattern, service in _SERVICE_CLEAR:
		for match in pattern.finditer(source):
			if _SERVICE_NEGATION_RE.match(
				source[match.end() : match.end() + 20]
			) or _SERVICE_NEGATION_BEFORE_RE.search(source[max(0, match.start() - 20) : match.start()]):
				continue
			if _put(result, "service_type", service, today, basis=basis):
				return
	for token in tokenize(source):
		typo = close_match(token, _SERVICE_TYPO_WORDS)
		if typo and _put(result, "service_type", _SERVICE_TYPOS[typo], today, basis=basis):
			return
	for pattern, service in _SERVICE_WHEN_ASKED if asked else ():
		if pattern.search(source) and _put(result, "service_type", service, today, basis=basis):
			return
	if asked:
		choice = match_choice(text.plain(), SERVICE_TYPES)
		if choice:
			_put(result, "service_type", choice, today, basis=basis)


def _read_city(text: _Text, result: Extraction, today: date) -> None:
	# A city inside an address counts too; the last one named: "near Delhi Public School,
	# Sector 45, Gurugram" is in Gurugram.
	matches = list(CITY_RE.finditer(text.as_written()))
	match = matches[-1] if matches else None
	if match:
		key = re.sub(r"[\s-]+", " ", match.group(1).lower())
		_put(result, "city", CITIES[key], today)


def _tidy_address(raw: str, stop_at_labels: bool = True) -> str:
	if stop_at_labels:
		stop = _ADDRESS_STOP_RE.search(raw)
		raw = raw[: stop.start()] if stop else raw
	raw = _after_the_pincode_cut(raw.split("\n")[0])
	address = re.sub(rf"\s*{MASK}+\s*", ", ", raw)
	address = re.sub(r"\s*(?:,\s*)+", ", ", address)
	address = _strip_tail(address, _ADDRESS_TRAILING_CHARS, _ADDRESS_TRAILING_WORD_RE)
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
	"""", sir", ". thank you ji": polite words closing an address, with what separates them."""
	cut = _tail_start(text, _POLITE_SEPARATORS, _POLITE_END_WORD_RE)
	return text if cut == len(text) else text[:cut].rstrip(_POLITE_SEPARATORS)


def _put_address(result: Extraction, address: str, today: date, basis: str = MENTION) -> bool:
	if "?" in address or len(re.findall(r"[^\W\d_]", address)) < 3:
		return False  # a question, or digits and symbols alone, are no address
	return _put(result, "address", address, today, basis=basis)


def _read_address(
	text: _Text, result: Extraction, today: date, expecting: Sequence[str], only_intent: bool
) -> None:
	match = _ADDRESS_INTRO_RE.search(text.text)
	if match:
		address = _tidy_address(text.written(match.start("rest"), len(text.text), keep=_ADDRESS_PARTS))
		if _put_address(result, address, today, STATED):
			text.take(match.start("rest"), match.start("rest") + _span_of(text, match.start("rest")), "address")
			return
	match = _REHTA_RE.search(text.text)
	if match:
		start = max(0, match.start() - 200)
		before = re.split(rf"[.;\n|]", text.written(start, match.start(), keep=_ADDRESS_PARTS))[-1]
		if _put_address(result, _tidy_address(before), today, STATED):
			return
	if "address" not in expecting or only_intent or "?" in text.text:
		_read_loose_address(text, result, today)
		return
	# The bot asked for the address: the reply is the address, minus what was taken out for
	# other fields (a pincode or a city is part of the address and stays in it).
	address = _tidy_address(text.written(0, len(text.text), keep=_ADDRESS_PARTS).replace("\n", ", "), False)
	own_words = [w for w in _CONTENT_RE.findall(text.plain().lower()) if w not in NOT_NAMES and not w.isdigit()]
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
	if _put_address(result, address, today, ANSWER):
		text.take(0, len(text.text), "address")


def _span_of(text: _Text, start: int) -> int:
	"""How far an address clause starting at `start` runs (to a stop word or the line's end)."""
	stop = _ADDRESS_STOP_RE.search(text.original, start)
	end = stop.start() if stop else len(text.original)
	return end - start


def _read_loose_address(text: _Text, result: Extraction, today: date) -> None:
	"""An address given before the bot asked for it: from a house number ("Flat 4B", "B-204",
	"Sector 50") through the clauses that name places. Kept only with clear signs of an
	address (see `places.looks_like_address`); a place alone ("Baner, Pune") is no address to
	wash a car at, and the bot still asks for it."""
	clauses = [(m.start(), m.end()) for m in re.finditer(r"[^,\n]+", text.text)]
	run: list[tuple[int, int]] = []
	gap: list[tuple[int, int]] = []  # building names between the number and the street
	for start, end in clauses + [(len(text.text), len(text.text))]:
		written = text.written(start, end, keep=_ADDRESS_PARTS)
		house = HOUSE_NUMBER_RE.search(text.text, start, end) if end > start else None
		if end > start and (house or run and looks_like_place(written)) and not _CLAUSE_NOT_ADDRESS_RE.search(written):
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
			address = _tidy_address(text.written(first, last, keep=_ADDRESS_PARTS))
			if looks_like_address(address) and _put_address(result, address, today, MENTION):
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


def _read_notes(text: _Text, result: Extraction, today: date) -> None:
	match = _NOTES_RE.search(text.text)
	if match:
		_put(result, "notes", match["rest"].replace(MASK, "").strip(), today, basis=LABEL)
		text.take(match.start(), match.end(), "notes")


# ---------------------------------------------------------------- entry point


def _names_value(name: str, refused: str, value: str, today: date) -> bool:
	"""Does the refused text name this stored date or time ("kal" for tomorrow, "10" for 10:00)?"""
	if name == "time_slot":
		return value in (parse_time_slot(refused), parse_time_slot(f"{refused} baje"))
	if name == "appointment_date":
		match = find_date(refused, today)
		return bool(match and match.value and match.value.isoformat() == value)
	return False


def _fields_corrected(
	text: _Text, result: Extraction, known: Mapping[str, str | None], today: date
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
_CONTENT_RE = re.compile(r"[^\W\d_]{2,}|\d+")
# Words around a value that ask for it, not about something else ("please come on Friday").
_POLITE = frozenset(
	"come coming aana aao aa jana jao jaiye aaiye go with works work better instead can could would "
	"make it then prefer preferred lets let's rather kar karo kardo karna rakh rakho rakhna rakhiye "
	"book booking slot lelo le lo lena chalega chalegi theek fine perfect best good "
	"wait hold on minute sec ek one oops hmm arre arey actually sorry".split()
) | _ALIAS_WORDS


def _settle_bases(result: Extraction, work: _Text, expecting: Sequence[str]) -> None:
	"""Upgrade each value's basis by what the message as a whole says about its field."""
	leftover = [w for w in _CONTENT_RE.findall(work.plain().lower()) if w not in NOT_NAMES and w not in _POLITE]
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
	cleaned = _sanitise(text)
	if not cleaned:
		return result
	expecting = tuple(expecting or ())
	written = cleaned
	cleaned, positions = read_indic_mapped(written)
	reading = read_intent(cleaned)
	result.intent = reading.intent
	if reading.intent is Intent.EDIT:
		result.edit_field = edit_target(cleaned)
	only_intent = reading.intent is not None and not reading.content_words

	work = _Text(cleaned, written, positions)
	result.correction = _refuse_negated(work)
	expecting = expecting + _fields_corrected(work, result, known or {}, today)
	# Values with a shape of their own first: they cannot be misread as another field.
	_read_email(work, result, today)
	_read_plate(work, result, today, expecting)
	_read_phone(work, result, today, expecting, sender_phone)
	_read_pincode(work, result, today, expecting)
	_read_labelled(work, result, today, expecting)
	_read_date(work, result, today, expecting)
	_read_time(work, result, today, expecting)
	_read_name_pattern(work, result, today)
	if (
		not only_intent
		and any(f in expecting for f in NAME_FIELDS)
		and not any(f in result.fields for f in NAME_FIELDS)
	):
		if "address" not in expecting:
			# "B-204, Rohan Leher, Baner Road" sent for the name: the address first, so that
			# its building never becomes the name
			_read_loose_address(work, result, today)
		_read_name_reply(work, result, today, expecting)
	_read_notes(work, result, today)
	_read_address(work, result, today, expecting, only_intent)
	_read_vehicle(work, result, today, expecting)
	_read_service(work, result, today, expecting)
	_read_city(work, result, today)
	_settle_bases(result, work, expecting)
	return result
