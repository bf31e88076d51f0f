"""When a conversation needs a person (`engine/handoff.py`)."""

import pytest
from booking_data import FULL, PHONE, TODAY

from yawlit_bot.engine.conversation import Message, Snapshot, State, decide_turn
from yawlit_bot.engine.handoff import PERSON_ASKED, asks_for_person


@pytest.mark.parametrize(
	"text",
	[
		"talk to a human",
		"can I speak to someone please",
		"agent se baat karni hai",
		"kisi insaan se baat karao",
		"call me",
		"please call me back, number 9876543210",
		"mujhe call karo",
		"customer care ka number do",
		"connect me to a real person",
		"human please",
	],
)
def test_asking_for_a_person(text):
	assert asks_for_person(text)


@pytest.mark.parametrize(
	"text",
	["don't call me", "please do not call me, whatsapp only", "I'll call you later", "the agent said 10 am", "my name is Ravi"],
)
def test_not_asking_for_a_person(text):
	assert not asks_for_person(text)


def turn(snapshot, text):
	return decide_turn(snapshot, Message(text=text), TODAY, PHONE)


def test_a_customer_asking_for_a_person_is_flagged_told_and_keeps_their_details():
	snapshot = Snapshot(State.COLLECTING, {k: v for k, v in FULL.items() if k != "vehicle_plate"}, True)
	decision = turn(snapshot, "Ravi here, agent se baat karni hai")
	assert decision.needs_person == PERSON_ASKED
	assert "a person will reply soon" in decision.replies[-1].body
	assert decision.values["first_name"] == "Ravi" and decision.state is State.COLLECTING


def test_the_third_ask_for_the_same_thing_raises_the_flag_once():
	snapshot = Snapshot(State.COLLECTING, {k: v for k, v in FULL.items() if k != "vehicle_plate"}, True)
	decisions = []
	for _ in range(3):
		decision = turn(snapshot, "hmm")
		decisions.append(decision)
		snapshot = Snapshot(
			decision.state, decision.values, True, decision.expecting, times_asked=decision.times_asked
		)
	assert [d.times_asked for d in decisions] == [1, 2, 3]
	assert decisions[-1].needs_person and "number plate" in decisions[-1].needs_person
	flagged = Snapshot(State.COLLECTING, snapshot.values, True, snapshot.expecting, times_asked=3, needs_person=True)
	assert turn(flagged, "hmm").needs_person is None  # up already: not raised again
