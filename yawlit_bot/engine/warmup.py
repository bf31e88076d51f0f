"""One run of the engine over typical messages, so a process that forks workers has every
pattern compiled and every lookup table built before it forks (see `yawlit_bot.commands`)."""

from __future__ import annotations

from datetime import date

from yawlit_bot.engine.conversation import Message, Snapshot, decide_turn

SAMPLE_TURNS = (
	"Hi, I need a car wash",
	"I am Ravi Kumar",
	"Maruti Swift MH12AB1234",
	"premium wash",
	"parso shaam 4 baje",
	"address: 12 Law College Road, Erandwane, Pune 411004",
	"email ravi@example.com",
	"confrim",
)


def exercise_engine(today: date | None = None) -> int:
	"""Decide a full booking conversation; returns the number of replies (for the test)."""
	today = today or date(2026, 1, 5)
	snapshot = Snapshot()
	count = 0
	for text in SAMPLE_TURNS:
		decision = decide_turn(snapshot, Message(text=text), today, sender_phone="919000000000")
		snapshot = Snapshot(
			state=decision.state,
			values=decision.values,
			has_scratchpad=True,
			expecting=decision.expecting,
			editing_field=decision.editing_field,
		)
		count += len(decision.replies)
	return count
