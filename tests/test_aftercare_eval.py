"""The labelled messages after a booking (tests/eval/aftercare_messages.jsonl): reminder taps
and typed answers in English, Hinglish and Devanagari, ratings, comments, and the messages
that are none of these (a new booking is never filed as a comment, a yes with a question is
no confirmation). Every case must come out as labelled."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from yawlit_bot.engine.conversation import Message, Snapshot, State, decide_turn
from yawlit_bot.engine.upcoming import Upcoming

CASES = [json.loads(line) for line in (Path(__file__).parent / "eval" / "aftercare_messages.jsonl").read_text().splitlines() if line]
TODAY = date(2026, 12, 9)
BOOKING = Upcoming("B1", "2026-12-10", "10:00-11:00", "Foam Wash", hours_to_go=16)
CONTEXTS = {
	"reminded": Snapshot(State.COMPLETED, upcoming=(replace(BOOKING, reminded=101),)),
	"booked": Snapshot(State.COMPLETED, upcoming=(BOOKING,)),
	"rate_asked": Snapshot(State.COMPLETED, pending_change="rate:B1"),
	"comment_asked": Snapshot(State.IDLE, pending_change="comment:B1"),
	"none": Snapshot(State.IDLE),
}


def outcome_matches(decision, expect: str) -> bool:
	moving = bool(decision.move_booking or decision.offer_move_day or (decision.pending_change or "").startswith("move"))
	if expect == "confirm_visit":
		return decision.confirm_visit == "B1"
	if expect == "not_confirm":
		return decision.confirm_visit is None
	if expect == "move_asked":
		return moving and decision.confirm_visit is None
	if expect == "cancel_asked":
		return (decision.pending_change or "").startswith("cancel:") and decision.confirm_visit is None
	if expect.startswith("rating:"):
		return decision.feedback_rating == ("B1", int(expect.split(":")[1]))
	if expect == "no_rating":
		return decision.feedback_rating is None
	if expect == "comment":
		return bool(decision.feedback_comment) and decision.feedback_comment[0] == "B1"
	if expect == "no_comment":
		return decision.feedback_comment is None and bool(decision.replies) and decision.state is not State.COLLECTING
	if expect == "no_comment_stored":
		return decision.feedback_comment is None
	if expect == "new_booking":
		return decision.state is State.COLLECTING and not decision.feedback_comment and not decision.feedback_rating
	if expect == "nothing":
		return not (decision.confirm_visit or decision.feedback_rating or decision.feedback_comment or moving or decision.cancel_booking)
	raise ValueError(expect)


@pytest.mark.parametrize("case", CASES, ids=[c["why"] for c in CASES])
def test_each_labelled_message(case):
	message = Message(case["text"], "interactive" if case["button"] else "text", case["button"])
	decision = decide_turn(CONTEXTS[case["context"]], message, TODAY, "919812345678")
	assert outcome_matches(decision, case["expect"]), (case, decision)


def test_the_set_covers_every_kind():
	assert len(CASES) >= 50
	assert {c["expect"].split(":")[0] for c in CASES} >= {"confirm_visit", "move_asked", "cancel_asked", "rating", "comment", "no_comment", "new_booking"}
