"""What every reader shares: the message as a `Text` (the mapped text, what was written, and
the spans already taken), the `Extraction` it fills, the `Context` it is read in, and why a
value was read (its basis: a label, a correction, an answer, stated, or a mention)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from yawlit_bot.engine.intents import Intent
from yawlit_bot.engine.validation import (
	check_field,
	clean_text,
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


@dataclass(frozen=True)
class Context:
	"""What every reader is told besides the text: the day it is, the fields the bot just asked
	for (a bare reply counts for them), the sender's own number, and whether the message is only
	an intent ("yes", "change it") with no booking words."""

	today: date
	expecting: tuple[str, ...] = ()
	sender_phone: str | None = None
	only_intent: bool = False


_SCRIPT_RE = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.I | re.S)

_TAG_RE = re.compile(r"<[^<>]{0,200}>|[<>]")

# Trailing filler is stripped from the end backwards, a word at a time. As one `(?:...)+$`
# pattern it was tried from every position of a long message, quadratic (or worse) in its length.
_TAIL_WORD_REACH = 24  # the longest filler word ("thank  you") fits in this many characters


def tail_start(text: str, chars: str, words: re.Pattern) -> int:
	"""Where the trailing filler of `text` starts: `chars` and whole words `words` finds at
	the end (it is anchored with `$`), the last word taken last; len(text) when there is none."""
	cut = len(text)
	while True:
		stripped = text[:cut].rstrip(chars)
		word = words.search(stripped, max(0, len(stripped) - _TAIL_WORD_REACH))
		if not word:
			return cut
		cut = word.start()


def strip_tail(text: str, chars: str, words: re.Pattern) -> str:
	"""`text` less its trailing filler (characters of `chars`, words `words` finds at the end)."""
	return text[: tail_start(text, chars, words)].rstrip(chars)


class Text:
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
		return self.written(
			0, len(self.original), keep=frozenset(k for _, _, k in self.spans if k != "refused")
		)

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


def sanitise(raw: object) -> str:
	text = "" if raw is None else str(raw)
	text = text[: MAX_INPUT * 2]
	text = _SCRIPT_RE.sub(" ", text)
	text = _TAG_RE.sub(" ", text)
	text = text.replace(MASK, " ")
	# Keep new lines (they end an address clause); clean every line on its own.
	lines = [clean_text(line, MAX_INPUT) for line in text.splitlines()]
	return "\n".join(line for line in lines if line)[:MAX_INPUT]


def put(
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


def flag(result: Extraction, name: str, reason: str) -> None:
	if name not in result.fields and name not in result.invalid:
		result.invalid[name] = reason


# Words of an edit request, around the new value ("please change my last name to Verma").
EDIT_WORDS = frozenset(
	"edit change changes update correct correction modify badlo badal badalna badal do karo kar "
	"ke galat wrong incorrect sahi nahi hai h is to as into se ko please pls plz my mera meri the "
	"name naam first last surname spelling it likho likhiye likhna likhe likh likha dalo daalo kijiye karein "
	"karna chahiye tha it's its that's thats not".split()
)

SYMBOLS_RE = re.compile(r"[^\w\s.'\-\u0900-\u0DFF]")

CONTENT_RE = re.compile(r"[^\W\d_]{2,}|\d+")
