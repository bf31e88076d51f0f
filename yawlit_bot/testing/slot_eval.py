"""The labelled dialogues about times and slots (tests/eval/slot_dialogues.jsonl), run without
a database: each turn through `decide_turn` with a catalog whose opening hours, slot length,
closed days and full slots the dialogue sets, and then what services/booking/bookings.py does with the
catalog's answer (the day's free slots offered when the time is asked, the slot checked at
the summary: `engine/slot_check.py`). Scored on the date and time the scratchpad ends with,
jointly, and on what the last reply must say.

    python scripts/eval_slots.py
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from yawlit_bot.engine import catalog as rules
from yawlit_bot.engine.catalog import Catalog, Schedule, Service
from yawlit_bot.engine.conversation import (
	Message,
	Snapshot,
	asks_time,
	decide_turn,
	needs_slot_check,
	offer_times,
	settle,
)
from yawlit_bot.engine.offer import Offer
from yawlit_bot.testing.extraction_eval import snapshot_after

EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "eval"
TODAY = date(2026, 11, 25)  # a Wednesday: "kal" is Thursday 26, "parso" Friday 27
NOW = datetime.combine(TODAY, time(8, 0))
SENDER = "919811000000"
CATALOG = Catalog((Service("foam", "Foam Wash", {"Hatchback": 399, "Sedan": 449, "SUV": 499}),), {})
# Every dialogue starts with the other details given, so that what follows is about the time.
OPENING = "Hi, I am Ravi Kumar, Maruti Swift MH12AB1234, foam wash, address Flat 12, Green Park Society, Baner Road, Pune 411045"


@dataclass
class SlotResult:
	id: str
	got: dict = field(default_factory=dict)
	want: dict = field(default_factory=dict)
	last_reply: str = ""
	problems: list[str] = field(default_factory=list)

	@property
	def right(self) -> bool:
		return not self.problems


def load(name: str = "slot_dialogues.jsonl") -> list[dict]:
	with open(EVAL_DIR / name, encoding="utf-8") as handle:
		return [json.loads(line) for line in handle if line.strip()]


def schedule_of(item: dict) -> Schedule:
	return Schedule(
		open_days=frozenset(d for d in range(7) if d not in item.get("closed_weekdays", [])),
		opens=time.fromisoformat(item.get("opens", "06:00")),
		closes=time.fromisoformat(item.get("closes", "18:00")),
		slot_minutes=item.get("slot_minutes", 60),
		capacity=item.get("capacity", 1),
		days_ahead=30,
		closed_dates=frozenset(date.fromisoformat(d) for d in item.get("closed_dates", [])),
	)


def taken_of(item: dict, schedule: Schedule) -> dict[date, dict[str, int]]:
	"""Seats taken: a listed slot is full; a day listed as "all" has every slot full."""
	taken: dict[date, dict[str, int]] = {}
	for day, slots in item.get("taken", {}).items():
		when = date.fromisoformat(day)
		names = rules.slots_on(schedule, when) if slots == "all" else slots
		taken[when] = {slot: schedule.capacity_for(when) for slot in names}
	return taken


def _catalog_answers(decision, schedule: Schedule, taken) -> object:
	"""What services/booking.settle_with_catalog does with the built-in catalog."""
	from yawlit_bot.engine import slot_check

	day = asks_time(decision)
	if day:
		when = date.fromisoformat(day)
		problem = rules.window_error(schedule, when, TODAY) or ""
		return offer_times(decision, slot_check.alternatives(schedule, when, NOW, taken, problem))
	if needs_slot_check(decision):
		values = decision.values
		try:
			when = date.fromisoformat(values.get("appointment_date") or "")
		except ValueError:
			return decision
		return settle(decision, slot_check.check(schedule, when, values.get("time_slot") or "", NOW, taken))
	return decision


def run(item: dict) -> SlotResult:
	schedule = schedule_of(item)
	taken = taken_of(item, schedule)
	offer = Offer(CATALOG, 0, rules.schedule_slots(schedule))
	snapshot = Snapshot()
	decision = None
	for turn in [OPENING, *item["turns"]]:
		message = Message(text=turn["title"], button_id=turn["row"]) if isinstance(turn, dict) else Message(text=turn)
		decision = _catalog_answers(decide_turn(snapshot, message, TODAY, SENDER, offer=offer), schedule, taken)
		snapshot = snapshot_after(decision)
	result = SlotResult(item["id"], want=item["expected"])
	result.got = {name: snapshot.values.get(name) for name in ("appointment_date", "time_slot")}
	last = decision.replies[-1] if decision and decision.replies else None
	rows = [row.id for section in (last.sections if last else ()) for row in section.rows]
	result.last_reply = (last.body if last else "") + ("\n[list] " + " ".join(rows) if rows else "")
	for name, want in item["expected"].items():
		if result.got.get(name) != want:
			result.problems.append(f"{name}: got {result.got.get(name)!r}, want {want!r}")
	for said in item.get("reply_has", []):
		if said.lower() not in result.last_reply.lower():
			result.problems.append(f"the last reply does not say {said!r}")
	for said in item.get("reply_lacks", []):
		if said.lower() in result.last_reply.lower():
			result.problems.append(f"the last reply should not offer {said!r}")
	return result


def score(results: list[SlotResult]) -> str:
	n = max(len(results), 1)
	joint = sum(r.got == r.want for r in results)
	right = sum(r.right for r in results)
	return (
		f"slot dialogues: {len(results)}; date and time jointly right: {joint} ({joint / n:.3f}); "
		f"and the last reply saying what it must: {right} ({right / n:.3f})"
	)
