"""After the booking, in Desk (headless Debian Chromium against the real web server): a visit
marked done with one click on the day plan, the feedback seen on the booking, a comeback
audience built with its size shown before adding. Screenshots in $YAWLIT_ARTIFACTS."""

from __future__ import annotations

import os
import unittest

import frappe

from yawlit_bot.tests.desk import EC, By, DeskTestMixin, StaleElementReferenceException, WebDriverWait, browser_missing
from yawlit_bot.tests.test_aftercare import AftercareCase
from yawlit_bot.tests.test_campaigns import CampaignTestCase

PASSWORD = "Yawlit-desk-test-1"


@unittest.skipIf(browser_missing() and not os.environ.get("CI"), browser_missing() or "")
class TestDayPlanDesk(DeskTestMixin, AftercareCase):
	desk_user = ("bot-manager@example.com", PASSWORD, "WA Bot Manager", "Bot")

	def test_a_visit_marked_done_with_one_click_on_the_day_plan(self):
		_phone, booking = self.today_booking("23:00:00", "23:59:00")
		try:
			self.browser.login(*self.desk_user[:2])
			self.browser.open("/app/day-plan")
			row = f".yawlit-todo-group tr[data-booking='{booking}']"  # to come, or under way late at night
			# the plan is drawn again when a booking changes (realtime): a button found may be replaced
			WebDriverWait(self.browser.driver, 60, ignored_exceptions=[StaleElementReferenceException]).until(
				lambda d: d.find_element(By.CSS_SELECTOR, f"{row} .yawlit-mark[data-outcome='Completed']").click() or True
			)
			self.browser.wait(30).until(
				EC.presence_of_element_located(
					(By.CSS_SELECTOR, f".yawlit-todo-group[data-group='done'] tr[data-booking='{booking}']")
				)
			)
			frappe.db.rollback()
			doc = frappe.get_doc("WA Service Booking", booking)
			self.assertEqual(doc.status, "Completed")
			self.assertEqual(doc.visit_marked_by, self.desk_user[0])
		finally:
			self.browser.screenshot("day-plan.png")

	def test_the_feedback_is_seen_on_the_booking(self):
		_phone, booking = self.today_booking("23:00:00", "23:59:00")
		frappe.db.sql(
			"""update `tabWA Service Booking` set status = 'Completed', feedback_rating = 4,
			feedback_comment = 'Good wash, came 10 minutes late', feedback_at = now() where name = %s""",
			booking,
		)
		frappe.db.commit()
		try:
			self.browser.login(*self.desk_user[:2])
			self.browser.open(f"/app/wa-service-booking/{booking}")
			headline = self.browser.wait(60).until(
				EC.visibility_of_element_located((By.XPATH, "//*[contains(@class, 'form-message') and contains(., '4/5')]"))
			)
			self.assertIn("Good wash, came 10 minutes late", headline.text)
		finally:
			self.browser.screenshot("booking-feedback.png")


	def test_the_workspace_shows_tomorrows_bookings_with_their_reminder_status(self):
		from yawlit_bot.services.aftercare import follow_up

		_phone, booking = self.booked()
		follow_up.send_due_reminders(self.evening_before(booking))
		# the block is a Custom HTML Block: its content lives in a shadow root
		read_block = """
			const host = [...document.querySelectorAll('*')].find((e) => e.tagName.toLowerCase().startsWith('custom-block-')
				&& e.shadowRoot && e.shadowRoot.querySelector('.yawlit-block'));
			const row = host && host.shadowRoot.querySelector(`.yawlit-tomorrow-row[data-booking='${arguments[0]}'] .yawlit-reminder`);
			return row ? row.textContent : null;"""
		try:
			self.browser.login(*self.desk_user[:2])
			self.browser.open("/app/whatsapp-bot")
			status = self.browser.wait(60).until(lambda d: d.execute_script(read_block, booking))
			self.assertIn(status, ("Queued", "Sent", "Delivered", "Read"))
		finally:
			self.browser.screenshot("workspace-today-tomorrow.png")


@unittest.skipIf(browser_missing() and not os.environ.get("CI"), browser_missing() or "")
class TestComebackDesk(DeskTestMixin, CampaignTestCase):
	desk_user = ("comeback-manager@example.com", PASSWORD, "WA Campaign Manager", "Comeback")

	def test_an_audience_built_from_the_bookings_shows_its_size_then_adds_it(self):
		away = self.phones(1)[0]
		self.visited(away, 400, city="Nashik")  # long away, in a city no other test uses
		campaign = self.make_campaign(title="Come back offer")
		driver = self.browser.driver
		try:
			self.browser.login(*self.desk_user[:2])
			self.browser.open(f"/app/wa-campaign/{campaign}")
			self.browser.wait(60).until(
				EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Add Recipients']"))
			).click()
			self.browser.wait().until(
				EC.element_to_be_clickable((By.XPATH, "//a[normalize-space()='Bring Customers Back']"))
			).click()
			dialog = self.browser.wait().until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".modal.show")))
			days = dialog.find_element(By.CSS_SELECTOR, "input[data-fieldname='away_days']")
			days.clear()
			days.send_keys("365")
			dialog.find_element(By.CSS_SELECTOR, "input[data-fieldname='city']").send_keys("Nashik\t")
			count = self.browser.wait(30).until(
				EC.presence_of_element_located((By.CSS_SELECTOR, ".modal.show .yawlit-comeback-count[data-count='1']"))
			)
			self.assertIn("1 customer found", count.text)
			self.browser.screenshot("comeback-count.png")
			driver.find_element(By.CSS_SELECTOR, ".modal.show .btn-modal-primary").click()
			self.browser.wait(30).until(lambda d: frappe.db.rollback() or away in self.rows(campaign))
			self.assertEqual(self.rows(campaign)[away].source, "Bookings: bring back")
		finally:
			self.browser.screenshot("comeback-audience.png")
