"""The car (brand, model, type, with typos and Hinglish) and the wash the customer chose, never
from a price question ("premium ka rate kya hai?") or a refusal ("foam nahi")."""

from __future__ import annotations

import re

from yawlit_bot.engine.fields import SERVICE_TYPES, VEHICLE_TYPES
from yawlit_bot.engine.readers.names import NOT_NAMES
from yawlit_bot.engine.readers.text import LABEL, MENTION, VEHICLE_FIELDS, Context, Extraction, Text, put
from yawlit_bot.engine.validation import (
	match_choice,
)
from yawlit_bot.engine.vocab import (
	BRAND_ALIASES,
	VEHICLE_TYPE_WORDS,
	close_match,
	find_vehicle,
	tokenize,
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


def read_vehicle(text: Text, result: Extraction, context: Context) -> None:
	today, expecting = context.today, context.expecting
	asked = any(f in expecting for f in VEHICLE_FIELDS)
	found = find_vehicle(text.text, vehicle_context=asked or "vehicle_plate" in result.fields)
	for name in VEHICLE_FIELDS:
		if name in found:
			put(result, name, found[name], today)
	if "vehicle_type" in expecting and "vehicle_type" not in result.fields:
		choice = match_choice(text.plain(), VEHICLE_TYPES)
		if choice:
			put(result, "vehicle_type", choice, today)
	if asked and "vehicle_brand" in found and "vehicle_model" not in found:
		model = unknown_model_after_brand(tokenize(text.plain()))
		if model:
			put(result, "vehicle_model", model, today)


def unknown_model_after_brand(tokens: list[str]) -> str | None:
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


def read_service(text: Text, result: Extraction, context: Context, basis: str = MENTION) -> None:
	today, expecting = context.today, context.expecting
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
			if put(result, "service_type", service, today, basis=basis):
				return
	for token in tokenize(source):
		typo = close_match(token, _SERVICE_TYPO_WORDS)
		if typo and put(result, "service_type", _SERVICE_TYPOS[typo], today, basis=basis):
			return
	for pattern, service in _SERVICE_WHEN_ASKED if asked else ():
		if pattern.search(source) and put(result, "service_type", service, today, basis=basis):
			return
	if asked:
		choice = match_choice(text.plain(), SERVICE_TYPES)
		if choice:
			put(result, "service_type", choice, today, basis=basis)
