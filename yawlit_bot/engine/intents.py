"""What a message means as an action: confirm, edit, cancel, greet, deny, thank.

A word only counts when it stands clearly. Strong words (cancel, edit/change with a field,
thanks) count anywhere; acknowledgements ("ok", "haan", "yes") count only when the message
is nothing else, so "ok my name is Ravi" carries a name, not a confirmation.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from yawlit_bot.engine.fields import FIELD_ALIASES
from yawlit_bot.engine.vocab import close_match


class Intent(str, enum.Enum):
	CONFIRM = "confirm"
	EDIT = "edit"
	CANCEL = "cancel"
	GREETING = "greeting"
	DENY = "deny"
	THANKS = "thanks"


# When several intents appear, the first in this order wins.
PRECEDENCE: tuple[Intent, ...] = (
	Intent.CANCEL,
	Intent.EDIT,
	Intent.CONFIRM,
	Intent.DENY,
	Intent.THANKS,
	Intent.GREETING,
)

# How clearly a phrase must stand to count:
ANYWHERE = "anywhere"  # counts wherever it appears
SHORT = "short"  # counts if at most two other words come with it ("yes confirm it for tomorrow")
ALONE = "alone"  # counts only if everything else is filler ("haan ji", "ok")
AT_START = "at_start"  # greetings: first word of the message, or alone
WITH_FIELD = "with_field"  # edit words: alone, first word, or next to a field name

_PHRASES: dict[Intent, dict[str, str]] = {
	Intent.CANCEL: {
		**dict.fromkeys(
			"cancel cancle cancell cancl cancelled canceled cancellation abort "
			"band_karo band_kar_do band_kardo band_kr_do rehne_do rahne_do rehene_do rehnedo rhne_do rehne_dijiye".split(),
			ANYWHERE,
		),
		**dict.fromkeys(
			"nahi_chahiye nahin_chahiye nhi_chahiye nai_chahiye nahi_karna nhi_karna dont_want don't_want "
			"do_not_want not_interested no_need not_needed".split(),
			ALONE,
		),
	},
	Intent.EDIT: dict.fromkeys(
		"edit change changes badlo badal badalna badalni badal_do badlna badli badlni modify update "
		"galat wrong incorrect correction galti not_correct sahi_nahi theek_nahi thik_nahi not_right".split(),
		WITH_FIELD,
	),
	Intent.CONFIRM: {
		**dict.fromkeys(
			"confirm confirmed confirmm conform book_karo book_kar_do book_kardo book_kr_do book_krdo "
			"book_karna book_kar_dijiye book_kijiye book_it book_now go_ahead proceed".split(),
			SHORT,
		),
		**dict.fromkeys(
			"yes yess yesss yeah yea yep yup ya yah haan han ha haa haaan haanji hanji ji jee ok okay okk "
			"okkk okey okie k kk theek_hai thik_hai theek_h thik_h thik theek thek sahi_hai sahi correct "
			"right done sure fine bilkul chalega chalo all_good looks_good sounds_good".split(),
			ALONE,
		),
	},
	Intent.DENY: dict.fromkeys("no nahi nahin nhi nai nope nah na".split(), ALONE),
	Intent.THANKS: dict.fromkeys(
		"thanks thank thank_you thankyou thanku thnx thx thanx tq ty shukriya shukria dhanyavad "
		"dhanyawad dhanyavaad dhanyabad".split(),
		ANYWHERE,
	),
	Intent.GREETING: dict.fromkeys(
		"hi hii hiii hiiii hello helo hellow hallo hlo hey heyy heyyy hey_there namaste namaskar namaskaar "
		"good_morning good_afternoon good_evening gud_morning gm hola salaam sat_sri_akal ram_ram".split(),
		AT_START,
	),
}

_PHRASE_TABLE: dict[tuple[str, ...], tuple[Intent, str]] = {
	tuple(phrase.split("_")): (intent, strength)
	for intent, phrases in _PHRASES.items()
	for phrase, strength in phrases.items()
}
_LONGEST_PHRASE = max(len(words) for words in _PHRASE_TABLE)

# Words whose typos count ("confrim", "cancle", "thnaks"); kept short on purpose, since a
# longer list starts catching real words ("about" is one letter from "abort").
_FUZZY_WORDS: tuple[str, ...] = (
	"confirm",
	"confirmed",
	"cancel",
	"cancelled",
	"thanks",
	"thankyou",
	"namaste",
	"namaskar",
	"shukriya",
	"dhanyavad",
	"dhanyawad",
	"correct",
	"change",
	"modify",
	"hello",
	"proceed",
)
# Real words one letter away from an intent word.
_NOT_INTENT_TYPOS = frozenset(
	"charge charged charges chance chances cancer thinks thanka hellos heloo helps hells chang "
	"changa concern correctly current modal model badly".split()
)

# Words that carry no content of their own: they neither make nor break an intent.
_FILLER = frozenset(
	"please pls plz plss plzz kindly sir madam mam maam ma'am bhai bhaiya bhaiyya bhaisaab bro dude yaar "
	"boss dear the a an it its it's is this that thats that's all everything sab sabhi details detail "
	"booking bookings order appointment my me mera meri mere mujhe hume humko mujhko now abhi just "
	"go then toh to so and aur bhi also kar karo kr kardo krdo kijiye kijie karein karen karna karni "
	"dijiye do de dena hai h he hain ho hoga hogi gaya gya gayi thi tha raha rahi i want wanna would "
	"like can could you we need ek kya ye yeh woh wo vo ab sakte sakta sakti for again once very much "
	"lot your ur u then there great nice cool awesome perfect good hmm hm hmmm oh ohh acha accha achha "
	"achcha thik theek ek baar wala wali le lo liya lijiye everything's that's all set".split()
)
_NEGATIONS_BEFORE = frozenset("dont don't not mat na never".split())
_NEGATIONS_AFTER = frozenset("mat nahi nhi nahin na".split())
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_EMOJI_WORDS = {"👍": " ok ", "👌": " ok ", "✅": " ok ", "🙏": " thanks ", "❌": " no "}


@dataclass(frozen=True)
class IntentReading:
	"""An intent read from a message and how much else the message says."""

	intent: Intent | None
	content_words: tuple[str, ...]  # words that are neither intent nor filler
	intents: frozenset[Intent]


def _tokens(text: str) -> list[str]:
	for emoji, word in _EMOJI_WORDS.items():
		text = text.replace(emoji, word)
	tokens = _TOKEN_RE.findall(text.lower()[:2000])
	return [
		re.sub(r"^(h+i+)$", "hi", t) if t.startswith("hi") and set(t) <= {"h", "i"} else t for t in tokens
	]


_ALIAS_WORDS = frozenset(
	word for aliases in FIELD_ALIASES.values() for alias in aliases for word in re.split(r"[\s-]+", alias)
)


def read_intent(text: str | None) -> IntentReading:
	"""The message's intent (by precedence) with the words that are not intent or filler."""
	tokens = _tokens(str(text or ""))
	found: list[tuple[Intent, str, int, int]] = []  # (intent, strength, start, length)
	covered: set[int] = set()
	i = 0
	while i < len(tokens):
		hit = None
		for n in range(min(_LONGEST_PHRASE, len(tokens) - i), 0, -1):
			words = tuple(tokens[i : i + n])
			if words in _PHRASE_TABLE:
				hit = (*_PHRASE_TABLE[words], n)
				break
		if hit is None:
			typo = close_match(tokens[i], _FUZZY_WORDS, _NOT_INTENT_TYPOS)
			if typo:
				hit = (*_PHRASE_TABLE[(typo,)], 1)
		if hit:
			intent, strength, n = hit
			found.append((intent, strength, i, n))
			covered.update(range(i, i + n))
			i += n
		else:
			i += 1

	has_edit = any(intent is Intent.EDIT for intent, _, _, _ in found)
	content = tuple(
		t
		for j, t in enumerate(tokens)
		if j not in covered and t not in _FILLER and not (has_edit and t in _ALIAS_WORDS)
	)
	question = "?" in str(text or "")
	field_named = any(t in _ALIAS_WORDS for t in tokens)
	counted: set[Intent] = set()
	for intent, strength, start, n in found:
		if intent is Intent.CANCEL and _negated(tokens, start, n):
			continue
		alone = not content
		if (
			strength == ANYWHERE
			or (strength == ALONE and alone)
			or (strength == SHORT and (alone or (len(content) <= 2 and not question)))
			or (strength == AT_START and (alone or start == 0))
			or (strength == WITH_FIELD and (alone or start == 0 or field_named))
		):
			counted.add(intent)
	intent = next((i for i in PRECEDENCE if i in counted), None)
	return IntentReading(intent, content, frozenset(counted))


def _negated(tokens: list[str], start: int, n: int) -> bool:
	""" "don't cancel", "cancel mat karo", "cancel nahi karna"."""
	before = tokens[max(0, start - 1) : start]
	after = tokens[start + n : start + n + 2]
	return bool(set(before) & _NEGATIONS_BEFORE or set(after) & _NEGATIONS_AFTER)


def detect_intent(text: str | None) -> Intent | None:
	"""The intent the message clearly expresses, or None (precedence: cancel > edit >
	confirm > deny > thanks > greeting)."""
	return read_intent(text).intent


def is_only_intent(text: str | None) -> bool:
	"""True if the message is an intent and nothing else ("haan ji", "ok thanks", "hi")."""
	reading = read_intent(text)
	return reading.intent is not None and not reading.content_words


# Aliases longest first, so "number plate" beats "number" and "last name" beats "name".
_ALIASES: tuple[tuple[str, str], ...] = tuple(
	sorted(
		((alias, field) for field, aliases in FIELD_ALIASES.items() for alias in aliases),
		key=lambda a: -len(a[0]),
	)
)
_ALIAS_RE = re.compile(
	r"(?<![\w-])(" + "|".join(re.escape(alias) for alias, _ in _ALIASES) + r")(?![\w-])(?!\s+it\b)", re.I
)
_ALIAS_FIELD = {alias: field for alias, field in _ALIASES}
_EDIT_WORD_RE = re.compile(
	r"\b(?:edit|change|changes|badlo|badal|badalna|badalni|badlna|badli|badlni|modify|update|galat|wrong|"
	r"incorrect|correction|galti|sahi\s+nahi|theek\s+nahi|thik\s+nahi|not\s+correct|not\s+right)\b",
	re.I,
)


def edit_target(text: str | None) -> str | None:
	"""The field named next to an edit word ("edit date" -> appointment_date, "time badlo" ->
	time_slot), or a field named alone ("date"); None otherwise."""
	text = str(text or "")[:2000]
	aliases = [(m.start(), m.end(), _ALIAS_FIELD[m.group(1).lower()]) for m in _ALIAS_RE.finditer(text)]
	aliases = [
		a for a in aliases if not (a[2] == "vehicle_brand" and re.match(r"make\s+it\b", text[a[0] :], re.I))
	]
	if not aliases:
		return None
	edits = [m.start() for m in _EDIT_WORD_RE.finditer(text)]
	if not edits:
		words = _TOKEN_RE.findall(text.lower())
		return aliases[0][2] if len(words) <= 3 else None

	# The field nearest an edit word, either side ("change my address", "time badlo").
	def distance(alias: tuple[int, int, str]) -> int:
		return min(min(abs(alias[0] - e), abs(alias[1] - e)) for e in edits)

	return min(aliases, key=distance)[2]
