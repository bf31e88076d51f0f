"""After the booking, as plain rules: when a reminder is due, what a reminder tap, a rating and
a comment do to the conversation, and when a visit may be marked done."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from yawlit_bot.engine import aftercare
from yawlit_bot.engine.aftercare import EVENING, MORNING, ReminderTimes, Visit
from yawlit_bot.engine.conversation import Message, Snapshot, State, decide_turn
from yawlit_bot.engine.upcoming import Upcoming

DAY = date(2026, 12, 10)
PHONE = "919812345678"


def visit(**changes) -> Visit:
	values = dict(
		booking_id="BKG-2026-00001",
		day=DAY,
		slot="10:00-11:00",
		starts_at=datetime.combine(DAY, time(10)),
		booked_at=datetime(2026, 12, 1, 9),
		first_name="Ravi",
		service="Foam Wash",
		address="12 MG Road",
		total=599,
	)
	values.update(changes)
	return Visit(**values)


EVENING_BEFORE = datetime(2026, 12, 9, 18, 0)


class TestReminderDue:
	def test_the_evening_before_at_the_set_time(self):
		assert aftercare.reminder_due(visit(), ReminderTimes(), EVENING_BEFORE - timedelta(minutes=1)) is None
		assert aftercare.reminder_due(visit(), ReminderTimes(), EVENING_BEFORE) == EVENING

	def test_once_per_kind(self):
		assert aftercare.reminder_due(visit(done=frozenset({EVENING})), ReminderTimes(), EVENING_BEFORE) is None

	def test_the_morning_one_only_when_set(self):
		morning = datetime(2026, 12, 10, 7, 0)
		assert aftercare.reminder_due(visit(done=frozenset({EVENING})), ReminderTimes(), morning) is None
		times = ReminderTimes(morning=time(7))
		assert aftercare.reminder_due(visit(done=frozenset({EVENING})), times, morning) == MORNING

	def test_a_site_down_all_evening_sends_the_latest_only_and_none_after_the_slot(self):
		times = ReminderTimes(morning=time(7))
		assert aftercare.reminder_due(visit(), times, datetime(2026, 12, 9, 23, 30)) == EVENING
		assert aftercare.reminder_due(visit(), times, datetime(2026, 12, 10, 8)) == MORNING
		assert aftercare.reminder_due(visit(), times, datetime(2026, 12, 10, 10)) is None

	def test_a_booking_made_after_the_moment_is_not_reminded_one_made_before_is(self):
		late = visit(booked_at=EVENING_BEFORE + timedelta(minutes=30))
		assert aftercare.reminder_due(late, ReminderTimes(), EVENING_BEFORE + timedelta(hours=1)) is None
		early = visit(booked_at=EVENING_BEFORE - timedelta(minutes=30))
		assert aftercare.reminder_due(early, ReminderTimes(), EVENING_BEFORE + timedelta(hours=1)) == EVENING
		morning = ReminderTimes(morning=time(7))
		assert aftercare.reminder_due(late, morning, datetime(2026, 12, 10, 7, 5)) == MORNING

	def test_the_reminder_says_slot_address_price_with_two_buttons(self):
		reply = aftercare.reminder(visit(), EVENING, DAY - timedelta(days=1))
		assert "tomorrow" in reply.body and "10:00-11:00" in reply.body
		assert "12 MG Road" in reply.body and "₹599" in reply.body
		assert reply.buttons == ("Confirm visit", "Reschedule")
		assert all(1 <= len(title) <= 20 for title in reply.buttons)

	def test_template_fields_in_the_settings_order(self):
		sources = aftercare.read_template_sources("first_name, day, slot, price")
		fields = aftercare.template_fields(sources, aftercare.visit_values(visit(address="")))
		assert fields == {"field_1": "Ravi", "field_2": "Thu 10 Dec 2026", "field_3": "10:00-11:00", "field_4": "₹599"}
		assert aftercare.template_fields(("address",), aftercare.visit_values(visit(address=""))) == {"field_1": "-"}
		with pytest.raises(ValueError, match="colour"):
			aftercare.read_template_sources("first_name, colour")


UPCOMING = Upcoming("BKG-2026-00001", str(DAY), "10:00-11:00", "Foam Wash", hours_to_go=16)
OTHER = Upcoming("BKG-2026-00002", str(DAY + timedelta(days=3)), "12:00-13:00", "Interior", hours_to_go=88)


def reminded(booking: Upcoming, message: int = 101) -> Upcoming:
	return replace(booking, reminded=message)


def turn(snapshot: Snapshot, text: str, button_id: str | None = None):
	return decide_turn(snapshot, Message(text, "interactive" if button_id else "text", button_id), DAY - timedelta(days=1), PHONE)


class TestReminderTaps:
	def test_confirm_visit_notes_it_and_never_books_again(self):
		snapshot = Snapshot(State.COMPLETED, upcoming=(reminded(UPCOMING, 102), reminded(OTHER, 90)))
		decision = turn(snapshot, "Confirm visit", "1")
		assert decision.confirm_visit == UPCOMING.booking_id
		assert not decision.create_booking and not decision.cancel_booking
		assert "See you" in decision.replies[0].body

	def test_reschedule_asks_for_the_new_time_of_the_reminded_booking(self):
		snapshot = Snapshot(State.COMPLETED, upcoming=(UPCOMING, reminded(OTHER)))
		decision = turn(snapshot, "Reschedule", "2")
		assert decision.pending_change == f"move:{OTHER.booking_id}"
		then = turn(Snapshot(State.COMPLETED, upcoming=(UPCOMING, OTHER), pending_change=decision.pending_change), "parso 4 baje")
		assert then.move_booking and then.move_booking[0] == OTHER.booking_id

	@pytest.mark.parametrize("text", ["haan", "yes", "ok", "haan aa jaunga", "yes I will be there", "confirm", "pakka aa raha hoon"])
	def test_a_typed_yes_after_a_reminder_confirms_the_visit(self, text):
		decision = turn(Snapshot(State.COMPLETED, upcoming=(reminded(UPCOMING),)), text)
		assert decision.confirm_visit == UPCOMING.booking_id, decision.replies

	@pytest.mark.parametrize("text", ["haan but can we do 5 baje?", "ok cancel it", "yes kal nahi ho payega", "haan"])
	def test_a_yes_that_says_more_or_comes_without_a_reminder_is_no_confirmation(self, text):
		snapshot = Snapshot(State.COMPLETED, upcoming=(UPCOMING,) if text == "haan" else (reminded(UPCOMING),))
		assert turn(snapshot, text).confirm_visit is None

	def test_a_yes_to_a_question_asked_answers_that_question(self):
		snapshot = Snapshot(State.COMPLETED, upcoming=(reminded(UPCOMING),), pending_change=f"cancel:{UPCOMING.booking_id}")
		decision = turn(snapshot, "haan")
		assert decision.cancel_booking == UPCOMING.booking_id and decision.confirm_visit is None

	def test_edit_tapped_on_an_old_summary_moves_the_booking_it_made_and_a_stale_keep_it_does_not(self):
		snapshot = Snapshot(State.COMPLETED, upcoming=(UPCOMING,), last_booking_id=UPCOMING.booking_id)
		assert turn(snapshot, "Edit", "2").pending_change == f"move:{UPCOMING.booking_id}"
		assert turn(snapshot, "No, keep it", "2").pending_change is None

	def test_a_tap_when_the_booking_is_gone(self):
		decision = turn(Snapshot(State.IDLE), "Confirm visit", "1")
		assert decision.confirm_visit is None and "could not find" in decision.replies[0].body

	def test_close_to_the_slot_a_person_moves_it(self):
		soon = Upcoming("BKG-2026-00001", str(DAY), "10:00-11:00", hours_to_go=1)
		decision = turn(Snapshot(State.COMPLETED, upcoming=(reminded(soon),)), "Reschedule", "2")
		assert decision.needs_person and decision.move_booking is None


class TestRating:
	@pytest.mark.parametrize(
		("text", "rating"),
		[("5", 5), ("4/5", 4), ("3 stars", 3), ("⭐⭐⭐⭐", 4), ("⭐️⭐️", 2), ("five", 5), ("paanch", 5), (" 1 ", 1)],
	)
	def test_typed_ratings(self, text, rating):
		assert aftercare.read_rating(text, None, "B1") == rating

	@pytest.mark.parametrize("text", ["6", "0", "5 baje", "kal 4 baje aana", "I paid 500", "45", ""])
	def test_a_number_in_a_sentence_is_no_rating(self, text):
		assert aftercare.read_rating(text, None, "B1") is None

	def test_the_list_row_names_its_booking(self):
		assert aftercare.read_rating("4 - Good", "rate:B1|4", "B1") == 4
		assert aftercare.read_rating("4 - Good", "rate:B2|4", "B1") is None

	def test_the_request_is_a_list_of_five(self):
		reply = aftercare.feedback_request("B1", "Ravi", "Foam Wash")
		rows = reply.sections[0].rows
		assert [row.id for row in rows] == [f"rate:B1|{n}" for n in (5, 4, 3, 2, 1)]

	def test_a_tapped_rating_is_stored_and_the_comment_asked(self):
		decision = turn(Snapshot(State.COMPLETED), "4 - Good", "rate:B1|4")
		assert decision.feedback_rating == ("B1", 4) and decision.needs_person is None
		assert decision.pending_change == "comment:B1"

	def test_a_low_rating_needs_a_person(self):
		decision = turn(Snapshot(State.IDLE, pending_change="rate:B1"), "2")
		assert decision.feedback_rating == ("B1", 2)
		assert "B1" in decision.needs_person

	def test_a_typed_number_is_a_rating_only_when_asked(self):
		assert turn(Snapshot(State.IDLE), "4").feedback_rating is None

	def test_a_rating_tapped_while_booking_again_keeps_the_booking_going(self):
		snapshot = Snapshot(State.COLLECTING, values={"first_name": "Ravi"}, has_scratchpad=True, expecting=("last_name",))
		decision = turn(snapshot, "5 - Excellent", "rate:B1|5")
		assert decision.feedback_rating == ("B1", 5)
		assert decision.state is State.COLLECTING and decision.values == {"first_name": "Ravi"}
		assert decision.expecting == ("last_name",)


class TestComment:
	def asked(self) -> Snapshot:
		return Snapshot(State.IDLE, pending_change="comment:B1")

	def test_a_comment_is_stored_as_written(self):
		decision = turn(self.asked(), "The washer came late but did a great job")
		assert decision.feedback_comment == ("B1", "The washer came late but did a great job")

	@pytest.mark.parametrize("text", ["no", "nahi", "nothing", "no thanks"])
	def test_no_comment(self, text):
		decision = turn(self.asked(), text)
		assert decision.feedback_comment is None and decision.replies

	def test_a_new_booking_is_not_a_comment(self):
		decision = turn(self.asked(), "kal subah 10 baje foam wash chahiye")
		assert decision.feedback_comment is None
		assert decision.values.get("appointment_date")  # read as a booking: nothing misfiled

	def test_the_question_lapses_after_another_message(self):
		assert turn(Snapshot(State.IDLE), "The washer came late").feedback_comment is None


class TestVisitOutcome:
	def test_only_a_confirmed_booking_from_its_day(self):
		assert aftercare.visit_outcome_problem("Confirmed", "Completed", DAY, DAY) is None
		assert aftercare.visit_outcome_problem("Confirmed", "No-show", DAY, DAY + timedelta(days=1)) is None
		assert "from that day" in aftercare.visit_outcome_problem("Confirmed", "Completed", DAY, DAY - timedelta(days=1))
		assert "Cancelled" in aftercare.visit_outcome_problem("Cancelled", "Completed", DAY, DAY)
		assert aftercare.visit_outcome_problem("Completed", "Completed", DAY, DAY) is None
		assert aftercare.visit_outcome_problem("Confirmed", "Done", DAY, DAY)

	def test_feedback_due_after_the_delay_and_not_days_later(self):
		done = datetime(2026, 12, 10, 11)
		assert not aftercare.feedback_due(done, done + timedelta(minutes=59), 60)
		assert aftercare.feedback_due(done, done + timedelta(minutes=60), 60)
		assert not aftercare.feedback_due(done, done + timedelta(days=4), 60)


class TestComebackRules:
	def test_the_form_values_read(self):
		from yawlit_bot.engine.campaign import Comeback, read_comeback

		assert read_comeback({"away_days": "30", "city": " Pune ", "pincode": "411 045", "vehicle_type": "SUV"}) == Comeback(
			30, "Pune", "411045", "SUV"
		)
		assert read_comeback(None) == Comeback()
		assert read_comeback({"never_booked": 1}).never_booked

	@pytest.mark.parametrize(
		("values", "says"),
		[
			({"away_days": "-3"}, "whole number"),
			({"away_days": "ten"}, "whole number"),
			({"pincode": "12345"}, "pincode"),
			({"vehicle_type": "Truck"}, "Vehicle type"),
			({"never_booked": 1, "city": "Pune"}, "one or the other"),
		],
	)
	def test_what_is_refused_says_why(self, values, says):
		from yawlit_bot.engine.campaign import AudienceError, read_comeback

		with pytest.raises(AudienceError, match=says):
			read_comeback(values)

	def test_the_results_rows(self):
		from yawlit_bot.engine.campaign import campaign_results

		rows = campaign_results({"sent": 10, "delivered": 8, "read": 5, "opted_out": 1}, replied=4, bookings=2, days=7)
		assert rows[0] == ("Sent", 10, "")
		assert ("Replied", 4, "40%") in rows
		assert ("Bookings within 7 days", 2, "20%") in rows
		assert campaign_results({}, 0, 0, 7)[1] == ("Delivered", 0, "-")
