"""What a customer is told when staff move or cancel their booking (`engine/staff_changes.py`)."""

from yawlit_bot.engine.staff_changes import notice_for

BEFORE = {"status": "Confirmed", "appointment_date": "2026-12-01", "time_slot": "10:00-11:00", "service_type": "Foam Wash"}


def test_a_move_tells_the_new_date_and_time():
	reply = notice_for(BEFORE, {**BEFORE, "appointment_date": "2026-12-02", "time_slot": "15:00-16:00"}, "BKG-1")
	assert "moved by our team to Wed 02 Dec 2026, 15:00-16:00" in reply.body and reply.essential


def test_a_cancellation_tells_what_was_cancelled():
	reply = notice_for(BEFORE, {**BEFORE, "status": "Cancelled"}, "BKG-1")
	assert "BKG-1 (Foam Wash on Tue 01 Dec 2026, 10:00-11:00) has been cancelled" in reply.body


def test_other_changes_say_nothing():
	assert notice_for(BEFORE, {**BEFORE, "notes": "gate 2"}, "BKG-1") is None
	assert notice_for(BEFORE, {**BEFORE, "status": "Completed"}, "BKG-1") is None
	assert notice_for({**BEFORE, "status": "Cancelled"}, {**BEFORE, "status": "Cancelled", "time_slot": "11:00-12:00"}, "B") is None
