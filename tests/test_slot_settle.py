"""A slot without room is caught at the summary and at Confirm; the summary shows the price."""

from __future__ import annotations

from booking_data import FULL, PHONE, TODAY

from yawlit_bot.engine.conversation import (
	ACTIVE,
	Message,
	SlotCheck,
	Snapshot,
	State,
	decide_turn,
	needs_slot_check,
	settle,
)

PRICE = {"base": 599, "addons_total": 100, "surcharges": 150, "total": 849}


def turn(snapshot, text):
	return decide_turn(snapshot, Message(text=text), TODAY, PHONE)


def summary_shown():
	values = {k: v for k, v in FULL.items() if k != "vehicle_plate"}
	return turn(Snapshot(State.COLLECTING, values, True, expecting=("vehicle_plate",)), FULL["vehicle_plate"])


def test_the_summary_and_the_booking_need_the_slot_checked():
	shown = summary_shown()
	assert shown.state is State.CONFIRMING and needs_slot_check(shown)
	confirmed = turn(Snapshot(State.CONFIRMING, dict(FULL), True), "confirm")
	assert confirmed.create_booking and needs_slot_check(confirmed)
	assert not needs_slot_check(turn(Snapshot(State.COLLECTING, {"phone": PHONE}, True), "hi"))


def test_the_summary_shows_the_price_breakdown():
	decision = settle(summary_shown(), SlotCheck(True), PRICE)
	body = decision.replies[-1].body
	assert "Price: ₹599" in body and "Add-ons: ₹100" in body and "surcharge: ₹150" in body and "Total: ₹849" in body
	assert decision.replies[-1].buttons, "still the summary, with its buttons"
	assert body.count("Please check your booking") == 1


def test_a_full_slot_at_confirm_books_nothing_and_asks_for_another_time_keeping_the_rest():
	confirmed = turn(Snapshot(State.CONFIRMING, dict(FULL), True), "confirm")
	decision = settle(confirmed, SlotCheck(False, "Sorry, 10:00-11:00 was just taken.", ("09:00-10:00", "17:00-18:00")))
	assert not decision.create_booking
	assert (decision.state, decision.scratchpad_status, decision.expecting) == (State.COLLECTING, ACTIVE, ("time_slot",))
	assert decision.values["time_slot"] is None
	assert {k: v for k, v in decision.values.items() if k != "time_slot"} == {
		k: v for k, v in FULL.items() if k != "time_slot"
	}
	body = decision.replies[-1].body
	assert "just taken" in body and "Morning: 09:00-10:00" in body and "Evening: 17:00-18:00" in body
	assert decision.replies_after("BKG-1") == decision.replies, "no confirmation"


def test_a_full_day_asks_for_another_date_with_the_nearest_that_have_room():
	decision = settle(summary_shown(), SlotCheck(False, "That day is fully booked.", (), ("2026-11-27", "2026-11-28")))
	assert decision.expecting == ("appointment_date", "time_slot")
	# no next open day's slots to offer: the date is asked again
	assert decision.values["appointment_date"] is None
	offered = settle(summary_shown(), SlotCheck(False, "Full.", (), ("2026-11-27",), "2026-11-27", ("10:00-11:00",)))
	assert offered.values["appointment_date"] == "2026-11-27", "the next open day offered is the date now"
	assert not any(r.buttons for r in decision.replies), "no summary with a slot that cannot be had"
	assert "Fri 27 Nov 2026" in decision.replies[-1].body


def test_a_slot_with_room_leaves_the_decision_as_it_was():
	confirmed = turn(Snapshot(State.CONFIRMING, dict(FULL), True), "confirm")
	assert settle(confirmed, SlotCheck(True)) == confirmed


def test_an_address_outside_the_area_served_books_nothing_and_keeps_every_value():
	confirmed = turn(Snapshot(State.CONFIRMING, dict(FULL), True), "confirm")
	decision = settle(confirmed, None, served=False)
	assert not decision.create_booking and decision.state is State.COLLECTING
	assert decision.values == confirmed.values
	assert decision.expecting == ("address", "pincode")
	assert "don't come to 411045" in decision.replies[-1].body
	assert not any(r.buttons for r in decision.replies)
