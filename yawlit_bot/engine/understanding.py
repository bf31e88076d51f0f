"""What the language model read in a message, and how it joins what the rules read.

The model proposes; this module decides, with the rules as the safety net:
- a model value counts only if it passes `check_field`;
- phone, plate, pincode, email, date and time slot found by the rules win over the model's;
- for the other fields a confident model value wins over a rule value read in passing or as a
  bare answer, never over one the customer labelled, stated or corrected;
- a value below the confidence threshold is not merged: it comes back as `unsure`, and the bot
  asks the customer to confirm it;
- a model value may replace a stored one only when the message is about that field (the bot
  asked for it, the model reads an edit of it, or the rules saw a correction). That check is
  the same `merge_fields(may_replace=...)` the rules' values go through.
DSPy has no calibrated confidence, so the model says high / medium / low per field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from yawlit_bot.engine.fields import DETAIL_FIELDS
from yawlit_bot.engine.intents import Intent
from yawlit_bot.engine.readers.names import is_person_name
from yawlit_bot.engine.readers.text import ANSWER, CORRECTION, LABEL, MENTION, STATED, Extraction
from yawlit_bot.engine.validation import check_field

NO_MODEL = "None (rules only)"  # the provider setting that means: rules only, no model
CONFIDENCE_LEVELS: dict[str, float] = {"high": 0.9, "medium": 0.6, "low": 0.3}
DEFAULT_THRESHOLD = 0.6
INTENTS: tuple[str, ...] = ("provide", "confirm", "edit", "cancel", "greeting", "question", "opt_out", "other")
# The model's intents the conversation acts on. What cannot be undone stays with the rules and
# the buttons: a booking is confirmed or cancelled, and a customer unsubscribed, only on their
# clear word ("hmm let me think" read as confirm must not book). "question" and "other" change
# nothing.
_ACTED_ON: dict[str, Intent] = {
	"edit": Intent.EDIT,
	"greeting": Intent.GREETING,
}
RULES_WIN = frozenset({"phone", "vehicle_plate", "pincode", "email", "appointment_date", "time_slot"})
_FIRM = frozenset({LABEL, STATED, CORRECTION})

# Where a value on the scratchpad came from (shown to staff beside it).
SOURCE_RULE = "rule"
SOURCE_MODEL = "model"
SOURCE_LOCATION = "location pin"
SOURCE_CUSTOMER_EDIT = "customer edit"
SOURCE_STAFF = "staff"
_EMPTY_WORDS = frozenset({"", "none", "null", "n/a", "na", "unknown", "-", "not given", "not provided", "nil"})


@dataclass(frozen=True)
class ModelReading:
	"""The model's answer for one message, cleaned: known fields only, non-empty values."""

	fields: dict[str, str] = field(default_factory=dict)
	confidence: dict[str, float] = field(default_factory=dict)
	intent: str | None = None
	edit_target: str | None = None


def confidence_of(level: object) -> float:
	"""high / medium / low as a number; a number is kept within 0..1; anything else is low."""
	if isinstance(level, (int, float)) and not isinstance(level, bool):
		return min(max(float(level), 0.0), 1.0)
	return CONFIDENCE_LEVELS.get(str(level or "").strip().lower(), CONFIDENCE_LEVELS["low"])


def _as_mapping(raw: object) -> dict:
	if isinstance(raw, Mapping):
		return dict(raw)
	if isinstance(raw, str) and raw.strip():
		try:
			parsed = json.loads(raw)
		except ValueError:
			return {}
		return dict(parsed) if isinstance(parsed, Mapping) else {}
	return {}


def read_model_output(
	fields: object, confidence: object, intent: object, edit_target: object, allowed: Sequence[str] = DETAIL_FIELDS
) -> ModelReading:
	"""The model's raw outputs as a `ModelReading`: unknown fields, empty values ("", "null",
	"unknown") and unknown intents dropped; a field without a confidence counts as low."""
	values: dict[str, str] = {}
	for name, value in _as_mapping(fields).items():
		if name not in allowed or value is None or isinstance(value, (dict, list)):
			continue
		text = str(value).strip()
		if text.lower() not in _EMPTY_WORDS:
			values[name] = text
	levels = _as_mapping(confidence)
	scores = {name: confidence_of(levels.get(name)) for name in values}
	intent_text = str(intent or "").strip().lower().replace("-", "_").replace(" ", "_")
	target = str(edit_target or "").strip()
	return ModelReading(
		fields=values,
		confidence=scores,
		intent=intent_text if intent_text in INTENTS else None,
		edit_target=target if target in allowed else None,
	)


def combine(
	rules: Extraction,
	model: ModelReading | None,
	today: date,
	expecting: Sequence[str] = (),
	threshold: float = DEFAULT_THRESHOLD,
	choices: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Extraction, dict[str, str]]:
	"""The rules' reading joined with the model's (policy in the module docstring). Returns the
	joined extraction and the values too unsure to merge, to confirm with the customer.
	`choices`: the catalog's services and add-ons, which a model's value must be one of."""
	if model is None:
		return rules, {}
	joined = replace(
		rules,
		fields=dict(rules.fields),
		invalid=dict(rules.invalid),
		basis=dict(rules.basis),
		source=dict(rules.source),
		confidence=dict(rules.confidence),
	)
	if joined.intent is None and model.intent in _ACTED_ON:
		joined.intent = _ACTED_ON[model.intent]
	if joined.intent is Intent.EDIT and not joined.edit_field and model.edit_target:
		joined.edit_field = model.edit_target
	unsure: dict[str, str] = {}
	for name, raw in model.fields.items():
		check = check_field(name, raw, today, choices)
		if not check.ok or not check.value:
			continue  # the model's words never reach the scratchpad unchecked
		if name in RULES_WIN and name in rules.invalid:
			continue  # "raat 10 baje", "pincode 41104": the rules' answer (a re-ask) stands
		if name in ("first_name", "last_name") and not is_person_name(check.value):
			continue  # "Baner Pune", "Green Park": places and cars are never names
		if name == "address" and name in rules.fields and _words(check.value) <= _words(rules.fields[name]):
			continue  # the rules kept the whole address; the model's is a part of it
		if name in rules.fields:
			if rules.fields[name] == check.value:
				continue
			if name in RULES_WIN or rules.basis.get(name) in _FIRM:
				continue
		score = model.confidence.get(name, CONFIDENCE_LEVELS["low"])
		if score < threshold:
			if name not in rules.fields:
				unsure[name] = check.value
			continue
		joined.fields[name] = check.value
		joined.invalid.pop(name, None)
		joined.source[name] = SOURCE_MODEL
		joined.confidence[name] = score
		joined.basis[name] = _model_basis(name, model, rules, expecting)
	return joined, unsure


def _words(text: str) -> set[str]:
	return set(re.findall(r"\w+", text.lower()))


def _model_basis(name: str, model: ModelReading, rules: Extraction, expecting: Sequence[str]) -> str:
	if name in expecting:
		return ANSWER
	if rules.correction or (model.intent == "edit" and model.edit_target == name):
		return CORRECTION
	return MENTION


# The circuit breaker in front of the model: after this many failed calls within the window,
# the model is skipped for a while and messages are read by the rules alone; the first call
# after that pause tries again (and one more failure pauses it again).
BREAKER_FAILURES = 3
BREAKER_WINDOW_SECONDS = 60
BREAKER_OPEN_SECONDS = 30


def breaker_opens(failures_in_window: int) -> bool:
	return failures_in_window >= BREAKER_FAILURES
