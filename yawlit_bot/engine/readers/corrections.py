"""What the customer refused or took back ("kal nahi, parso", "not Swift, a Baleno", "sorry,
make it Wednesday"): the refused words are taken out of the text so no reader stores them, and
the message is marked a correction."""

from __future__ import annotations

import re

from yawlit_bot.engine.readers.text import MASK, Text

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


def refuse_negated(text: Text) -> bool:
	"""Blank out what the customer refused ("kal nahi", "not Swift") so that only the value
	they meant is read. True if the message corrects something."""
	negated = False
	for pattern in (
		_WRITTEN_BY_MISTAKE_RE,
		_NEGATED_BEFORE_RE,
		_NO_BEFORE_RE,
		_NEGATED_AFTER_RE,
		_INSTEAD_OF_BEFORE_RE,
	):
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


def after_last_correction(text: str) -> int:
	"""Where the text after the last "sorry" / "make it" / "actually" starts (0 if none)."""
	cues = list(_CORRECTION_RE.finditer(text))
	return cues[-1].end() if cues else 0
