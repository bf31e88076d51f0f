"""Staff see where each value came from: a scratchpad filled through the real pipeline shows
its sources in the form, and a correction typed in Desk is marked "staff". Headless Debian
Chromium against the real web server; screenshot in $YAWLIT_ARTIFACTS."""

from __future__ import annotations

import json
import os
import random
import unittest

import frappe

from yawlit_bot.tests.desk import EC, By, DeskTestMixin, browser_missing
from yawlit_bot.tests.utils import PipelineTestCase

USER = "bot-manager@example.com"
PASSWORD = "Yawlit-desk-test-2"


@unittest.skipIf(browser_missing() and not os.environ.get("CI"), browser_missing() or "")
class TestScratchpadDesk(DeskTestMixin, PipelineTestCase):
	desk_user = (USER, PASSWORD, "WA Bot Manager", "Bot")

	def setUp(self):
		super().setUp()
		self.phone = "9170001" + "".join(random.choices("0123456789", k=5))  # a made-up range
		self.addCleanup(self.remove_conversation)

	def remove_conversation(self):
		frappe.db.rollback()
		frappe.db.delete("WA Booking Scratchpad", {"conversation": self.phone})
		frappe.db.delete("WA Message", {"conversation": self.phone})
		frappe.db.delete("WA Conversation", self.phone)
		frappe.db.commit()

	def test_sources_are_shown_and_a_staff_correction_is_marked(self):
		self.say(self.phone, "Hi")
		self.say(self.phone, "Main Ravi Sharma hoon")
		self.say(self.phone, "Address: Flat 302, Green Park Society, Baner, Pune 411045")
		pad = self.scratchpad(self.phone)
		self.assertEqual(pad.address, "Flat 302, Green Park Society, Baner, Pune 411045")
		self.assertEqual(json.loads(pad.value_sources)["first_name"]["source"], "rule")

		browser = self.browser
		try:
			browser.login(USER, PASSWORD)
			browser.open(f"/app/wa-booking-scratchpad/{pad.name}")
			table = browser.wait(60).until(
				EC.visibility_of_element_located(
					(By.CSS_SELECTOR, "[data-fieldname='value_sources_html'] table")
				)
			)
			self.assertIn("Green Park Society", table.text)
			self.assertIn("Rules", table.text)  # the source, as staff read it
			# A staff member corrects the first name and saves.
			field = browser.wait().until(
				EC.element_to_be_clickable((By.CSS_SELECTOR, ".frappe-control[data-fieldname='first_name'] input"))
			)
			field.clear()
			field.send_keys("Ravindra")
			# Desk takes a typed value after its input debounce: save once the form holds it.
			browser.wait().until(lambda d: d.execute_script("return cur_frm.doc.first_name") == "Ravindra")
			browser.driver.find_element(By.CSS_SELECTOR, ".page-actions .primary-action").click()
			sources = browser.wait(30).until(
				lambda d: (
					lambda el: el if "Staff" in el.text else None
				)(d.find_element(By.CSS_SELECTOR, "[data-fieldname='value_sources_html']"))
			)
			browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", sources)
		finally:
			browser.screenshot("scratchpad-sources.png")
		pad = self.scratchpad(self.phone)
		self.assertEqual(pad.first_name, "Ravindra")
		sources = json.loads(pad.value_sources)
		self.assertEqual(sources["first_name"], {"source": "staff", "confidence": 1.0})
		self.assertEqual(sources["last_name"]["source"], "rule")
		# The bot's next turn keeps the staff member's value.
		self.say(self.phone, "Maruti Swift")
		self.assertEqual(self.scratchpad(self.phone).first_name, "Ravindra")

	def test_a_finished_scratchpad_looks_read_only(self):
		self.say(self.phone, "Hi, I am Ravi Sharma")
		self.say(self.phone, "cancel")
		pad = self.scratchpad(self.phone)
		self.assertEqual(pad.status, "Cancelled")
		browser = self.browser
		try:
			browser.login(USER, PASSWORD)
			browser.open(f"/app/wa-booking-scratchpad/{pad.name}")
			browser.wait(60).until(lambda d: "read-only" in d.find_element(By.TAG_NAME, "body").text)
			editable = browser.driver.find_elements(
				By.CSS_SELECTOR, ".frappe-control[data-fieldname='first_name'] input:not([disabled])"
			)
			self.assertFalse([el for el in editable if el.is_displayed()], "no field to type into")
		finally:
			browser.screenshot("scratchpad-read-only.png")
