"""Scores the engine's reading of customer messages against the labelled sets in tests/eval/.

- messages.jsonl: one message each, with what the bot had asked and every value it gives;
  scored per field (precision, recall).
- dialogues.jsonl: short conversations run through `decide_turn` turn by turn, the way the
  bot holds them; scored by the final scratchpad: values in a wrong field (or replacing one
  they were not about) must be none.
Used by `scripts/eval_extraction.py` (which prints the tables, for rules only or with a model)
and by the engine tier's test of the rules-only thresholds. No Frappe, no I/O but the files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from yawlit_bot.engine.conversation import Message, Snapshot, State, decide_turn
from yawlit_bot.engine.extraction import extract
from yawlit_bot.engine.fields import DETAIL_FIELDS, UTILITY_FIELDS
from yawlit_bot.engine.indic import ascii_digits
from yawlit_bot.engine.catalog import CatalogError
from yawlit_bot.engine.offer import Offer
from yawlit_bot.engine.understanding import ModelReading, combine

EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "eval"
TODAY = date(2026, 11, 29)  # the sets' "today" (a Sunday)
GATED_FIELDS = ("phone", "vehicle_plate", "pincode", "email", "appointment_date")
# Derived from the model named ("Swift" -> Hatchback); labelled only when the customer says it.
_UNLABELLED_DERIVED = ("vehicle_type",)

# A reader: (text, expecting, sender) -> fields it found.
Reader = Callable[[str, tuple[str, ...], str], Mapping[str, str]]
# What a model read in a message, for the dialogues: (text, snapshot) -> reading or None.
ModelStep = Callable[[str, Snapshot], "ModelReading | None"]


def load(name: str, directory: Path = EVAL_DIR) -> list[dict]:
	with open(directory / name, encoding="utf-8") as handle:
		return [json.loads(line) for line in handle if line.strip()]


def _tokens(value: str) -> set[str]:
	# the same address with its digits in another script is the same address
	return set(re.findall(r"[\w\u0900-\u0DFF]+", ascii_digits(str(value)).lower()))


def same_value(name: str, got: str, want: str) -> bool:
	if name == "address":
		return _tokens(got) == _tokens(want)
	return str(got).strip().lower() == str(want).strip().lower()


def misfiled(name: str, got: str, want: str | None) -> bool:
	"""A value that is not what the customer gave for this field. An address missing a part
	is incomplete, not misfiled; one with words from elsewhere is misfiled."""
	if want is None:
		return True
	if name == "address":
		return not _tokens(got) <= _tokens(want)
	return not same_value(name, got, want)


@dataclass
class FieldScore:
	tp: int = 0
	fp: int = 0
	fn: int = 0
	errors: list[str] = field(default_factory=list)

	@property
	def precision(self) -> float:
		return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

	@property
	def recall(self) -> float:
		return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score_messages(items: Iterable[dict], read: Reader) -> dict[str, FieldScore]:
	scores = {name: FieldScore() for name in DETAIL_FIELDS}
	for item in items:
		got = dict(read(item["text"], tuple(item.get("expecting") or ()), item.get("sender", "919800000000")))
		want = item.get("fields") or {}
		for name in DETAIL_FIELDS:
			g, w = got.get(name), want.get(name)
			if g is None and w is None:
				continue
			if w is None and name in _UNLABELLED_DERIVED:
				continue
			score = scores[name]
			if g is not None and w is not None and same_value(name, g, w):
				score.tp += 1
				continue
			if g is not None:
				score.fp += 1
			if w is not None:
				score.fn += 1
			score.errors.append(f"{item['id']}: {item['text'][:70]!r} got {g!r} want {w!r}")
	return scores


def rules_reader(text: str, expecting: tuple[str, ...], sender: str) -> Mapping[str, str]:
	return extract(text, TODAY, expecting, sender).fields


def model_reader(read_model: Callable[[str, tuple[str, ...]], ModelReading | None], threshold: float) -> Reader:
	"""Rules and a model together, as the turn merges them."""

	def read(text: str, expecting: tuple[str, ...], sender: str) -> Mapping[str, str]:
		rules = extract(text, TODAY, expecting, sender)
		joined, _ = combine(rules, read_model(text, expecting), TODAY, expecting, threshold)
		return joined.fields

	return read


@dataclass
class DialogueResult:
	id: str
	values: dict[str, str | None]
	wrong: list[str]  # "field: got X, want Y"
	missing: list[str]


def snapshot_after(decision) -> Snapshot:
	"""The conversation as the next turn finds it, as the turn would have stored it."""
	active = decision.state in (State.COLLECTING, State.CONFIRMING)
	return Snapshot(
		state=decision.state,
		values=decision.values if active else {},
		has_scratchpad=active,
		expecting=decision.expecting,
		editing_field=decision.editing_field,
		unconfirmed=decision.unconfirmed,
	)


def run_dialogue(
	item: dict, model_step: ModelStep | None = None, threshold: float = 0.6, offer: Offer | None = None
) -> DialogueResult:
	"""The dialogue's turns through `decide_turn`; with `offer`, against that catalog (a service
	it lacks is then never collected, not misfiled; the utilities answers are not scored)."""
	snapshot = Snapshot()
	sender = item["sender"]
	for text in item["turns"]:
		reading = model_step(text, snapshot) if model_step else None
		decision = decide_turn(snapshot, Message(text=text, model=reading), TODAY, sender, threshold, offer)
		snapshot = snapshot_after(decision)
	want = item["expected"]
	scored = DETAIL_FIELDS + (UTILITY_FIELDS if offer is not None else ())
	if offer is not None and want.get("service_type"):
		try:
			offer.catalog.service(want["service_type"])
		except CatalogError:  # not sold here: the customer is told so, and may keep an earlier one
			scored = tuple(name for name in scored if name != "service_type")
	wrong, missing = [], []
	for name in scored:
		got = snapshot.values.get(name)
		if got and (name not in _UNLABELLED_DERIVED or name in want) and misfiled(name, got, want.get(name)):
			wrong.append(f"{name}: got {got!r}, want {want.get(name)!r}")
		elif not got and want.get(name):
			missing.append(name)
	return DialogueResult(item["id"], dict(snapshot.values), wrong, missing)


def format_scores(scores: Mapping[str, FieldScore], title: str) -> str:
	lines = [title, f"{'field':<18}{'labelled':>9}{'found':>7}{'precision':>11}{'recall':>8}"]
	for name, score in scores.items():
		labelled, found = score.tp + score.fn, score.tp + score.fp
		if not labelled and not found:
			continue
		mark = " *" if name in GATED_FIELDS else ""
		lines.append(
			f"{name:<18}{labelled:>9}{found:>7}{score.precision:>11.3f}{score.recall:>8.3f}{mark}"
		)
	lines.append("(* gated: rules alone must reach precision >= 0.97 and recall >= 0.9)")
	return "\n".join(lines)
