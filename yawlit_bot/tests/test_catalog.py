"""The built-in catalog: Desk DocTypes, the sample a fresh site gets, and the whitelisted
operations staff and other systems call."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import frappe
import requests
from frappe.tests.utils import FrappeTestCase

from yawlit_bot.api import catalog as api
from yawlit_bot.services.site.clock import now_in_india, today_in_india
from yawlit_bot.services.booking.sample_catalog import SERVICES
from yawlit_bot.tests.utils import WEB_URL, release_test_holds

STAFF = "catalog-staff@example.com"
OUTSIDER = "catalog-outsider@example.com"


class TestCatalog(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.tag = uuid.uuid4().hex[:6]
		for user, roles in ((STAFF, ["WA Bot Manager"]), (OUTSIDER, [])):
			if not frappe.db.exists("User", user):
				frappe.get_doc(
					{
						"doctype": "User",
						"email": user,
						"first_name": user.split("@")[0],
						"roles": [{"role": role} for role in roles],
					}
				).insert(ignore_permissions=True)
		settings = frappe.get_single("WA Booking Settings")
		cls.saved_settings = settings.as_dict(no_default_fields=True)
		release_test_holds()  # seats held by test customers whose cleanup did not run
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		settings = frappe.get_single("WA Booking Settings")
		settings.update({k: v for k, v in cls.saved_settings.items() if k not in ("name", "doctype")})
		settings.save(ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		# a settings read during the test may have cached values the rollback undid
		frappe.clear_document_cache("WA Booking Settings", "WA Booking Settings")

	def name(self, text: str) -> str:
		return f"{text} {self.tag}"

	def addon(self, text: str, price: int, **flags) -> str:
		doc = frappe.get_doc({"doctype": "WA Add-on", "addon_name": self.name(text), "price": price, **flags})
		doc.insert(ignore_permissions=True)
		self.addCleanup(frappe.delete_doc, "WA Add-on", doc.name, force=True, ignore_permissions=True)
		return doc.name

	def service(self, text: str, prices: dict, addons=(), **values) -> str:
		doc = frappe.get_doc(
			{
				"doctype": "WA Service",
				"service_name": self.name(text),
				"prices": [{"vehicle_type": k, "price": v} for k, v in prices.items()],
				"addons": [{"addon": a, "included": int(included)} for a, included in addons],
				**values,
			}
		)
		doc.insert(ignore_permissions=True)
		# deleted before the add-ons it links to (cleanups run last first)
		self.addCleanup(frappe.delete_doc, "WA Service", doc.name, force=True, ignore_permissions=True)
		return doc.name

	def booking_settings(self, **values):
		settings = frappe.get_single("WA Booking Settings")
		settings.update(values)
		settings.save(ignore_permissions=True)

	def test_a_fresh_site_has_a_sample_catalog_to_book_from(self):
		names = set(frappe.get_all("WA Service", pluck="name"))
		self.assertTrue({name for name, *_ in SERVICES} & names or names, "a catalog exists")
		stored = frappe.db.get_singles_dict("WA Booking Settings")
		self.assertTrue(stored, "booking settings stored with their defaults")

	def test_services_are_offered_only_for_vehicle_types_they_have_a_price_for(self):
		polish = self.addon("Polish", 2400, needs_electricity=1)
		vacuum = self.addon("Vacuum", 200, needs_electricity=1)
		sedan_only = self.service("Sedan Shine", {"Sedan": 799}, addons=[(polish, False), (vacuum, True)])
		self.service("SUV Only", {"SUV": 999})
		self.service("Switched Off", {"Sedan": 1}, enabled=0)
		frappe.set_user(STAFF)
		sedan = {s["service"]: s for s in api.get_services("Sedan") if self.tag in s["service"]}
		self.assertEqual(list(sedan), [sedan_only])
		self.assertEqual(sedan[sedan_only]["price"], 799)
		self.assertEqual(sedan[sedan_only]["included_addons"], [self.name("Vacuum")])
		self.assertEqual(
			[a["addon_name"] for a in api.get_addons(sedan_only)], [self.name("Polish")], "included ones not listed"
		)
		self.assertEqual([s for s in api.get_services("Bike") if self.tag in s["service"]], [])

	def test_price_breakdown_with_addons_and_a_missing_utility(self):
		eco = self.addon("Eco", 100, needs_water=1)
		tyre = self.addon("Tyre", 150)
		wash = self.service("Foam", {"Hatchback": 399, "Sedan": 449}, addons=[(eco, False), (tyre, False)])
		self.booking_settings(utility_surcharge=150)
		frappe.set_user(STAFF)
		self.assertEqual(
			api.calculate_price(wash, "Sedan", json.dumps([eco, tyre]), water_provided=0),
			{"base": 449, "addons_total": 250, "surcharges": 150, "total": 849},
		)
		self.assertEqual(api.calculate_price(wash, "Hatchback")["total"], 399)
		for bad_addons in ("not json", '{"a": 1}', "[1, 2]"):
			with self.assertRaises(frappe.ValidationError):
				api.calculate_price(wash, "Sedan", bad_addons)
		with self.assertRaisesRegex(frappe.ValidationError, "not offered for a SUV"):
			api.calculate_price(wash, "SUV")

	def test_slots_with_room_count_bookings_and_the_days_capacity(self):
		wash = self.service("Slot Wash", {"Sedan": 449})
		day = today_in_india() + timedelta(days=2)
		self.booking_settings(
			opens_at="09:00:00",
			closes_at="12:00:00",
			slot_minutes=60,
			capacity_per_slot=2,
			days_ahead=30,
			closed_dates=[{"date": day + timedelta(days=1), "reason": "Diwali"}],
			capacity_overrides=[{"date": day + timedelta(days=2), "capacity": 4}],
			**{f"open_{d}": 1 for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
		)
		for _ in range(2):
			self.booked(day, "10:00-11:00")
		self.booked(day, "11:00-12:00")
		frappe.set_user(STAFF)
		self.assertEqual(
			api.get_available_slots(str(day), wash, "Sedan"),
			[{"slot_id": "09:00-10:00", "remaining": 2}, {"slot_id": "11:00-12:00", "remaining": 1}],
		)
		self.assertEqual(api.get_available_slots(str(day + timedelta(days=1)), wash, "Sedan"), [], "closed")
		self.assertEqual(
			{s["remaining"] for s in api.get_available_slots(str(day + timedelta(days=2)), wash, "Sedan")}, {4}
		)
		self.assertEqual(api.get_available_slots(str(today_in_india() - timedelta(days=1)), wash, "Sedan"), [])
		with self.assertRaises(frappe.ValidationError):
			api.get_available_slots("31-31-2026", wash, "Sedan")

	def test_no_slot_that_has_started(self):
		wash = self.service("Today Wash", {"Sedan": 449})
		self.booking_settings(opens_at="00:00:00", closes_at="23:59:00", slot_minutes=60, capacity_per_slot=2)
		frappe.set_user(STAFF)
		now = now_in_india()
		starts = [s["slot_id"][:5] for s in api.get_available_slots(str(now.date()), wash, "Sedan")]
		self.assertTrue(all(start > now.strftime("%H:%M") for start in starts), starts)

	def booked(self, day, slot: str) -> None:
		doc = frappe.get_doc(
			{
				"doctype": "WA Service Booking",
				"status": "Confirmed",
				"appointment_date": day,
				"time_slot": slot,
				"first_name": "Slot",
				"phone": "916000000000",
			}
		)
		doc.flags.ignore_mandatory = True  # a booking made by staff, without a conversation
		doc.insert(ignore_permissions=True)
		self.addCleanup(frappe.delete_doc, "WA Service Booking", doc.name, force=True, ignore_permissions=True)

	def test_a_service_needs_one_price_per_vehicle_type(self):
		with self.assertRaisesRegex(frappe.ValidationError, "at least one vehicle type"):
			self.service("No Price", {})
		with self.assertRaisesRegex(frappe.ValidationError, "two prices"):
			frappe.get_doc(
				{
					"doctype": "WA Service",
					"service_name": self.name("Twice"),
					"prices": [{"vehicle_type": "Sedan", "price": 1}, {"vehicle_type": "Sedan", "price": 2}],
				}
			).insert(ignore_permissions=True)

	def test_opening_hours_must_hold_a_slot(self):
		with self.assertRaisesRegex(frappe.ValidationError, "after Opens At"):
			self.booking_settings(opens_at="18:00:00", closes_at="06:00:00")
		frappe.db.rollback()
		with self.assertRaisesRegex(frappe.ValidationError, "the shop is open for less than one slot"):
			self.booking_settings(opens_at="09:00:00", closes_at="09:30:00", slot_minutes=60)
		frappe.db.rollback()
		with self.assertRaisesRegex(frappe.ValidationError, "the shop is open for less than one slot"):
			self.booking_settings(opens_at="06:21:39.570690", closes_at="06:21:39.570729")

	def test_install_and_migrate_repair_hours_that_hold_no_slot_and_keep_an_admins(self):
		from yawlit_bot.patches import repair_opening_hours
		from yawlit_bot.services.booking.catalog import get_available_slots
		from yawlit_bot.services.site.settings import booking_settings

		saved = frappe.db.get_singles_dict("WA Booking Settings")
		self.addCleanup(
			lambda: frappe.db.set_single_value(
				"WA Booking Settings", {k: saved.get(k) for k in ("opens_at", "closes_at", "slot_minutes")}
			)
			or frappe.db.commit()
		)
		# what a fresh install stored: the install's moment, twice
		frappe.db.set_single_value(
			"WA Booking Settings", {"opens_at": "06:21:39.570690", "closes_at": "06:21:39.570729", "slot_minutes": 60}
		)
		repair_opening_hours.execute()
		schedule = booking_settings().schedule
		self.assertEqual((f"{schedule.opens:%H:%M}", f"{schedule.closes:%H:%M}"), ("06:00", "18:00"))
		tomorrow = frappe.utils.add_days(frappe.utils.getdate(), 1)
		service = frappe.get_all("WA Service", filters={"enabled": 1}, pluck="name", limit=1)[0]
		self.assertTrue(get_available_slots(tomorrow, service, "Hatchback"), "tomorrow has free slots")
		# hours an admin set that hold a slot stay as they are
		frappe.db.set_single_value("WA Booking Settings", {"opens_at": "08:30:00", "closes_at": "20:00:00"})
		repair_opening_hours.execute()
		schedule = booking_settings().schedule
		self.assertEqual((f"{schedule.opens:%H:%M}", f"{schedule.closes:%H:%M}"), ("08:30", "20:00"))

	def test_a_migrate_repairs_settings_an_install_left_half_written_and_keeps_an_admins(self):
		from yawlit_bot.install import after_migrate

		saved = frappe.db.sql("select field, value from `tabSingles` where doctype = 'WA Booking Settings'")

		def restore():
			frappe.db.delete("Singles", {"doctype": "WA Booking Settings"})
			for field, value in saved:
				frappe.db.set_single_value("WA Booking Settings", field, value)
			frappe.db.commit()

		self.addCleanup(restore)
		# An install that stopped after its patches were marked done: only the hours were written.
		frappe.db.delete("Singles", {"doctype": "WA Booking Settings", "field": ("not in", ["opens_at", "closes_at"])})
		frappe.db.set_single_value("WA Booking Settings", "hold_minutes", 25)  # an admin's value
		frappe.db.commit()
		after_migrate()
		doc = frappe.get_doc("WA Booking Settings")
		self.assertEqual((doc.slot_minutes, doc.capacity_per_slot, doc.hold_minutes), (60, 2, 25))
		doc.save()  # the form saves as it shows: no "Slot Length must be at least one minute"
		tomorrow = frappe.utils.add_days(frappe.utils.getdate(), 1)
		service = frappe.get_all("WA Service", filters={"enabled": 1}, pluck="name", limit=1)[0]
		from yawlit_bot.services.booking.catalog import get_available_slots

		self.assertTrue(get_available_slots(tomorrow, service, "Hatchback"), "tomorrow has free slots")

	def test_only_the_bots_staff_read_the_catalog(self):
		frappe.set_user(OUTSIDER)
		with self.assertRaises(frappe.PermissionError):
			api.get_services("Sedan")
		frappe.set_user("Administrator")
		response = requests.get(
			WEB_URL + "/api/method/yawlit_bot.api.catalog.get_services",
			params={"vehicle_type": "Sedan"},
			headers={"Host": frappe.local.site},
			timeout=30,
		)
		self.assertEqual(response.status_code, 403, "never Guest")

	def test_the_workspace_figures_are_for_the_bots_staff(self):
		from yawlit_bot.api import dashboard

		self.assertEqual(dashboard.last_campaign_sent()["fieldtype"], "Int")  # a System Manager
		for user in (STAFF, OUTSIDER):  # the bot's staff read bookings, not campaigns
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				dashboard.last_campaign_read()
		frappe.set_user("Administrator")
		response = requests.get(
			WEB_URL + "/api/method/yawlit_bot.api.dashboard.last_campaign_sent",
			headers={"Host": frappe.local.site},
			timeout=30,
		)
		self.assertEqual(response.status_code, 403, "never Guest")
		for card in frappe.get_all("Number Card", filters={"module": "Yawlit Bot"}, pluck="name"):
			self.assertTrue(frappe.db.exists("Workspace Number Card", {"parent": "WhatsApp Bot", "number_card_name": card}))


class TestYawlitErpBackend(FrappeTestCase):
	"""The same operations answered by Yawlit's ERP, here its local stand-in over HTTP."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from yawlit_bot.testing.yawlit_erp_standin import YawlitErpStandin

		cls.erp = YawlitErpStandin(key="erp-key", secret="erp-secret").start()
		settings = frappe.get_single("WA Booking Settings")
		cls.saved = settings.as_dict(no_default_fields=True)
		settings.update(
			{
				"catalog_backend": "Yawlit ERP",
				"erp_url": cls.erp.base_url,
				"erp_api_key": "erp-key",
				"erp_api_secret": "erp-secret",
				"erp_timeout": 1,
			}
		)
		settings.save(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		settings = frappe.get_single("WA Booking Settings")
		settings.update({k: v for k, v in cls.saved.items() if k not in ("name", "doctype")})
		settings.update({"catalog_backend": cls.saved.get("catalog_backend") or "Built-in"})
		settings.save(ignore_permissions=True)
		frappe.db.commit()
		cls.erp.stop()
		super().tearDownClass()

	def setUp(self):
		self.erp.configure(fail_next=0, hang_next=0)

	def tearDown(self):
		frappe.db.rollback()
		# the settings object a failed save changed may be the cached one
		frappe.clear_document_cache("WA Booking Settings", "WA Booking Settings")

	def test_the_four_operations_answer_from_the_erp(self):
		services = api.get_services("Sedan")
		self.assertEqual(
			services,
			[
				{
					"service": "PROD-SED-PREM",
					"service_name": "Sedan Premium",
					"price": 599,
					"duration_minutes": 60,
					"included_addons": ["Interior Vacuum"],
				}
			],
		)
		self.assertEqual([a["addon_name"] for a in api.get_addons("PROD-SED-PREM")], ["Eco Wash", "Exterior Polishing"])
		day = today_in_india() + timedelta(days=3)
		self.erp.book(day, "10:00-11:00", seats=2)
		self.erp.book(day, "11:00-12:00", seats=1)
		slots = {s["slot_id"]: s["remaining"] for s in api.get_available_slots(str(day), "PROD-SED-PREM", "Sedan")}
		self.assertNotIn("10:00-11:00", slots, "full on the ERP's side")
		self.assertEqual((slots["11:00-12:00"], slots["06:00-07:00"]), (1, 2))
		# add-ons named as customers and staff name them; the ERP gets their ids
		price = api.calculate_price("PROD-SED-PREM", "Sedan", json.dumps(["Eco Wash"]), water_provided=0)
		self.assertEqual(price, {"base": 599, "addons_total": 100, "surcharges": 150, "total": 849})
		self.assertEqual(self.erp.calls[-1].body["addon_ids"], [{"addon": "ADDON-ECO", "quantity": 1}])

	def test_erp_failures_become_clear_errors(self):
		self.erp.configure(hang_next=3, hang_seconds=1.5)
		with self.assertRaisesRegex(frappe.ValidationError, "did not answer in time"):
			api.get_services("Sedan")
		self.erp.configure(fail_next=3)
		with self.assertRaisesRegex(frappe.ValidationError, "not answering properly"):
			api.get_services("Sedan")
		with self.assertRaisesRegex(frappe.ValidationError, "Cannot book for past dates"):
			api.get_available_slots(str(today_in_india() - timedelta(days=2)), "PROD-SED-PREM", "Sedan")
		with self.assertRaisesRegex(frappe.ValidationError, "not found"):
			api.get_addons("PROD-NOPE")

	def test_the_erp_settings_are_checked_on_save(self):
		settings = frappe.get_single("WA Booking Settings")
		settings.erp_url = "erp.yawlit.com"
		with self.assertRaisesRegex(frappe.ValidationError, "ERP URL"):
			settings.save(ignore_permissions=True)
		frappe.db.rollback()
