"""The model's part of understanding a message: the DSPy program's logic (with DummyLM, no
network), the policy joining its reading to the rules', and what the conversation does with
it: merge only what a message is about, ask back what the model was unsure of."""

from __future__ import annotations

import json
from datetime import date

import pytest
from dspy.utils import DummyLM

from yawlit_bot.engine.conversation import Message, Snapshot, State, decide_turn
from yawlit_bot.engine.extraction import extract
from yawlit_bot.engine.intents import Intent
from yawlit_bot.engine.model_program import build_inputs, litellm_model, read_message
from yawlit_bot.engine.understanding import (
	SOURCE_MODEL,
	ModelReading,
	combine,
	confidence_of,
	read_model_output,
)

TODAY = date(2026, 11, 29)  # a Sunday
SENDER = "919812345678"
NAME = ("first_name", "last_name")


def answer(values: dict, confidence: dict | None = None, intent: str = "provide", edit_target: str = "") -> dict:
	return {
		"values": json.dumps(values, ensure_ascii=False),
		"confidence": json.dumps(confidence if confidence is not None else dict.fromkeys(values, "high")),
		"intent": intent,
		"edit_target": edit_target,
	}


def ask(text: str, reply: dict, expecting=NAME, known=None):
	lm = DummyLM([reply])
	inputs = build_inputs(text, [("assistant", "Please send your full name")], known or {}, list(NAME), expecting, TODAY)
	return read_message(lm, inputs), lm


# ---------------------------------------------------------------- the program


def test_every_field_comes_back_with_its_confidence():
	values = {
		"first_name": "Rajesh",
		"last_name": "Kumar",
		"phone": "9812345678",
		"address": "Flat 302, Green Park Society, Baner, Pune 411045",
		"pincode": "411045",
		"vehicle_brand": "Maruti Suzuki",
		"vehicle_model": "Swift",
		"vehicle_plate": "MH12AB1234",
		"service_type": "Premium Wash",
		"appointment_date": "2026-11-30",
		"time_slot": "10:00-11:00",
		"email": "raj@example.com",
		"city": "Pune",
	}
	reading, _ = ask("everything at once", answer(values))
	assert reading.fields == values
	assert set(reading.confidence.values()) == {0.9}
	assert reading.intent == "provide"


def test_partial_answer_and_empty_values_are_dropped():
	reading, _ = ask(
		"Rajesh",
		answer({"first_name": "Rajesh", "last_name": "", "email": "null", "city": "unknown", "bogus": "x"}),
	)
	assert reading.fields == {"first_name": "Rajesh"}


def test_no_fields_at_all():
	reading, _ = ask("hello", answer({}, intent="greeting"))
	assert reading.fields == {} and reading.intent == "greeting"


@pytest.mark.parametrize("intent", ["provide", "confirm", "edit", "cancel", "greeting", "question", "opt_out", "other"])
def test_intents_are_read(intent):
	reading, _ = ask("x", answer({}, intent=intent, edit_target="appointment_date" if intent == "edit" else ""))
	assert reading.intent == intent
	assert reading.edit_target == ("appointment_date" if intent == "edit" else None)


def test_unknown_intent_and_target_are_dropped():
	reading = read_model_output({}, {}, "book it now!!", "the car colour")
	assert reading.intent is None and reading.edit_target is None


@pytest.mark.parametrize(
	"level, score", [("high", 0.9), ("HIGH", 0.9), ("medium", 0.6), ("low", 0.3), ("sure", 0.3), (None, 0.3), (0.75, 0.75), (7, 1.0)]
)
def test_confidence_levels_map_to_numbers(level, score):
	assert confidence_of(level) == score


def test_a_field_without_confidence_counts_as_low():
	reading = read_model_output({"first_name": "Rajesh"}, {}, "provide", "")
	assert reading.confidence == {"first_name": 0.3}


def test_an_unparsable_answer_raises_for_the_caller_to_fall_back():
	lm = DummyLM([{"nonsense": "Sure! The name is probably Rajesh."}])
	inputs = build_inputs("Rajesh", [], {}, [], NAME, TODAY)
	with pytest.raises(Exception):
		read_message(lm, inputs)


def test_one_call_per_message():
	_, lm = ask("Main Rajesh bol raha hoon", answer({"first_name": "Rajesh"}))
	assert len(lm.history) == 1


def test_inputs_carry_the_last_three_messages_what_was_asked_and_today():
	recent = [("user", "hi"), ("assistant", "Hi! name?"), ("user", "wait"), ("assistant", "Please send your full name")]
	inputs = build_inputs("Rajesh", recent, {"phone": SENDER, "city": None}, ["first_name"], NAME, TODAY)
	assert inputs["recent_messages"] == ["bot: Hi! name?", "customer: wait", "bot: Please send your full name"]
	assert inputs["known_fields"] == {"phone": SENDER}
	assert inputs["bot_asked"] == "first name, last name"
	assert inputs["today"] == "2026-11-29 (Sunday)"
	assert "Premium Wash" in inputs["choices"]["service_type"]


@pytest.mark.parametrize(
	"provider, model, expected",
	[
		("Ollama", "llama3.1", "ollama_chat/llama3.1"),
		("OpenRouter", "meta-llama/llama-3.1-8b-instruct", "openrouter/meta-llama/llama-3.1-8b-instruct"),
		("OpenAI-compatible", "gpt-4o-mini", "openai/gpt-4o-mini"),
		("OpenAI-compatible", "openai/gpt-4o-mini", "openai/gpt-4o-mini"),
	],
)
def test_provider_settings_name_a_litellm_model(provider, model, expected):
	assert litellm_model(provider, model) == expected


# ---------------------------------------------------------------- the merge policy


def join(text, reading, expecting=NAME, threshold=0.6):
	return combine(extract(text, TODAY, expecting, SENDER), reading, TODAY, expecting, threshold)


def test_a_name_only_the_model_found_is_merged_with_its_source():
	joined, unsure = join("ji Rajesh ji ka booking", ModelReading({"first_name": "Rajesh"}, {"first_name": 0.9}))
	assert joined.fields["first_name"] == "Rajesh"
	assert joined.source["first_name"] == SOURCE_MODEL and joined.confidence["first_name"] == 0.9
	assert unsure == {}


def test_below_the_threshold_a_value_is_asked_back_not_merged():
	joined, unsure = join("ji Rajesh ji ka booking", ModelReading({"first_name": "Rajesh"}, {"first_name": 0.3}))
	assert "first_name" not in joined.fields
	assert unsure == {"first_name": "Rajesh"}


def test_the_threshold_is_a_setting():
	reading = ModelReading({"first_name": "Rajesh"}, {"first_name": 0.6})
	assert join("ji Rajesh ji ka booking", reading, threshold=0.6)[0].fields.get("first_name") == "Rajesh"
	assert join("ji Rajesh ji ka booking", reading, threshold=0.8)[1] == {"first_name": "Rajesh"}


def test_a_value_failing_validation_is_never_merged():
	reading = ModelReading(
		{"phone": "12345", "vehicle_plate": "XX99", "appointment_date": "2020-01-01", "first_name": "R2D2"},
		dict.fromkeys(("phone", "vehicle_plate", "appointment_date", "first_name"), 0.9),
	)
	joined, unsure = join("hello", reading, expecting=())
	assert joined.fields == {} and unsure == {}


@pytest.mark.parametrize(
	"text, name, model_value, rule_value",
	[
		("call me on 9812345678", "phone", "9898989898", "919812345678"),
		("plate MH12AB1234", "vehicle_plate", "MH12AB1243", "MH12AB1234"),
		("pin 411045", "pincode", "411046", "411045"),
		("mail raj@example.com", "email", "raj@example.org", "raj@example.com"),
		("kal aana", "appointment_date", "2026-12-01", "2026-11-30"),
	],
)
def test_rules_win_on_typed_fields(text, name, model_value, rule_value):
	joined, _ = join(text, ModelReading({name: model_value}, {name: 0.9}), expecting=())
	assert joined.fields[name] == rule_value
	assert joined.source.get(name) != SOURCE_MODEL


def test_a_labelled_value_beats_the_model():
	joined, _ = join("Name: Priya Nair", ModelReading({"first_name": "Nair"}, {"first_name": 0.9}))
	assert joined.fields["first_name"] == "Priya"


def test_the_models_edit_intent_is_used_when_the_rules_found_none():
	joined, _ = join("ek cheez theek karni hai", ModelReading({}, {}, intent="edit", edit_target="address"), expecting=())
	assert joined.intent is Intent.EDIT and joined.edit_field == "address"


@pytest.mark.parametrize("intent", ["confirm", "cancel"])
def test_the_model_alone_never_confirms_or_cancels(intent):
	# "hmm let me think" read as confirm must not book; only a clear word or a button does.
	joined, _ = join("hmm let me think", ModelReading({}, {}, intent=intent), expecting=())
	assert joined.intent is None


def test_model_values_the_rules_refused_or_that_name_places_are_dropped():
	joined, _ = join("raat 10 baje", ModelReading({"time_slot": "10:00-11:00"}, {"time_slot": 0.9}), expecting=())
	assert "time_slot" not in joined.fields and "time_slot" in joined.invalid
	joined, _ = join("Baner, Pune", ModelReading({"first_name": "Baner", "last_name": "Pune"}, {"first_name": 0.9, "last_name": 0.9}))
	assert "first_name" not in joined.fields and "last_name" not in joined.fields
	address = "Flat 302, Green Park Society, near Phoenix mall, Baner"
	joined, _ = join(f"Address: {address}", ModelReading({"address": "Flat 302, Green Park Society"}, {"address": 0.9}))
	assert joined.fields["address"] == address


def test_opt_out_from_the_model_is_not_acted_on():
	joined, _ = join("aur messages mat bhejna", ModelReading({}, {}, intent="opt_out"), expecting=())
	assert joined.intent is None


# ---------------------------------------------------------------- in the conversation


def collecting(values, expecting=NAME, **extra):
	return Snapshot(State.COLLECTING, {"phone": SENDER, **values}, True, expecting, **extra)


def test_the_model_name_lands_with_source_model():
	decision = decide_turn(
		collecting({}),
		Message("ji Rajesh ji ka booking", model=ModelReading({"first_name": "Rajesh"}, {"first_name": 0.9})),
		TODAY,
		SENDER,
	)
	assert decision.values["first_name"] == "Rajesh"
	assert decision.sources["first_name"] == {"source": "model", "confidence": 0.9}


def test_an_unsure_value_is_confirmed_by_yes():
	first = decide_turn(
		collecting({}),
		Message("ji Rajesh ji ka booking", model=ModelReading({"first_name": "Rajesh"}, {"first_name": 0.3})),
		TODAY,
		SENDER,
	)
	assert first.values.get("first_name") is None
	assert first.unconfirmed == {"first_name": "Rajesh"}
	assert "Rajesh" in first.replies[0].body and "right" in first.replies[0].body
	snapshot = collecting({}, expecting=first.expecting, unconfirmed=first.unconfirmed)
	second = decide_turn(snapshot, Message("haan"), TODAY, SENDER)
	assert second.values["first_name"] == "Rajesh"
	assert second.sources["first_name"]["source"] == "model"


def test_an_unsure_value_is_replaced_by_the_customers_answer():
	snapshot = collecting({}, expecting=("first_name",), unconfirmed={"first_name": "Rajesh"})
	decision = decide_turn(snapshot, Message("Rakesh"), TODAY, SENDER)
	assert decision.values["first_name"] == "Rakesh"
	assert decision.unconfirmed == {}


def test_a_model_value_does_not_replace_a_given_one_from_context():
	snapshot = collecting({"first_name": "Rahul"}, expecting=("vehicle_plate",))
	decision = decide_turn(
		snapshot,
		Message(
			"address - B-204, Rohan Leher, Baner Road",
			model=ModelReading({"first_name": "Rohan", "address": "B-204, Rohan Leher, Baner Road"}, {"first_name": 0.9, "address": 0.9}),
		),
		TODAY,
		SENDER,
	)
	assert decision.values["first_name"] == "Rahul"
	assert decision.values["address"] == "B-204, Rohan Leher, Baner Road"


def test_a_model_edit_of_a_field_replaces_it():
	snapshot = collecting({"first_name": "Rahul"}, expecting=("vehicle_plate",))
	decision = decide_turn(
		snapshot,
		Message("spelling galat hai, Raahul", model=ModelReading({"first_name": "Raahul"}, {"first_name": 0.9}, "edit", "first_name")),
		TODAY,
		SENDER,
	)
	assert decision.values["first_name"] == "Raahul"


# ---------------------------------------------------------------- rules: the field a value lands in


@pytest.mark.parametrize(
	"stored, expecting, text, field, value",
	[
		({"appointment_date": "2026-11-30"}, (), "kal nahi, parso karo", "appointment_date", "2026-12-01"),
		({"appointment_date": "2026-11-30"}, (), "sorry, make it Wednesday", "appointment_date", "2026-12-02"),
		({"vehicle_model": "Swift", "vehicle_brand": "Maruti Suzuki"}, (), "not Swift, it's a Baleno", "vehicle_model", "Baleno"),
		({"first_name": "Rahul"}, ("vehicle_plate",), "address - B-204, Rohan Leher, Baner Road", "first_name", "Rahul"),
		({"first_name": "Rahul"}, NAME, "Address: Flat 302, Green Park Society, Baner, Pune 411045", "first_name", "Rahul"),
		({}, NAME, "Address: Flat 302, Green Park Society, Baner, Pune 411045", "address", "Flat 302, Green Park Society, Baner, Pune 411045"),
		({}, NAME, "Baner, Pune", "first_name", None),
		({}, NAME, "Koramangala 560034", "first_name", None),
		({}, NAME, "Wakad, near Phoenix mall", "first_name", None),
		({"appointment_date": "2026-11-30"}, ("vehicle_plate",), "free on Friday for sure, also my plate is MH12AB1234", "appointment_date", "2026-11-30"),
	],
)
def test_a_value_lands_in_its_field_or_nowhere(stored, expecting, text, field, value):
	decision = decide_turn(collecting(stored, expecting=expecting), Message(text), TODAY, SENDER)
	assert decision.values.get(field) == value


def test_a_value_kept_is_explained_to_the_customer():
	snapshot = collecting({"appointment_date": "2026-11-30"}, expecting=("vehicle_plate",))
	decision = decide_turn(snapshot, Message("free on Friday for sure, plate MH12AB1234"), TODAY, SENDER)
	assert decision.values["appointment_date"] == "2026-11-30"
	assert "kept your date" in decision.replies[0].body


def test_an_unsure_value_never_replaces_a_given_one():
	snapshot = collecting({"first_name": "Rahul"}, expecting=("appointment_date", "time_slot"))
	decision = decide_turn(
		snapshot, Message("kal 11 baje", model=ModelReading({"first_name": "Baner"}, {"first_name": 0.3})), TODAY, SENDER
	)
	assert decision.unconfirmed == {}
	assert decision.values["first_name"] == "Rahul"


@pytest.mark.parametrize(
	"text, field, value",
	[
		("Please come on Friday", "appointment_date", "2026-12-04"),
		("Friday ko aana", "appointment_date", "2026-12-04"),
		("4 baje aa jana", "time_slot", "16:00-17:00"),
		("go with premium", "service_type", "Premium Wash"),
		("vehicle type: SUV", "vehicle_type", "SUV"),
		("brand: Hyundai", "vehicle_brand", "Hyundai"),
	],
)
def test_a_change_asked_for_on_the_summary_is_made(text, field, value):
	stored = {
		"first_name": "Ravi", "last_name": "Kumar", "address": "Flat 12, Green Park, Baner, Pune",
		"pincode": "411045", "vehicle_type": "Hatchback", "vehicle_brand": "Maruti Suzuki",
		"vehicle_model": "Swift", "vehicle_plate": "MH12AB1234", "service_type": "Basic Wash",
		"appointment_date": "2026-11-30", "time_slot": "10:00-11:00",
	}
	snapshot = Snapshot(State.CONFIRMING, {"phone": SENDER, **stored}, True)
	decision = decide_turn(snapshot, Message(text), TODAY, SENDER)
	assert decision.values[field] == value


@pytest.mark.parametrize(
	"text",
	["kal ko nahi, parso ko", "Monday ko nahi, Tuesday ko", "No Monday, Tuesday", "sorry, Monday is not possible, Tuesday"],
)
def test_a_refused_day_is_never_the_booking_day(text):
	snapshot = collecting({"appointment_date": "2026-12-03"}, expecting=("vehicle_plate",))
	decision = decide_turn(snapshot, Message(text), TODAY, SENDER)
	assert decision.values["appointment_date"] in ("2026-12-01", "2026-12-03")


@pytest.mark.parametrize("text", ["I am Rahul's driver", "driver ka naam Suresh hai", "my son's name is Aarav"])
def test_somebody_elses_name_is_not_the_customers(text):
	decision = decide_turn(collecting({"first_name": "Rahul", "last_name": "Sharma"}), Message(text), TODAY, SENDER)
	assert (decision.values["first_name"], decision.values["last_name"]) == ("Rahul", "Sharma")


def test_a_car_label_without_a_car_leaves_the_address():
	decision = decide_turn(collecting({}, expecting=("address", "pincode")), Message("Car is at Flat 12, Lodha Park, Worli"), TODAY, SENDER)
	assert decision.values["address"] and "Flat 12" in decision.values["address"]
