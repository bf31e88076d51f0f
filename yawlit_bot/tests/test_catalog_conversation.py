"""The priced conversation through the real webhook, worker and WAPI stand-in, against the
sample catalog: services and times offered as WhatsApp lists and chosen from them, an add-on
added at the summary, electricity asked only when needed (and its surcharge), a returning
customer's details offered back, a service withdrawn while the customer was confirming."""

import json
from datetime import timedelta

import frappe

from yawlit_bot.services.site.clock import today_in_india
from yawlit_bot.tests.utils import PipelineTestCase, set_booking_settings

ADDRESS = "address: Flat 4, Sunshine Apartments, Baner Road, Pune 411045"


class TestCatalogConversation(PipelineTestCase):
	def last_list(self, phone: str) -> dict:
		"""The list the bot last sent this customer, as stored and as WAPI received it."""
		frappe.db.rollback()
		stored = frappe.get_all(
			"WA Message",
			filters={"conversation": phone, "role": "assistant", "buttons": ("like", "{%")},
			fields=["buttons"],
			order_by="name desc",
			limit=1,
		)
		self.assertTrue(stored, "no list was sent")
		return json.loads(stored[0].buttons)

	def sent_lists(self, phone: str) -> list[dict]:
		return [
			r.body
			for r in self.standin.accepted
			if isinstance(r.body, dict)
			and r.body.get("phone_number") == phone
			and r.body.get("interactive_type") == "list"
		]

	def set_enabled(self, service: str, enabled: int) -> None:
		doc = frappe.get_doc("WA Service", service)
		doc.enabled = enabled
		doc.save(ignore_permissions=True)
		frappe.db.commit()

	def booking_of(self, phone: str):
		frappe.db.rollback()
		name = frappe.db.get_value("WA Service Booking", {"conversation": phone})
		return frappe.get_doc("WA Service Booking", name) if name else None

	def test_services_and_times_chosen_from_lists_with_an_addon_priced_to_the_rupee(self):
		phone = self.new_phone()
		self.say(phone, "Hi, I am Asha Rao")
		replies = self.say(phone, "Hyundai Creta MH12AB1234")
		self.assertIn("Which service would you like? Prices for your SUV:", replies[-1])
		self.assertIn("2. Foam Wash - ₹499", replies[-1])
		rows = [row for section in self.last_list(phone)["sections"] for row in section["rows"]]
		self.assertEqual(rows[1]["id"], "svc:Foam Wash")
		self.wait_until(lambda: self.sent_lists(phone), what="the service list to reach WAPI")
		sent = self.sent_lists(phone)[0]["list_data"]
		self.assertEqual(sent["sections"]["section_1"]["rows"]["row_2"]["row_id"], "svc:Foam Wash")

		self.choose(phone, "Foam Wash", "svc:Foam Wash")
		replies = self.say(phone, "kal")
		self.assertIn("Morning:", replies[-1])
		times = self.last_list(phone)
		self.assertEqual([s["title"] for s in times["sections"]][:1], ["Morning"])
		self.assertLessEqual(sum(len(s["rows"]) for s in times["sections"]), 10)

		self.choose(phone, "10:00-11:00", "slot:10:00-11:00")
		replies = self.say(phone, ADDRESS)
		summary = replies[-1]
		self.assertIn("Service: Foam Wash", summary)
		self.assertIn("Total: ₹499", summary)
		self.assertIn("Add-ons you can add:", summary)
		self.assertIn("Tyre Shine +₹150", summary)

		summary = self.say(phone, "tyre shine bhi add kar do")[-1]
		self.assertIn("Add-ons: Tyre Shine", summary)
		self.assertIn("Total: ₹649", summary)

		self.tap(phone, "Confirm", "1")
		booking = self.booking_of(phone)
		self.assertIsNotNone(booking)
		self.assertEqual(
			(booking.service, booking.addons, booking.base_price, booking.addons_total, booking.total_amount),
			("Foam Wash", "Tyre Shine", 499, 150, 649),
		)
		self.assertEqual(str(booking.appointment_date), str(today_in_india() + timedelta(days=1)))
		self.assertEqual(booking.time_slot, "10:00-11:00")

	def test_electricity_asked_once_when_needed_and_its_surcharge_then_the_customer_returns(self):
		phone = self.new_phone()
		self.say(phone, "I am Ravi Kumar")
		self.say(phone, "Maruti Swift MH12AB1234")
		self.say(phone, "premium wash")
		replies = self.say(phone, "kal subah 10 baje")
		self.assertIn("electricity", replies[-1])
		replies = self.say(phone, ADDRESS)
		self.assertIn("electricity", replies[-1])
		summary = self.say(phone, "bijli nahi hai")[-1]
		self.assertIn("Electricity at the address: No", summary)
		self.assertIn("Water/electricity surcharge: ₹150", summary)
		self.assertIn("Total: ₹649", summary)
		self.tap(phone, "Confirm", "1")
		booking = self.booking_of(phone)
		self.assertEqual((booking.surcharges, booking.total_amount, booking.electricity_provided), (150, 649, "No"))

		# The same customer again: their details offered back, nothing filled until they agree.
		welcome = self.say(phone, "hi")[-1]
		self.assertIn("Welcome back, Ravi!", welcome)
		self.assertIn("MH12AB1234", welcome)
		self.assertFalse(self.scratchpad(phone).vehicle_plate)
		self.say(phone, "haan")
		pad = self.scratchpad(phone)
		self.assertEqual((pad.first_name, pad.vehicle_plate, pad.pincode), ("Ravi", "MH12AB1234", "411045"))

	def test_a_service_withdrawn_while_confirming_is_caught_with_the_list_and_nothing_else_lost(self):
		phone = self.new_phone()
		self.say(phone, "I am Meera Iyer")
		self.say(phone, "Honda City MH02CD4321")
		self.say(phone, "basic wash")
		self.say(phone, "parso 11 baje")
		self.say(phone, ADDRESS)
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")
		self.set_enabled("Basic Wash", 0)  # staff switch it off in Desk
		self.addCleanup(self.set_enabled, "Basic Wash", 1)
		replies = self.tap(phone, "Confirm", "1")
		self.assertIn("no longer offered", replies[-1])
		self.assertNotIn("Basic Wash", [s["rows"][0]["title"] for s in self.last_list(phone)["sections"]])
		self.assertIsNone(self.booking_of(phone))
		pad = self.scratchpad(phone)
		self.assertEqual((pad.first_name, pad.vehicle_plate, pad.time_slot), ("Meera", "MH02CD4321", "11:00-12:00"))

	def test_a_typed_time_lands_in_the_ninety_minute_slot_that_holds_it_and_books(self):
		saved = set_booking_settings({"slot_minutes": 90})
		self.addCleanup(set_booking_settings, saved)
		phone = self.new_phone()
		self.say(phone, "I am Kabir Shah")
		self.say(phone, "Tata Nexon MH12XY3456")
		self.say(phone, "basic wash")
		self.say(phone, "kal saade das baje")
		self.say(phone, "address: Flat 12, Green Park Society, Baner Road, Pune 411045")
		scratchpad = self.scratchpad(phone)
		self.assertEqual(scratchpad.time_slot, "10:30-12:00", "10:30 starts the 10:30-12:00 slot")
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")
		confirmation = self.tap(phone, "Confirm", "1")
		booking = frappe.get_doc("WA Service Booking", self.conversation(phone).last_booking)
		self.assertEqual(booking.time_slot, "10:30-12:00")
		self.assertIn(booking.name, confirmation[-1])

	def test_a_closed_day_offers_the_nearest_dates_with_room(self):
		tomorrow = today_in_india() + timedelta(days=1)
		saved = set_booking_settings({"closed_dates": [{"date": tomorrow}]})
		self.addCleanup(set_booking_settings, saved)
		phone = self.new_phone()
		self.say(phone, "I am Kabir Shah")
		self.say(phone, "Tata Nexon MH12XY3456")
		self.say(phone, "basic wash")
		replies = self.say(phone, "kal")
		self.assertIn("We are closed on", replies[-1])
		# said plainly, with the next open day's free slots as a list; the date given stays until another
		self.assertIn("free.", replies[-1])
		rows = [row["id"] for section in self.last_list(phone)["sections"] for row in section["rows"]]
		self.assertIn(f"dayslot:{tomorrow + timedelta(days=1)}|10:00-11:00", rows)
		# the day offered is the date now: a time typed next lands on it
		self.assertEqual(self.scratchpad(phone).appointment_date, tomorrow + timedelta(days=1))
		replies = self.choose(phone, "10:00-11:00", f"dayslot:{tomorrow + timedelta(days=1)}|10:00-11:00")
		scratchpad = self.scratchpad(phone)
		self.assertEqual((scratchpad.appointment_date, scratchpad.time_slot), (tomorrow + timedelta(days=1), "10:00-11:00"))


class TestBookingThroughYawlitErp(PipelineTestCase):
	"""The whole conversation with Yawlit's ERP as the backend (its stand-in over HTTP): its
	catalog offered, its slots, its price, the booking made there exactly once."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from yawlit_bot.testing.yawlit_erp_standin import YawlitErpStandin

		cls.erp = YawlitErpStandin(key="erp-key", secret="erp-secret").start()
		cls.saved_backend = set_booking_settings(
			{
				"catalog_backend": "Yawlit ERP",
				"erp_url": cls.erp.base_url,
				"erp_api_key": "erp-key",
				"erp_api_secret": "erp-secret",
				"erp_timeout": 1,
			}
		)

	@classmethod
	def tearDownClass(cls):
		set_booking_settings({**cls.saved_backend, "catalog_backend": cls.saved_backend.get("catalog_backend") or "Built-in"})
		cls.erp.stop()
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		self.erp.clear()
		self.erp.configure(fail_next=0, hang_next=0, hang_after_booking_next=0)

	def to_summary(self, phone: str) -> str:
		self.say(phone, "I am Neha Gupta")
		replies = self.say(phone, "Honda City MH12AB1234")
		self.assertIn("1. Sedan Premium - ₹599", replies[-1])
		self.say(phone, "1")
		self.say(phone, "kal 10 baje")
		self.say(phone, ADDRESS)
		return self.say(phone, "haan bijli hai")[-1]

	def erp_bookings(self, phone: str) -> list[dict]:
		return [b for b in self.erp.bookings if b.get("phone_number") == phone[-10:]]

	def test_booked_in_the_erp_once_even_when_confirmed_twice(self):
		phone = self.new_phone()
		summary = self.to_summary(phone)
		self.assertIn("Service: Sedan Premium", summary)
		self.assertIn("Total: ₹599", summary)
		booked = self.tap(phone, "Confirm", "1")[-1]
		self.assertIn("Booked!", booked)
		self.tap(phone, "Confirm", "1")
		made = self.erp_bookings(phone)
		self.assertEqual(len(made), 1)
		self.assertEqual((made[0]["product_id"], made[0]["slot_id"][:4]), ("PROD-SED-PREM", "SLOT"))
		self.assertEqual(made[0]["electricity_provided"], 1)
		frappe.db.rollback()
		local = frappe.get_all(
			"WA Service Booking", filters={"conversation": phone}, fields=["erp_booking_id", "erp_status"]
		)
		self.assertEqual([(b.erp_booking_id, b.erp_status) for b in local], [(made[0]["booking_id"], "Booked")])

	def test_an_erp_that_booked_but_answered_too_late_is_never_asked_twice(self):
		phone = self.new_phone()
		self.to_summary(phone)
		self.erp.configure(hang_after_booking_next=1, hang_seconds=2.5)
		reply = self.tap(phone, "Confirm", "1")[-1]
		self.assertIn("is with our team", reply)
		self.tap(phone, "Confirm", "1")
		self.assertEqual(len(self.erp_bookings(phone)), 1, "no second booking in the ERP")
		frappe.db.rollback()
		local = frappe.get_all("WA Service Booking", filters={"conversation": phone}, pluck="erp_status")
		self.assertEqual(local, ["To check (no answer in time)"])

	def test_a_slot_the_erp_filled_meanwhile_is_caught_at_confirm_with_other_times(self):
		phone = self.new_phone()
		self.to_summary(phone)
		self.erp.book(today_in_india() + timedelta(days=1), "10:00-11:00", seats=2)
		reply = self.tap(phone, "Confirm", "1")[-1]
		self.assertIn("has just been taken", reply)
		self.assertIn("11:00-12:00", reply)
		self.assertEqual(self.erp_bookings(phone), [])
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("WA Service Booking", {"conversation": phone}))
		self.assertEqual(self.scratchpad(phone).first_name, "Neha")

	def test_a_customer_the_erp_knows_picks_one_of_their_cars_and_confirms_the_rest(self):
		phone = self.new_phone()
		self.erp.add_profile(
			phone,
			{
				"customer_uuid": "CUST-1",
				"full_name": "Neha Gupta",
				"email": "neha@example.com",
				"mobile_no": phone[-10:],
				"vehicles": [
					{"name": "VEH-1", "vehicle_number": "MH12AB1234", "vehicle_make": "Honda", "vehicle_model": "City", "vehicle_type": "Sedan", "is_primary": 1},
					{"name": "VEH-2", "vehicle_number": "MH14CD5678", "vehicle_make": "Hyundai", "vehicle_model": "Creta", "vehicle_type": "SUV", "is_primary": 0},
				],
				"addresses": [
					{"name": "ADDR-1", "address_line1": "Flat 4, Sunshine Apartments", "address_line2": "Baner Road", "city": "Pune", "pincode": "411045"}
				],
			},
		)
		first = self.say(phone, "hi")[-1]
		self.assertIn("Welcome back, Neha!", first)
		self.assertIn("2. Hyundai Creta MH14CD5678", first)
		self.assertFalse(self.scratchpad(phone).vehicle_plate, "nothing filled before they choose")
		offered = self.choose(phone, "Hyundai Creta MH14CD5678", "car:2")[-1]
		self.assertIn("Shall I use your details from last time?", offered)
		self.say(phone, "yes")
		pad = self.scratchpad(phone)
		self.assertEqual(
			(pad.first_name, pad.vehicle_plate, pad.vehicle_type, pad.pincode),
			("Neha", "MH14CD5678", "SUV", "411045"),
		)

	def test_an_erp_that_fails_at_confirm_books_nothing_and_confirm_again_books_once(self):
		phone = self.new_phone()
		self.to_summary(phone)
		# the price read and the profile read at Confirm, each tried three times, all fail
		self.erp.configure(fail_next=6, fail_status=503)
		reply = self.tap(phone, "Confirm", "1")[-1]
		self.assertIn("Nothing was booked yet. Please tap Confirm again", reply)
		self.assertEqual(self.erp_bookings(phone), [])
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")
		self.assertIn("Booked!", self.tap(phone, "Confirm", "1")[-1])
		self.assertEqual(len(self.erp_bookings(phone)), 1)
