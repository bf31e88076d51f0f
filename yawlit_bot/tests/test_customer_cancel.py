"""The customer cancels their own booking over WhatsApp (issue 23, item 2, cancel): asked once,
cancelled under the booking's row lock, its seat given back exactly once (another customer
books the same last seat afterwards), noted on the booking; close to the slot, a person."""

from __future__ import annotations

import json
from datetime import timedelta

import frappe

from yawlit_bot.services.site.clock import now_in_india, today_in_india
from yawlit_bot.services.booking.slots import recount, taken_on
from yawlit_bot.tests.utils import PipelineTestCase, set_booking_settings

SLOT = "10:00-11:00"  # "kal subah 10 baje" in fill_booking


class OwnBookingCase(PipelineTestCase):
	"""A customer with a confirmed booking in the last seat of tomorrow's 10:00 slot."""

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

	def last_list(self, phone: str) -> dict:
		frappe.db.rollback()
		stored = frappe.get_all(
			"WA Message",
			filters={"conversation": phone, "role": "assistant", "buttons": ("like", "{%")},
			pluck="buttons",
			order_by="name desc",
			limit=1,
		)
		self.assertTrue(stored, "no list was sent")
		return json.loads(stored[0])


class TestCustomerCancel(OwnBookingCase):

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


class TestCustomerReschedule(OwnBookingCase):
	"""The customer moves their own booking: the date asked, that day's free slots offered as a
	list, the booking and its seat moved in the turn's transaction (the old seat given back)."""

	def test_reschedule_offers_the_new_days_slots_and_moves_the_booking_and_its_seat(self):
		phone = self.new_phone()
		booking = self.book(phone)
		asked = self.say(phone, "I want to reschedule my booking")
		self.assertIn("Which date", asked[-1])
		offered = self.say(phone, "parso")
		later = self.day + timedelta(days=1)
		self.assertIn(f"Free on {later:%a %d %b %Y}", offered[-1])
		row = f"moveto:{booking}|{later}|11:00-12:00"
		rows = [r["id"] for section in self.last_list(phone)["sections"] for r in section["rows"]]
		self.assertIn(row, rows)
		done = self.choose(phone, "11:00-12:00", row)
		self.assertIn("moved to", done[-1])
		moved = frappe.get_doc("WA Service Booking", booking)
		self.assertEqual((str(moved.appointment_date), moved.time_slot, moved.status), (str(later), "11:00-12:00", "Confirmed"))
		self.assertEqual(recount(self.day, SLOT), self.capacity - 1, "the old seat is given back")
		self.assertEqual(recount(later, "11:00-12:00"), taken_on(later, None, now_in_india()).get("11:00-12:00", 0))

	def test_a_date_and_time_in_one_message_is_asked_once_then_moved(self):
		phone = self.new_phone()
		booking = self.book(phone)
		later = self.day + timedelta(days=1)
		asked = self.say(phone, "kal nahi ho payega, parso 4 baje karo")
		self.assertIn("Move your booking", asked[-1])
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "time_slot"), SLOT, "asked, not moved")
		done = self.tap(phone, "Yes, move it", "1")
		self.assertIn("moved to", done[-1])
		moved = frappe.get_doc("WA Service Booking", booking)
		self.assertEqual((str(moved.appointment_date), moved.time_slot), (str(later), "16:00-17:00"))

	def test_two_customers_moving_to_the_last_seat_at_once_make_one_winner_and_lose_no_seat(self):
		from concurrent.futures import ThreadPoolExecutor

		from yawlit_bot.testing import payloads

		# room for both bookings tomorrow; the day after, one seat left at 11:00
		later, target = self.day + timedelta(days=1), "11:00-12:00"
		recount(later, target)
		left_one = taken_on(later, None, now_in_india()).get(target, 0) + 1
		saved = set_booking_settings(
			{
				"capacity_overrides": [
					{"date": self.day, "capacity": self.capacity + 1},
					{"date": later, "capacity": left_one},
				]
			}
		)
		self.addCleanup(set_booking_settings, saved)
		first, second = self.new_phone(), self.new_phone()
		bookings = {first: self.book(first), second: self.book(second)}
		for phone in (first, second):
			self.say(phone, "reschedule")
			self.say(phone, "parso")
		taps = [
			payloads.list_choice(phone, target, f"moveto:{bookings[phone]}|{later}|{target}") for phone in (first, second)
		]
		with ThreadPoolExecutor(2) as pool:
			self.assertEqual(list(pool.map(lambda p: self.post(p).status_code, taps)), [200, 200])
		for tap in taps:
			self.wait_processed(tap["message"]["whatsapp_message_id"], timeout=60)
		moved = [p for p in (first, second) if frappe.db.get_value("WA Service Booking", bookings[p], "time_slot") == target]
		self.assertEqual(len(moved), 1, "one winner for the last seat")
		self.assertEqual(recount(later, target), left_one, "the target slot full, not over")
		self.assertEqual(recount(self.day, SLOT), self.capacity, "the winner's old seat given back, the loser's kept")
		loser = next(p for p in (first, second) if p not in moved)
		self.assertEqual(frappe.db.get_value("WA Service Booking", bookings[loser], "status"), "Confirmed")
