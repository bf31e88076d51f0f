"""Never overbooked: the last seat of a slot goes to one customer; the others are told at once
and offered what has room, with everything else they gave kept."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import frappe

from yawlit_bot.services.site.clock import now_in_india, today_in_india
from yawlit_bot.services.booking.slots import recount, taken_on
from yawlit_bot.testing import payloads
from yawlit_bot.tests.utils import PipelineTestCase, set_booking_settings

SLOT = "10:00-11:00"  # "kal subah 10 baje" in fill_booking


class TestCapacity(PipelineTestCase):
	def setUp(self):
		super().setUp()
		self.day = today_in_india() + timedelta(days=1)
		# one seat left in the slot, whatever this site holds already
		recount(self.day, SLOT)
		taken = taken_on(self.day, None, now_in_india()).get(SLOT, 0)  # bookings and live holds
		self.capacity = taken + 1
		saved = set_booking_settings({"capacity_overrides": [{"date": self.day, "capacity": self.capacity}]})
		self.addCleanup(set_booking_settings, saved)

	def confirmed_in_slot(self) -> int:
		return frappe.db.count("WA Service Booking", {"appointment_date": self.day, "time_slot": SLOT, "status": "Confirmed"})

	def test_ten_customers_confirming_the_last_seat_at_once_make_one_booking(self):
		saved = set_booking_settings({"hold_minutes": 0})  # all ten reach the summary
		self.addCleanup(set_booking_settings, saved)
		phones = [self.new_phone() for _ in range(10)]
		for phone in phones:
			self.fill_booking(phone)
		taps = [payloads.button(phone, "Confirm", "1") for phone in phones]
		with ThreadPoolExecutor(10) as pool:
			self.assertEqual(list(pool.map(lambda p: self.post(p).status_code, taps)), [200] * 10)
		names = [self.wait_processed(tap["message"]["whatsapp_message_id"], timeout=60) for tap in taps]

		booked = [p for p in phones if frappe.db.exists("WA Service Booking", {"phone": p})]
		self.assertEqual(len(booked), 1, "exactly one customer gets the last seat")
		self.assertLessEqual(self.confirmed_in_slot(), self.capacity, "no slot over capacity")
		for phone, name in zip(phones, names):
			if phone in booked:
				continue
			conv, pad = self.conversation(phone), self.scratchpad(phone)
			self.assertEqual((conv.state, conv.expecting), ("COLLECTING", "time_slot"))
			reply = "\n".join(self.replies_to(name))
			self.assertIn("has just been taken", reply)
			self.assertIn("Free on", reply, "offered the slots with room that day")
			self.assertNotIn(SLOT, reply.split("Free on", 1)[1])
			# nothing else they gave is lost
			self.assertEqual(
				(pad.first_name, pad.vehicle_plate, pad.service_type, str(pad.appointment_date), pad.time_slot),
				("Ravi", "MH12AB1234", "Premium Wash", str(self.day), None),
			)

	def test_a_held_slot_is_taken_for_others_until_the_hold_ends(self):
		saved = set_booking_settings({"hold_minutes": 10})
		self.addCleanup(set_booking_settings, saved)
		first, second = self.new_phone(), self.new_phone()
		self.fill_booking(first)  # the summary holds the last seat
		slot_name = f"{self.day} {SLOT}"
		self.assertIn(first, json.loads(frappe.db.get_value("WA Booking Slot", slot_name, "holds")))

		self.say(second, "Hi, I need a car wash")
		self.say(second, "I am Ravi Kumar")
		self.say(second, "Maruti Swift, number MH12AB1234")
		self.say(second, "basic wash")
		self.say(second, "kal subah 10 baje")
		reply = "\n".join(self.say(second, "address: Flat 12, Green Park Society, Baner Road, Pune 411045"))
		self.assertIn("has just been taken", reply, "told at the summary, not at Confirm")
		self.assertEqual(self.conversation(second).state, "COLLECTING")

		# the first customer's hold ends (they walked away): the seat is free again
		past = (now_in_india() - timedelta(minutes=1)).isoformat(sep=" ", timespec="seconds")
		frappe.db.set_value("WA Booking Slot", slot_name, "holds", json.dumps({first: past}))
		frappe.db.commit()
		self.say(second, "kal subah 10 baje")
		self.assertEqual(self.conversation(second).state, "CONFIRMING")
		self.tap(second, "Confirm", "1")
		self.assertTrue(frappe.db.exists("WA Service Booking", {"phone": second}))
		# the first customer confirms too late: told, nothing booked twice
		replies = self.tap(first, "Confirm", "1")
		self.assertIn("has just been taken", "\n".join(replies))
		self.assertLessEqual(self.confirmed_in_slot(), self.capacity)

	def test_the_booking_carries_its_price(self):
		phone = self.new_phone()
		self.fill_booking(phone)
		summary = "\n".join(frappe.get_all("WA Message", {"conversation": phone, "role": "assistant"}, pluck="content", order_by="name desc", limit=1))
		self.assertIn("Total: ₹", summary)
		self.tap(phone, "Confirm", "1")
		booking = frappe.get_doc("WA Service Booking", {"phone": phone})
		self.assertEqual(booking.service, "Premium Wash")
		self.assertGreater(booking.total_amount, 0)
		self.assertEqual(booking.total_amount, booking.base_price + booking.addons_total + booking.surcharges)
		self.assertEqual(str(booking.starts_at), f"{self.day} 10:00:00")

	def test_staff_cannot_move_a_booking_into_a_full_slot(self):
		first, second = self.new_phone(), self.new_phone()
		saved = set_booking_settings({"hold_minutes": 0})
		self.addCleanup(set_booking_settings, saved)
		self.fill_booking(second)
		self.say(second, "make it 11 baje")
		self.tap(second, "Confirm", "1")
		self.fill_booking(first)
		self.tap(first, "Confirm", "1")  # takes the last seat at 10:00
		booking = frappe.get_doc("WA Service Booking", {"phone": second})
		self.assertEqual(booking.time_slot, "11:00-12:00")
		booking.time_slot = SLOT
		with self.assertRaisesRegex(frappe.ValidationError, "has just been taken"):
			booking.save(ignore_permissions=True)
		frappe.db.rollback()
		first_booking = frappe.get_doc("WA Service Booking", {"phone": first})
		first_booking.status = "Cancelled"
		first_booking.save(ignore_permissions=True)
		booking.reload()
		booking.time_slot = SLOT
		booking.save(ignore_permissions=True)  # the cancelled seat is free
		frappe.db.commit()
		self.assertEqual(str(booking.starts_at), f"{self.day} 10:00:00")
		# both customers are told, once each, through the outbox after the commit
		told = lambda phone, words: [  # noqa: E731
			r for r in self.standin.accepted
			if isinstance(r.body, dict) and r.body.get("phone_number") == phone and words in (r.body.get("message_body") or "")
		]
		self.wait_until(lambda: told(first, "cancelled by our team"), what="the cancellation to reach the customer")
		self.wait_until(lambda: told(second, "moved by our team"), what="the move to reach the customer")
		self.assertEqual((len(told(first, "cancelled by our team")), len(told(second, "moved by our team"))), (1, 1))

	def test_a_customer_outside_the_area_is_told_before_anything_is_booked(self):
		saved = set_booking_settings({"served_pincodes": "560, 5620", "served_cities": "Bengaluru"})
		self.addCleanup(set_booking_settings, saved)
		phone = self.new_phone()
		self.say(phone, "Hi, I need a car wash")
		self.say(phone, "I am Ravi Kumar")
		self.say(phone, "Maruti Swift, number MH12AB1234")
		self.say(phone, "basic wash")
		self.say(phone, "kal subah 10 baje")
		reply = "\n".join(self.say(phone, "address: Flat 12, Green Park Society, Baner Road, Pune 411045"))
		self.assertIn("we don't come to", reply)
		self.assertEqual(self.conversation(phone).state, "COLLECTING")
		holds = frappe.db.get_value("WA Booking Slot", f"{self.day} {SLOT}", "holds") or "{}"
		self.assertNotIn(phone, json.loads(holds), "no seat held for an address we do not go to")
		self.assertFalse(frappe.db.exists("WA Service Booking", {"phone": phone}))
		pad = self.scratchpad(phone)
		self.assertEqual((pad.first_name, pad.pincode, pad.time_slot), ("Ravi", "411045", SLOT), "details kept")
		# an address that is served: the summary follows
		self.say(phone, "address: 4 MG Road, Indiranagar, Bengaluru 560038")
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")

	def test_a_customer_who_cancels_or_picks_another_time_lets_the_seat_go(self):
		saved = set_booking_settings({"hold_minutes": 10})
		self.addCleanup(set_booking_settings, saved)
		phone = self.new_phone()
		self.fill_booking(phone)  # holds 10:00

		def holders(slot):
			return json.loads(frappe.db.get_value("WA Booking Slot", f"{self.day} {slot}", "holds") or "{}")

		self.assertIn(phone, holders(SLOT))
		self.say(phone, "make it 11 baje")  # a new summary at 11:00
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")
		self.assertIn(phone, holders("11:00-12:00"))
		self.assertNotIn(phone, holders(SLOT), "the 10:00 seat is free for others again")
		self.tap(phone, "Cancel", "3")
		self.assertNotIn(phone, holders("11:00-12:00"), "cancelled: nothing held")
