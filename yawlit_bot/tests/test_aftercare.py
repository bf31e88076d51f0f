"""After the booking (issue 23): reminders queued exactly once (two scheduler runs at once, a run
after a lost job), their buttons, the template outside WhatsApp's window, no reminder to an
opted-out number; the visit marked done by staff, the feedback asked for after the delay, the
rating and comment stored, a low rating flagged for a person."""

from __future__ import annotations

import json
import threading
from datetime import datetime, time, timedelta

import frappe
from frappe.utils import now_datetime

from yawlit_bot.engine import aftercare as rules
from yawlit_bot.services.aftercare import follow_up
from yawlit_bot.services.site.clock import today_in_india
from yawlit_bot.services.pipeline.sweeper import sweep
from yawlit_bot.services.pipeline.turn_jobs import conversation_lock, ready_queue
from yawlit_bot.tests.utils import PipelineTestCase, set_booking_settings


class AftercareCase(PipelineTestCase):
	def setUp(self):
		super().setUp()
		saved = set_booking_settings(
			{
				"evening_reminder_at": "18:00:00",
				"morning_reminder": 0,
				"reminder_template_name": "",
				"reminder_template_values": "first_name, day, slot",
				"feedback_delay_minutes": 60,
			}
		)
		self.addCleanup(set_booking_settings, saved)

	def booked(self) -> tuple[str, str]:
		"""A customer with a confirmed booking for tomorrow 10:00, made two days ago."""
		phone = self.new_phone()
		self.fill_booking(phone)
		self.tap(phone, "Confirm", "1")
		booking = self.conversation(phone).last_booking
		self.assertTrue(booking, "booked")
		frappe.db.sql(
			"update `tabWA Service Booking` set creation = %s where name = %s",
			(now_datetime() - timedelta(days=2), booking),
		)
		frappe.db.commit()
		self.wait_until(lambda: not conversation_lock(phone, 1).is_held(), what="the turn job done")
		return phone, booking

	def today_booking(self, starts: str = "10:00:00", ends: str = "11:00:00") -> tuple[str, str]:
		"""A booked customer whose visit is today (moved straight in the table: the seat is not
		what these tests are about)."""
		phone, booking = self.booked()
		day = today_in_india()
		frappe.db.sql(
			"""update `tabWA Service Booking` set appointment_date = %s,
			starts_at = timestamp(%s, %s), ends_at = timestamp(%s, %s) where name = %s""",
			(day, day, starts, day, ends, booking),
		)
		frappe.db.commit()
		return phone, booking

	def evening_before(self, booking: str) -> datetime:
		day = frappe.db.get_value("WA Service Booking", booking, "appointment_date")
		return datetime.combine(day - timedelta(days=1), time(18, 5))

	def queued_for(self, phone: str, run) -> int:
		"""How many messages `run` queued for this customer: the site's own counts take in every
		booking on the site, and another run's customers may have some due at the same time."""
		before = self.assistant_messages(phone)
		run()
		return self.assistant_messages(phone) - before

	def assistant_messages(self, phone: str) -> int:
		frappe.db.rollback()
		return frappe.db.count("WA Message", {"conversation": phone, "role": "assistant"})

	def reminders_of(self, phone: str) -> list:
		frappe.db.rollback()
		return frappe.get_all(
			"WA Message",
			filters={"conversation": phone, "role": "assistant", "content": ("like", "%a reminder:%")},
			fields=["name", "send_status", "buttons", "template", "message_type"],
		)


class TestReminders(AftercareCase):
	def test_two_runs_at_once_queue_one_reminder_with_its_buttons_sent_once(self):
		phone, booking = self.booked()
		now = self.evening_before(booking)
		self.standin.reset()
		site, sites_path = self.site, frappe.local.sites_path
		results = []

		def run():
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			try:
				results.append(follow_up.send_due_reminders(now))
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=run) for _ in range(2)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(60)
		self.assertEqual(len(self.reminders_of(phone)), 1, results)
		follow_up.send_due_reminders(now)  # a third run, later: nothing more

		reminders = self.reminders_of(phone)
		self.assertEqual(len(reminders), 1)
		self.assertEqual(json.loads(reminders[0].buttons), list(rules.REMINDER_BUTTONS))
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "evening_reminder"), str(reminders[0].name))
		self.assertTrue(self.standin.wait_for_accepted(phone, 1, timeout=30), "the reminder was sent")
		sent = [r for r in self.standin.accepted if r.body.get("phone_number") == phone]
		self.assertEqual(len(sent), 1)
		self.assertEqual(list(sent[0].body["buttons"].values()), list(rules.REMINDER_BUTTONS))
		self.assertIn("10:00-11:00", sent[0].body["body_text"])
		self.assertIn("Green Park Society", sent[0].body["body_text"])

	def test_a_reminder_left_queued_by_a_lost_job_is_sent_once_and_not_queued_again(self):
		phone, booking = self.booked()
		now = self.evening_before(booking)
		self.standin.reset()
		# The job that queued it died before sending: its row is Queued, no job has the conversation.
		lock = conversation_lock(phone, 30)
		self.assertTrue(lock.acquire(wait=5))
		try:
			self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_reminders(now)), 1)
		finally:
			lock.release()
		[reminder] = self.reminders_of(phone)
		if reminder.send_status == "Queued":
			frappe.db.sql(
				"update `tabWA Message` set modified = %s where name = %s",
				(now_datetime() - timedelta(minutes=10), reminder.name),
			)
			frappe.db.commit()
			ready_queue().done(phone)
			sweep()
			frappe.db.commit()
		self.wait_until(lambda: self.reminders_of(phone)[0].send_status == "Sent", what="the reminder sent")
		self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_reminders(now + timedelta(hours=3))), 0)
		self.assertEqual(len(self.reminders_of(phone)), 1)
		self.assertEqual([r.body.get("phone_number") for r in self.standin.accepted].count(phone), 1)

	def test_a_worker_killed_while_sending_the_reminder_leaves_it_sent_once_and_never_again(self):
		from yawlit_bot.tests.test_campaigns import kill_busy_work_horse

		phone, booking = self.booked()
		now = self.evening_before(booking)
		self.standin.reset()
		self.standin.configure(hang_next=1, hang_seconds=8)  # WAPI takes it and does not answer yet
		self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_reminders(now)), 1)
		# claimed (committed as Sending) and on its way: the work horse is killed mid-send
		self.wait_until(lambda: [r.send_status for r in self.reminders_of(phone)] == ["Sending"], what="the send in flight")
		self.assertTrue(kill_busy_work_horse(), "a work horse was sending it")
		[reminder] = self.reminders_of(phone)
		self.assertEqual(reminder.send_status, "Sending")
		# the sweeper, once the send is old enough, says it may or may not have gone: never resent
		frappe.db.sql(
			"update `tabWA Message` set modified = %s where name = %s",
			(now_datetime() - timedelta(minutes=10), reminder.name),
		)
		frappe.db.commit()
		sweep()
		frappe.db.commit()
		self.assertEqual(self.reminders_of(phone)[0].send_status, "Unknown")
		for _ in range(2):  # the scheduler again, twice: the booking holds its reminder already
			self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_reminders(now + timedelta(minutes=5))), 0)
		self.assertEqual(len(self.reminders_of(phone)), 1)
		# WAPI got the one request (it answers it once its hang ends), and no other
		self.wait_until(lambda: self.standin.requests, timeout=20, what="the hung request recorded")
		self.assertEqual([r.body.get("phone_number") for r in self.standin.requests].count(phone), 1)

	def test_none_before_its_time_none_after_the_slot_and_none_to_an_opted_out_number(self):
		phone, booking = self.booked()
		now = self.evening_before(booking)
		self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_reminders(now - timedelta(minutes=10))), 0)
		starts = frappe.db.get_value("WA Service Booking", booking, "starts_at")
		self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_reminders(starts + timedelta(minutes=1))), 0)
		frappe.get_doc({"doctype": "WA Opt Out", "phone": phone, "opted_out": 1}).insert(ignore_permissions=True)
		frappe.db.commit()
		follow_up.send_due_reminders(now)
		self.assertEqual(self.reminders_of(phone), [])
		self.assertIn("opted out", frappe.db.get_value("WA Service Booking", booking, "evening_reminder"))

	def test_outside_the_window_the_template_goes_with_the_set_values(self):
		phone, booking = self.booked()
		frappe.db.sql(
			"update `tabWA Conversation` set last_inbound_at = %s where name = %s",
			(now_datetime() - timedelta(days=2), phone),
		)
		frappe.db.commit()
		now = self.evening_before(booking)
		follow_up.send_due_reminders(now)
		self.assertIn("no template", frappe.db.get_value("WA Service Booking", booking, "evening_reminder"))

		frappe.db.sql("update `tabWA Service Booking` set evening_reminder = null where name = %s", booking)
		frappe.db.commit()
		set_booking_settings(
			{"reminder_template_name": "visit_reminder", "reminder_template_values": "first_name, day, slot, price"}
		)
		self.standin.reset()
		follow_up.send_due_reminders(now)
		[reminder] = self.reminders_of(phone)
		self.assertEqual(reminder.message_type, "template")
		self.assertTrue(self.standin.wait_for_accepted(phone, 1, timeout=30))
		[sent] = [r for r in self.standin.accepted if r.body.get("phone_number") == phone]
		self.assertEqual(sent.body["template_name"], "visit_reminder")
		self.assertEqual(sent.body["field_1"], "Ravi")
		self.assertEqual(sent.body["field_3"], "10:00-11:00")
		self.assertTrue(sent.body["field_4"].startswith("₹"))

	def test_confirm_visit_is_noted_and_reschedule_asks_for_the_new_time(self):
		phone, booking = self.booked()
		follow_up.send_due_reminders(self.evening_before(booking))
		answer = self.tap(phone, rules.CONFIRM_VISIT, "1")
		self.assertIn("See you", answer[-1])
		self.assertTrue(frappe.db.get_value("WA Service Booking", booking, "visit_confirmed_at"))
		self.assertEqual(frappe.db.count("WA Service Booking", {"conversation": phone}), 1, "never a second booking")
		asked = self.tap(phone, rules.RESCHEDULE, "2")
		self.assertIn("Which date", asked[-1])
		self.assertEqual(self.conversation(phone).pending_change, f"move:{booking}")


class TestVisitAndFeedback(AftercareCase):
	def test_completed_set_on_the_form_is_checked_and_noted_the_same_way(self):
		_phone, booking = self.booked()
		doc = frappe.get_doc("WA Service Booking", booking)
		doc.status = "Completed"
		with self.assertRaises(frappe.ValidationError):
			doc.save()  # its day has not come
		frappe.db.rollback()
		_phone, today = self.today_booking()
		doc = frappe.get_doc("WA Service Booking", today)
		doc.status = "Completed"
		doc.save()
		frappe.db.commit()
		self.assertTrue(doc.visit_marked_at)
		self.assertEqual(doc.visit_marked_by, "Administrator")

	def test_a_visit_is_marked_only_from_its_day(self):
		_phone, booking = self.booked()
		with self.assertRaises(frappe.ValidationError):
			follow_up.mark_visit(booking, "Completed")
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "status"), "Confirmed")

	def test_completed_then_the_rating_and_comment_stored_and_a_low_one_flagged(self):
		phone, booking = self.today_booking()
		from yawlit_bot.api.bookings import mark_visit

		result = mark_visit(json.dumps([booking]), "Completed")
		self.assertEqual(result, {"marked": [booking], "refused": {}})
		doc = frappe.get_doc("WA Service Booking", booking)
		self.assertEqual(doc.status, "Completed")
		self.assertEqual(doc.visit_marked_by, "Administrator")
		self.assertEqual(mark_visit(booking, "No-show")["refused"].keys(), {booking})  # done is done

		marked = doc.visit_marked_at
		self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_feedback_requests(marked + timedelta(minutes=30))), 0)
		self.standin.reset()
		self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_feedback_requests(marked + timedelta(minutes=61))), 1)
		self.assertEqual(self.queued_for(phone, lambda: follow_up.send_due_feedback_requests(marked + timedelta(minutes=62))), 0)
		self.assertTrue(self.standin.wait_for_accepted(phone, 1, timeout=30), "the request was sent")
		[sent] = [r for r in self.standin.accepted if r.body.get("phone_number") == phone]
		self.assertEqual(sent.body["interactive_type"], "list")

		self.choose(phone, "2 - Poor", f"rate:{booking}|2")
		conv = self.conversation(phone)
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "feedback_rating"), 2)
		self.assertTrue(conv.needs_person)
		self.assertIn(booking, conv.needs_person_reason)
		self.say(phone, "The washer came an hour late and left the mats wet")
		self.assertEqual(
			frappe.db.get_value("WA Service Booking", booking, "feedback_comment"),
			"The washer came an hour late and left the mats wet",
		)

	def test_a_typed_rating_when_asked_and_a_row_for_another_customers_visit_is_refused(self):
		phone, booking = self.today_booking()
		follow_up.mark_visit(booking, "Completed")
		frappe.db.commit()
		marked = frappe.db.get_value("WA Service Booking", booking, "visit_marked_at")
		follow_up.send_due_feedback_requests(marked + timedelta(minutes=61))
		self.assertEqual(self.conversation(phone).pending_change, f"rate:{booking}")
		self.say(phone, "5")
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "feedback_rating"), 5)
		self.assertFalse(self.conversation(phone).needs_person)
		self.say(phone, "no")
		self.assertFalse(frappe.db.get_value("WA Service Booking", booking, "feedback_comment"))

		stranger = self.new_phone()
		self.say(stranger, "Hi")
		answer = self.choose(stranger, "1 - Very poor", f"rate:{booking}|1")
		self.assertIn("could not find", answer[-1])
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "feedback_rating"), 5)
