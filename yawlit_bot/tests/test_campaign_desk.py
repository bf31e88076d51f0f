"""A person in Desk: log in, open a campaign, Send Campaign, confirm, watch it reach 100%.

Headless Debian Chromium driven by selenium against the real web server; the worker sends
to the WAPI stand-in. Saves a screenshot to $YAWLIT_ARTIFACTS (default /tmp).
"""

from __future__ import annotations

import os
import unittest

from yawlit_bot.api import campaigns as api
from yawlit_bot.tests.desk import EC, By, DeskTestMixin, browser_missing
from yawlit_bot.tests.test_campaigns import CampaignTestCase

USER = "campaign-manager@example.com"
PASSWORD = "Yawlit-desk-test-1"


@unittest.skipIf(browser_missing() and not os.environ.get("CI"), browser_missing() or "")
class TestCampaignDesk(DeskTestMixin, CampaignTestCase):
	desk_user = (USER, PASSWORD, "WA Campaign Manager", "Campaign")

	def wait(self, timeout: float = 30):
		return self.browser.wait(timeout)

	def test_send_campaign_from_desk(self):
		phones = self.phones(25)
		campaign = self.make_campaign(phones, title="Desk test offer")
		driver = self.browser.driver
		try:
			self.browser.login(USER, PASSWORD)
			self.browser.open(f"/app/wa-campaign/{campaign}")
			send = self.wait(60).until(
				EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Send Campaign']"))
			)
			send.click()
			dialog = self.wait().until(
				EC.visibility_of_element_located((By.CSS_SELECTOR, ".modal.show .modal-body"))
			)
			self.assertIn("25", dialog.text)  # the confirmation says how many will receive it
			driver.find_element(By.CSS_SELECTOR, ".modal.show .btn-modal-primary").click()

			progress = self.wait(90).until(
				EC.presence_of_element_located(
					(
						By.CSS_SELECTOR,
						".yawlit-campaign-progress[data-percent='100'][data-status='Completed']",
					)
				)
			)
			self.assertEqual(int(progress.get_attribute("data-sent")), len(self.template_sends()))
			self.assertEqual(int(progress.get_attribute("data-sent")), 25)
			self.assertEqual(int(progress.get_attribute("data-failed")), 0)
			self.assertEqual(set(self.template_sends()), set(phones))
			self.assertEqual(api.progress(campaign)["percent"], 100)
			self.wait().until(
				EC.visibility_of_element_located((By.CSS_SELECTOR, ".progress-area .progress-bar"))
			)
		finally:
			self.browser.screenshot("campaign-desk.png")
