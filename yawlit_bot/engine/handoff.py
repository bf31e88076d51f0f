"""When a conversation needs a person: the customer asks for one ("talk to a human", "agent se
baat", "call me"), or the bot has asked for the same thing three times running. The turn raises
the flag on the conversation and staff are notified; the bot keeps the details and goes on."""

from __future__ import annotations

import re
from collections.abc import Sequence

from yawlit_bot.engine.fields import LABELS

REASKS_BEFORE_A_PERSON = 3

_PERSON = r"(?:human|person|agent|someone|somebody|manager|executive|representative|staff|team|insaan|insan|kisi)"
_ASKS_FOR_PERSON_RE = re.compile(
	rf"\b(?:talk|speak|chat|connect)\s+(?:to|with|me\s+to|me\s+with)\s+(?:a\s+|an\s+|the\s+|some\s+|real\s+)*{_PERSON}\b"
	rf"|\b(?:real|actual)\s+(?:human|person)\b|\bhuman\s+(?:please|pls|plz|chahiye)\b"
	r"|\bcall\s+(?:me|back|karo|kar\s+do|kardo|kijiye|kariye|karna)\b|\b(?:give|gimme)\s+me\s+a\s+call\b"
	r"|\bmujhe\s+(?:call|phone)\b|\bphone\s+(?:karo|kar\s+do|kijiye)\b"
	r"|\bcustomer\s+(?:care|support|service)\b|\bhelpline\b"
	rf"|\b{_PERSON}\s+se\s+baat\b|\bbaat\s+(?:karni|karao|karwao|karwa\s+do)\s+hai\b",
	re.I,
)


_NOT_RE = re.compile(r"\b(?:don'?t|do\s+not|dont|never|mat|na|nahi|no\s+need\s+to)\s+(?:\w+\s+)?$", re.I)


def asks_for_person(text: str | None) -> bool:
	"""The customer asks for a person ("don't call me" does not)."""
	for found in _ASKS_FOR_PERSON_RE.finditer(text or ""):
		if not _NOT_RE.search((text or "")[max(0, found.start() - 25) : found.start()]):
			return True
	return False


def times_asked(before: Sequence[str], now: Sequence[str], earlier_count: int, anything_changed: bool) -> int:
	"""How many turns running the bot has asked the same question (0 when it asks nothing)."""
	if not now:
		return 0
	if tuple(now) == tuple(before) and not anything_changed:
		return earlier_count + 1
	return 1


def reask_reason(asked: Sequence[str]) -> str:
	what = ", ".join(LABELS.get(name, name).lower() for name in asked)
	return f"The bot asked for the {what} {REASKS_BEFORE_A_PERSON} times without getting it."


PERSON_ASKED = "The customer asked for a person."
TURN_FAILED = "A message could not be handled (the bot gave up on it)."
