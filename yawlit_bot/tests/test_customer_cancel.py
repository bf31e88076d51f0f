"""The customer cancels their own booking over WhatsApp (issue 23, item 2, cancel): asked once,
cancelled under the booking's row lock, its seat given back exactly once (another customer
books the same last seat afterwards), noted on the booking; close to the slot, a person."""

from __future__ import annotations

from datetime import timedelta

import frappe

from yawlit_bot.services.clock import now_in_india, today_in_india
from yawlit_bot.services.slots import recount, taken_on
from yawlit_bot.tests.utils import PipelineTestCase, set_booking_settings

SLOT = "10:00-11:00"  # "kal subah 10 baje" in fill_booking


class TestCustomerCancel(PipelineTestCase):
	def setUp(self):
		super().setUp()
		self.day = today_in_india() + timedelta(days=1)
		recount(self.day, SLOT)
		# one seat left in the slot, whatever this site holds already
		self.capacity = taken_on(self.day, None, now_in_india()).get(SLOT, 0) + 1
		saved = set_booking_settings(
			{"capacity_overrides": [{"date": self.day, "capacity": self.capacity}], "change_cutoff_hours": 2}
		)
		self.addCleanup(set_booking_settings, saved)

	def book(self, phone: str) -> str:
		self.fill_booking(phone)
		self.tap(phone, "Confirm", "1")
		booking = self.conversation(phone).last_booking
		self.assertTrue(booking, "booked")
		return booking

	def test_a_cancel_asked_once_gives_the_last_seat_back_and_another_customer_books_it(self):
		first, second = self.new_phone(), self.new_phone()
		booking = self.book(first)
		asked = self.say(first, "booking cancel kar do")
		self.assertIn(booking, asked[-1])
		self.assertIn("Cancel your booking", asked[-1])
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "status"), "Confirmed", "asked, not cancelled")

		done = self.tap(first, "Yes, cancel it", "1")
		self.assertIn("is cancelled", done[-1])
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "status"), "Cancelled")
		comments = frappe.get_all(
			"Comment", filters={"reference_doctype": "WA Service Booking", "reference_name": booking}, pluck="content"
		)
		self.assertIn("Cancelled by the customer over WhatsApp", comments)
		self.assertEqual(recount(self.day, SLOT), self.capacity - 1, "its seat given back, once")

		# a second "yes" (a double tap) cancels nothing more and gives back no second seat
		self.tap(first, "Yes, cancel it", "1")
		self.assertEqual(taken_on(self.day, None, now_in_india()).get(SLOT, 0), self.capacity - 1)

		self.book(second)  # the seat freed is the last one: the other customer gets it
		second_booking = frappe.get_doc("WA Service Booking", self.conversation(second).last_booking)
		self.assertEqual((str(second_booking.appointment_date), second_booking.time_slot), (str(self.day), SLOT))

	def test_no_keeps_the_booking(self):
		phone = self.new_phone()
		booking = self.book(phone)
		self.say(phone, "cancel my booking")
		kept = self.tap(phone, "No, keep it", "2")
		self.assertIn("stays", kept[-1])
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "status"), "Confirmed")

	def test_close_to_its_slot_a_person_takes_the_cancellation(self):
		saved = set_booking_settings({"change_cutoff_hours": 72})
		self.addCleanup(set_booking_settings, saved)
		phone = self.new_phone()
		booking = self.book(phone)
		replies = self.say(phone, "please cancel my booking")
		self.assertIn("person", replies[-1])
		conv = self.conversation(phone)
		self.assertTrue(conv.needs_person)
		self.assertIn(booking, conv.needs_person_reason)
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "status"), "Confirmed")
