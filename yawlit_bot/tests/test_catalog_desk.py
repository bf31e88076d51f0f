"""Staff keep the catalog and read bookings by slot in Desk: the service form with its prices,
the booking settings, and the calendar showing a booking the bot made. Headless Debian Chromium
against the real web server; screenshots in $YAWLIT_ARTIFACTS."""

from __future__ import annotations

import os
import unittest

import frappe

from yawlit_bot.tests.desk import EC, By, DeskTestMixin, browser_missing
from yawlit_bot.tests.utils import PipelineTestCase

USER = "bot-manager@example.com"
PASSWORD = "Yawlit-desk-test-2"


@unittest.skipIf(browser_missing() and not os.environ.get("CI"), browser_missing() or "")
class TestCatalogDesk(DeskTestMixin, PipelineTestCase):
	desk_user = (USER, PASSWORD, "WA Bot Manager", "Bot")

	def page_text(self, path: str, *expected: str, timeout: float = 60) -> str:
		"""The page's text once every expected label shows: Desk renders a workspace's widgets one
		by one (a chart after the cards), so waiting for one label says nothing of the others."""
		browser = self.browser
		browser.open(path)

		def shown(d):
			# as shown: Desk writes some labels in capitals (CSS), so compared without case
			text = d.find_element(By.TAG_NAME, "body").text
			return text if all(label.lower() in text.lower() for label in expected) else None

		try:
			return browser.wait(timeout).until(shown)
		except Exception:
			text = browser.driver.find_element(By.TAG_NAME, "body").text.lower()
			missing = [label for label in expected if label.lower() not in text]
			self.fail(f"not shown on {path} within {timeout:.0f} s: {missing}")

	def test_catalog_forms_and_the_booking_calendar(self):
		phone = self.new_phone()
		self.fill_booking(phone)
		self.tap(phone, "Confirm", "1")
		booking = frappe.get_doc("WA Service Booking", {"phone": phone})
		service = frappe.get_all("WA Service", filters={"enabled": 1}, pluck="name", limit=1)[0]

		browser = self.browser
		try:
			browser.login(USER, PASSWORD)
			text = self.page_text(f"/app/wa-service/{service}", "Prices")
			self.assertIn("Sedan", text)
			browser.screenshot("catalog-service.png")
			text = self.page_text("/app/wa-booking-settings", "Bookings per Slot")
			self.assertIn("Where We Wash", text)
			browser.open("/app/wa-service-booking/view/calendar/default")
			event = browser.wait(60).until(
				EC.visibility_of_element_located(
					(By.XPATH, f"//*[contains(@class, 'fc-event')][contains(., '{booking.customer_name}')]")
				)
			)
			self.assertTrue(event.is_displayed())
			self.assertFalse(
				browser.driver.find_elements(By.CSS_SELECTOR, ".modal.show .msgprint"), "no error dialog"
			)
		finally:
			browser.screenshot("booking-calendar.png")

	def test_the_workspace_shows_the_days_bookings_and_the_way_to_everything(self):
		phone = self.new_phone()
		self.fill_booking(phone)  # tomorrow: this week's count, not today's
		self.tap(phone, "Confirm", "1")
		browser = self.browser
		try:
			browser.login(USER, PASSWORD)
			self.page_text(
				"/app/whatsapp-bot",
				"Bookings This Week",
				"Waiting for a Person",
				"Conversations in Progress",
				"Bookings Today",
				"Bookings Made per Day",
				"Needing a Person",
				"WhatsApp Simulator",
				"Bookings Calendar",
				"Bot Settings",
			)
			browser.wait(60).until(
				lambda d: any(
					el.text.strip() not in ("", "...")
					for el in d.find_elements(By.CSS_SELECTOR, ".widget.number-widget-box .number")
				)
			)
			self.assertFalse(
				browser.driver.find_elements(By.CSS_SELECTOR, ".modal.show .msgprint"), "no error dialog"
			)
		finally:
			browser.screenshot("workspace.png")
