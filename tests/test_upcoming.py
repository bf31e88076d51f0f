"""The customer cancels or moves a booking already made, over WhatsApp (engine/upcoming.py):
which one, asked once, then cancelled or moved; close to its slot, or with a booking system
that takes no change from the bot, a person takes it."""

from datetime import date

from yawlit_bot.engine.conversation import Message, Snapshot, State, decide_turn
from yawlit_bot.engine.upcoming import CANCEL_ROW, Upcoming

TODAY = date(2026, 11, 25)
PHONE = "919812345678"
ONE = Upcoming("WA-BKG-0007", "2026-11-26", "10:00-11:00", "Foam Wash", hours_to_go=26)
TWO = Upcoming("WA-BKG-0009", "2026-11-28", "16:00-17:00", "Basic Wash", hours_to_go=80)


def turn(snapshot, text=None, **message):
	return decide_turn(snapshot, Message(text=text, **message), TODAY, PHONE)


def done(*bookings, pending=None):
	return Snapshot(State.COMPLETED, upcoming=bookings, pending_change=pending)


def test_cancel_my_booking_asks_once_naming_the_booking():
	for said in ("cancel my booking", "booking cancel kar do", "mujhe booking cancel karni hai"):
		decision = turn(done(ONE), said)
		assert decision.pending_change == f"cancel:{ONE.booking_id}", said
		assert not decision.cancel_booking
		assert "WA-BKG-0007" in decision.replies[-1].body and decision.replies[-1].buttons


def test_yes_cancels_and_no_keeps_it():
	asked = done(ONE, pending=f"cancel:{ONE.booking_id}")
	for yes in ({"text": "Yes, cancel it", "button_id": "1"}, {"text": "haan"}):
		decision = turn(asked, **yes)
		assert decision.cancel_booking == ONE.booking_id and decision.pending_change is None
		assert "is cancelled" in decision.replies[-1].body
		assert decision.state is State.IDLE
	for no in ({"text": "No, keep it", "button_id": "2"}, {"text": "nahi"}):
		decision = turn(asked, **no)
		assert not decision.cancel_booking and decision.pending_change is None
		assert "stays" in decision.replies[-1].body


def test_several_bookings_are_listed_and_the_row_picks_one():
	decision = turn(done(ONE, TWO), "cancel booking")
	rows = [row.id for section in decision.replies[-1].sections for row in section.rows]
	assert rows == [CANCEL_ROW + ONE.booking_id, CANCEL_ROW + TWO.booking_id]
	picked = turn(done(ONE, TWO), TWO.booking_id, button_id=CANCEL_ROW + TWO.booking_id)
	assert picked.pending_change == f"cancel:{TWO.booking_id}" and not picked.cancel_booking


def test_close_to_the_slot_a_person_takes_it():
	soon = Upcoming("WA-BKG-0011", "2026-11-25", "10:00-11:00", hours_to_go=1.5)
	decision = turn(done(soon), "cancel my booking")
	assert decision.needs_person and not decision.cancel_booking and not decision.pending_change
	assert "person" in decision.replies[-1].body


def test_a_booking_system_that_takes_no_cancellation_hands_it_to_a_person():
	erp = Upcoming("ERP-1", "2026-11-27", "10:00-11:00", hours_to_go=50, changeable_by_bot=False)
	assert turn(done(erp), "cancel my booking").needs_person


def test_no_upcoming_booking_says_there_is_nothing_to_cancel():
	assert "no booking" in turn(done(), "cancel my booking").replies[-1].body.lower()


def test_another_message_lets_the_question_lapse_and_is_read():
	decision = turn(done(ONE, pending=f"cancel:{ONE.booking_id}"), "hi, I need another wash")
	assert not decision.cancel_booking and decision.pending_change is None
	assert decision.start_new_scratchpad


# ---------------------------------------------------------------- moving it


def test_reschedule_asks_for_the_new_date_then_offers_that_days_slots():
	for said in ("I want to reschedule", "booking ka date change karna hai", "can we shift my booking"):
		decision = turn(done(ONE), said)
		assert decision.pending_change == f"move:{ONE.booking_id}", said
		assert "Which date" in decision.replies[-1].body
	dated = turn(done(ONE, pending=f"move:{ONE.booking_id}"), "parso")
	assert dated.offer_move_day == (ONE.booking_id, "2026-11-27") and not dated.move_booking
	assert dated.pending_change == f"move:{ONE.booking_id}|2026-11-27"
	# a time typed for the day offered moves it
	timed = turn(done(ONE, pending=f"move:{ONE.booking_id}|2026-11-27"), "4 baje")
	assert timed.move_booking == (ONE.booking_id, "2026-11-27", "16:00-17:00")


def test_a_date_and_time_read_from_free_text_is_asked_once_then_moved():
	decision = turn(done(ONE), "kal nahi ho payega, parso 11 baje karo")
	assert not decision.move_booking, "read from free text: asked first"
	assert "Move your booking" in decision.replies[-1].body
	pending = f"moveto:{ONE.booking_id}|2026-11-27|11:00-12:00"
	assert decision.pending_change == pending
	moved = turn(done(ONE, pending=pending), "Yes, move it", button_id="1")
	assert moved.move_booking == (ONE.booking_id, "2026-11-27", "11:00-12:00")
	assert "moved to Fri 27 Nov 2026, 11:00-12:00" in moved.replies[-1].body
	kept = turn(done(ONE, pending=pending), "No, keep it", button_id="2")
	assert not kept.move_booking and "stays" in kept.replies[-1].body


def test_a_new_booking_is_not_a_move():
	for said in ("Need another booking for tomorrow 10 am, I will move the car out", "ek aur booking karni hai kal 10 baje"):
		decision = turn(done(ONE), said)
		assert not decision.move_booking and not (decision.pending_change or "").startswith("move")


def test_a_slot_row_moves_it_and_several_bookings_are_listed_to_move():
	row = f"moveto:{ONE.booking_id}|2026-11-27|16:00-17:00"
	decision = turn(done(ONE, pending=f"move:{ONE.booking_id}"), "16:00-17:00", button_id=row)
	assert decision.move_booking == (ONE.booking_id, "2026-11-27", "16:00-17:00")
	listed = turn(done(ONE, TWO), "reschedule my booking")
	rows = [r.id for section in listed.replies[-1].sections for r in section.rows]
	assert rows == [f"movebk:{ONE.booking_id}", f"movebk:{TWO.booking_id}"]


def test_moving_close_to_the_slot_is_a_persons_job():
	soon = Upcoming("WA-BKG-0011", "2026-11-25", "10:00-11:00", hours_to_go=1)
	decision = turn(done(soon), "please reschedule")
	assert decision.needs_person and not decision.move_booking
