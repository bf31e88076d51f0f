"""Every transition of the five-state machine, through `decide_turn` alone (no I/O)."""

from datetime import date

import pytest
from booking_data import FULL, PHONE, TODAY

from yawlit_bot.engine.conversation import (
	ACTIVE,
	CANCELLED,
	COMPLETED,
	EDIT_ANY,
	Message,
	Snapshot,
	State,
	decide_turn,
)


def turn(snapshot, text=None, **message):
	return decide_turn(snapshot, Message(text=text, **message), TODAY, PHONE)


def after(decision, snapshot=None):
	"""The snapshot the service layer would store after `decision`."""
	return Snapshot(
		decision.state,
		decision.values,
		decision.scratchpad_status == ACTIVE,
		decision.expecting,
		decision.editing_field,
		snapshot.last_booking_id if snapshot else None,
	)


def confirming():
	return Snapshot(State.CONFIRMING, dict(FULL), True)


def test_idle_any_message_starts_collecting_with_sender_phone():
	decision = turn(Snapshot(), "hmm")
	assert decision.state is State.COLLECTING
	assert decision.start_new_scratchpad
	assert decision.values["phone"] == PHONE
	assert "name" in decision.replies[0].body
	assert decision.expecting == ("first_name", "last_name")


def test_foreign_whatsapp_sender_is_the_booking_phone():
	# WhatsApp ids carry no "+": a UK customer's id must not be read as a broken Indian number.
	decision = decide_turn(Snapshot(), Message(text="hi"), TODAY, "447911123456")
	assert decision.values["phone"] == "447911123456"


def test_sender_id_that_is_no_number_leaves_the_phone_to_ask_for():
	decision = decide_turn(Snapshot(), Message(text="hi"), TODAY, "9991234567")
	assert decision.values.get("phone") is None
	assert decision.state is State.COLLECTING


def test_greeting_gets_welcome_and_first_questions():
	decision = turn(Snapshot(), "Namaste")
	assert "Yawlit" in decision.replies[0].body
	assert decision.state is State.COLLECTING


def test_collecting_asks_two_or_three_fields_at_a_time():
	decision = turn(Snapshot(), "I am Ravi Kumar")
	assert decision.values["first_name"] == "Ravi"
	assert 1 <= len(decision.expecting) <= 3


def test_collecting_to_confirming_when_all_twelve_valid():
	partial = {k: v for k, v in FULL.items() if k != "time_slot"}
	decision = turn(Snapshot(State.COLLECTING, partial, True, ("time_slot",)), "10 am")
	assert decision.state is State.CONFIRMING
	assert decision.replies[-1].buttons == ("Confirm", "Edit", "Cancel")
	assert "MH12AB1234" in decision.replies[-1].body


def test_seventy_five_percent_with_required_missing_stays_collecting():
	values = {k: v for k, v in FULL.items() if k not in ("address", "pincode", "vehicle_plate", "time_slot")}
	values.update(email="a@b.co", city="Pune", addons="Eco Wash", notes="n")
	decision = turn(Snapshot(State.COLLECTING, values, True), "hmm")
	assert decision.state is State.COLLECTING
	assert not decision.create_booking


def test_invalid_value_gets_a_clear_reask_and_keeps_the_old_one():
	decision = turn(Snapshot(State.COLLECTING, {"phone": PHONE, "pincode": "411045"}, True), "pincode 4110")
	assert decision.values["pincode"] == "411045"
	assert "6 digits" in decision.replies[0].body


@pytest.mark.parametrize("text", ["confirm", "yes", "haan", "theek hai", "Theek hai, book karo", "confrim"])
def test_confirming_to_completed_on_confirm(text):
	decision = turn(confirming(), text)
	assert decision.state is State.COMPLETED
	assert decision.create_booking
	assert decision.scratchpad_status == COMPLETED
	confirmation = decision.replies_after("SB-00042")[-1]
	assert "SB-00042" in confirmation.body and confirmation.essential


@pytest.mark.parametrize("button_id,title", [("1", "Confirm"), ("confirm", None)])
def test_button_by_id_or_title_counts_as_typed(button_id, title):
	decision = turn(confirming(), title, message_type="interactive", button_id=button_id)
	assert decision.create_booking


def test_confirming_edit_named_field_asks_for_it():
	decision = turn(confirming(), "edit date")
	assert decision.state is State.COLLECTING
	assert decision.editing_field == "appointment_date"
	assert "date" in decision.replies[0].body.lower()
	assert decision.values == {**dict.fromkeys(decision.values), **FULL}  # nothing cleared
	# the edited value returns to the summary
	back = turn(after(decision), "parso")
	assert back.state is State.CONFIRMING
	assert back.values["appointment_date"] == "2026-11-27"


def test_edit_target_waits_for_that_field():
	decision = turn(confirming(), "change the address")
	still = turn(after(decision), "hmm")
	assert still.state is State.COLLECTING
	assert still.editing_field == "address"


def test_edit_button_without_field_asks_which():
	decision = turn(confirming(), "Edit", message_type="interactive", button_id="2")
	assert decision.state is State.COLLECTING
	assert decision.editing_field == EDIT_ANY
	chosen = turn(after(decision), "time")
	assert chosen.editing_field == "time_slot"
	done = turn(after(chosen), "shaam 4 baje")
	assert done.state is State.CONFIRMING
	assert done.values["time_slot"] == "16:00-17:00"


def test_edit_with_value_in_one_message():
	decision = turn(confirming(), "change date to parso")
	assert decision.state is State.CONFIRMING
	assert decision.values["appointment_date"] == "2026-11-27"


@pytest.mark.parametrize("state", [State.COLLECTING, State.CONFIRMING])
@pytest.mark.parametrize("text", ["cancel", "band karo", "cancle", "nahi chahiye"])
def test_any_active_state_to_cancelled(state, text):
	decision = turn(Snapshot(state, dict(FULL), True), text)
	assert decision.state is State.CANCELLED
	assert decision.scratchpad_status == CANCELLED
	assert not decision.create_booking


def test_cancel_button():
	decision = turn(confirming(), "Cancel", message_type="interactive", button_id="3")
	assert decision.state is State.CANCELLED


def test_after_cancel_a_fresh_start():
	decision = turn(Snapshot(State.CANCELLED, dict(FULL), False), "hi")
	assert decision.state is State.COLLECTING
	assert decision.start_new_scratchpad
	assert decision.values["first_name"] is None


def test_cancel_with_nothing_active():
	decision = turn(Snapshot(), "cancel")
	assert decision.state is State.IDLE
	assert not decision.start_new_scratchpad


def test_second_confirm_after_completion_never_books_again():
	snapshot = Snapshot(State.COMPLETED, dict(FULL), False, last_booking_id="BKG-2026-00001")
	decision = turn(snapshot, "confirm")
	assert not decision.create_booking
	assert not decision.start_new_scratchpad
	assert "BKG-2026-00001" in decision.replies[0].body


def test_new_booking_after_completion():
	decision = turn(Snapshot(State.COMPLETED, dict(FULL), False), "Hi, need another wash")
	assert decision.start_new_scratchpad
	assert decision.state is State.COLLECTING


def test_confirm_with_stale_date_asks_again():
	decision = decide_turn(confirming(), Message(text="confirm"), date(2026, 11, 28), PHONE)
	assert decision.state is State.COLLECTING
	assert not decision.create_booking
	assert "appointment_date" in decision.expecting


def test_new_values_in_confirming_update_the_summary():
	decision = turn(confirming(), "actually plate is MH14CD5678")
	assert decision.state is State.CONFIRMING
	assert "MH14CD5678" in decision.replies[0].body


def test_location_pin_fills_address_and_pincode():
	decision = turn(
		Snapshot(State.COLLECTING, {"phone": PHONE}, True),
		message_type="location",
		location={
			"address": "Baner Road, Pune, Maharashtra 411045",
			"name": "Home",
			"latitude": "18.5",
			"longitude": "73.8",
		},
	)
	assert "Baner Road" in decision.values["address"]
	assert decision.values["pincode"] == "411045"


@pytest.mark.parametrize("kind", ["image", "sticker", "audio", "reaction", "unsupported", "video"])
def test_unsupported_types_get_a_polite_reply_and_change_nothing(kind):
	snapshot = Snapshot(State.COLLECTING, dict(FULL), True, ("time_slot",))
	decision = turn(snapshot, None, message_type=kind)
	assert decision.state is State.COLLECTING
	assert decision.values == snapshot.values
	assert "Sorry" in decision.replies[0].body


def test_a_full_conversation():
	snapshot = Snapshot()
	for text in [
		"Hi",
		"I am Ravi Kumar",
		"Maruti Swift MH12AB1234",
		"premium wash",
		"kal subah 10 baje",
		"address: Flat 12, Green Park, Baner, Pune 411045",
	]:
		decision = turn(snapshot, text)
		snapshot = after(decision, snapshot)
	assert snapshot.state is State.CONFIRMING
	assert turn(snapshot, "haan").create_booking


def test_no_confirmation_without_a_booking():
	decision = turn(Snapshot(State.COLLECTING, {"phone": PHONE}, True), "hi")
	assert decision.replies_after("SB-00042") == decision.replies


def test_the_summary_reads_a_pincode_back_once():
	from yawlit_bot.engine.replies import address_with_pincode

	assert address_with_pincode("Flat 12, Green Park Society, Baner Road, Pune 411045", "411045") == (
		"Flat 12, Green Park Society, Baner Road, Pune 411045"
	)
	assert address_with_pincode("Flat 12, Green Park Society, Baner Road", "411045") == (
		"Flat 12, Green Park Society, Baner Road, 411045"
	)
	assert address_with_pincode("", "411045") == "411045"
