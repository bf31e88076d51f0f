"""A returning customer's details are offered back to confirm or change, never assumed
(`engine/profile.py`)."""

from booking_data import PHONE, TODAY

from yawlit_bot.engine.conversation import Message, Snapshot, State, decide_turn
from yawlit_bot.engine.profile import Place, Profile, Vehicle

SWIFT = Vehicle("Maruti Suzuki", "Swift", "Hatchback", "MH12AB1234")
CRETA = Vehicle("Hyundai", "Creta", "SUV", "MH14CD5678")
HOME = Place("Flat 12, Green Park Society, Baner", "411045", "Pune")
OFFICE = Place("Office 5, Cerebrum IT Park, Kalyani Nagar", "411014", "Pune")
ONE = Profile("Ravi", "Kumar", "", (SWIFT,), (HOME,))
MANY = Profile("Ravi", "Kumar", "ravi@example.com", (SWIFT, CRETA), (HOME, OFFICE))


def turn(snapshot, text=None, **message):
	return decide_turn(snapshot, Message(text=text, **message), TODAY, PHONE)


def after(decision, profile=None):
	active = decision.state in (State.COLLECTING, State.CONFIRMING)
	return Snapshot(
		decision.state,
		decision.values,
		active,
		decision.expecting,
		decision.editing_field,
		unconfirmed=decision.unconfirmed,
		profile=profile,
	)


def test_details_from_last_time_are_shown_not_filled():
	decision = turn(Snapshot(profile=ONE), "hi")
	body = decision.replies[-1].body
	assert "Welcome back, Ravi!" in body and "Maruti Suzuki Swift (Hatchback), MH12AB1234" in body
	assert "Flat 12, Green Park Society, Baner, 411045" in body
	assert not decision.values.get("first_name") and not decision.values.get("vehicle_plate")
	assert decision.unconfirmed["vehicle_plate"] == "MH12AB1234"


def test_yes_takes_them_and_the_bot_asks_what_is_left():
	yes = turn(after(turn(Snapshot(profile=ONE), "hi")), "haan")
	assert yes.values["first_name"] == "Ravi" and yes.values["vehicle_plate"] == "MH12AB1234"
	assert yes.values["address"].startswith("Flat 12") and yes.values["pincode"] == "411045"
	assert yes.expecting[0] == "service_type"


def test_what_they_send_instead_wins_and_the_rest_is_not_assumed():
	changed = turn(after(turn(Snapshot(profile=ONE), "hi")), "new car: Honda City MH01XY9999")
	assert changed.values["vehicle_model"] == "City" and changed.values["vehicle_plate"] == "MH01XY9999"
	assert not changed.values.get("address")  # not said yes to


def test_what_the_first_message_gave_is_not_offered_over():
	decision = turn(Snapshot(profile=ONE), "hi, Hyundai Creta MH14CD5678 wash karna hai")
	assert decision.values["vehicle_model"] == "Creta"
	assert "vehicle_plate" not in decision.unconfirmed and decision.unconfirmed["first_name"] == "Ravi"


def test_several_cars_then_addresses_are_numbered_lists():
	first = turn(Snapshot(profile=MANY), "hi")
	reply = first.replies[-1]
	assert "Which car is it this time?" in reply.body and "2. Hyundai Creta MH14CD5678" in reply.body
	assert reply.sections[0].rows[1].id == "car:2"
	car = turn(after(first, MANY), "2")
	assert car.values["vehicle_model"] == "Creta" and car.values["vehicle_type"] == "SUV"
	assert "Which address" in car.replies[-1].body
	place = turn(after(car, MANY), "Office 5, Cerebrum IT Park, Kalyani Nagar, 411014", button_id="place:2")
	assert place.values["pincode"] == "411014"
	assert place.unconfirmed == {"first_name": "Ravi", "last_name": "Kumar", "email": "ravi@example.com"}


def test_another_car_typed_skips_the_list():
	first = turn(Snapshot(profile=MANY), "hi")
	other = turn(after(first, MANY), "Kia Seltos MH12ZZ0001")
	assert other.values["vehicle_model"] == "Seltos"


def test_an_invalid_old_value_is_never_offered():
	broken = Profile("Ravi", "Kumar", "", (Vehicle("Maruti Suzuki", "Swift", "Hatchback", "NOT A PLATE"),), ())
	decision = turn(Snapshot(profile=broken), "hi")
	assert "vehicle_plate" not in decision.unconfirmed


def test_a_car_or_address_typed_out_is_the_customers_own_not_the_one_on_record():
	first = turn(Snapshot(profile=MANY), "hi")
	typed = turn(after(first, MANY), "Maruti Suzuki Swift MH12AB9999")
	assert typed.values["vehicle_plate"] == "MH12AB9999"


def test_a_record_is_offered_only_as_a_whole():
	decision = turn(Snapshot(profile=ONE), "hi, Hyundai ki car hai, wash chahiye")
	assert "vehicle_model" not in decision.unconfirmed and "vehicle_plate" not in decision.unconfirmed
	decision = turn(Snapshot(profile=ONE), "hi, pincode 560001, wash chahiye")
	assert "address" not in decision.unconfirmed


def test_another_car_without_details_is_asked_for_not_the_list_again():
	first = turn(Snapshot(profile=MANY), "hi")
	other = turn(after(first, MANY), "nayi gaadi hai")
	assert "Which car" not in other.replies[-1].body
