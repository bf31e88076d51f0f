"""A person in Desk: log in, open a campaign, Send Campaign, confirm, watch it reach 100%.

Headless Debian Chromium driven by selenium against the real web server; the worker sends
to the WAPI stand-in. Saves a screenshot to $YAWLIT_ARTIFACTS (default /tmp).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest
from urllib.parse import urlparse

import frappe
from frappe.utils.password import update_password

from yawlit_bot.api import campaigns as api
from yawlit_bot.tests.test_campaigns import CampaignTestCase
from yawlit_bot.tests.utils import WEB_URL

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
USER = "campaign-manager@example.com"
PASSWORD = "Yawlit-desk-test-1"

try:
	from selenium import webdriver
	from selenium.webdriver.common.by import By
	from selenium.webdriver.support import expected_conditions as EC
	from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - .ci/run installs it
	webdriver = None


def browser_missing() -> str | None:
	if webdriver is None:
		return "selenium is not installed in the bench's env"
	if not (CHROMIUM and CHROMEDRIVER):
		return "Debian's chromium and chromium-driver are not installed"
	return None


@unittest.skipIf(browser_missing() and not os.environ.get("CI"), browser_missing() or "")
class TestCampaignDesk(CampaignTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if browser_missing():
			raise RuntimeError(f"The browser test cannot run: {browser_missing()}")
		if not frappe.db.exists("User", USER):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": USER,
					"first_name": "Campaign",
					"send_welcome_email": 0,
					"roles": [{"role": "WA Campaign Manager"}],
				}
			).insert(ignore_permissions=True)
		update_password(USER, PASSWORD)
		frappe.db.commit()
		port = urlparse(WEB_URL).port or 80
		cls.base = f"http://{cls.site}:{port}"
		cls.profile = tempfile.mkdtemp(prefix="yawlit-chromium-")
		options = webdriver.ChromeOptions()
		options.binary_location = CHROMIUM
		for flag in (
			"--headless=new",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-dev-shm-usage",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			"--window-size=1400,1000",
			f"--user-data-dir={cls.profile}",
			# The site is found by its host name: point that name at the local web server.
			f"--host-resolver-rules=MAP {cls.site} 127.0.0.1",
		):
			options.add_argument(flag)
		cls.driver = webdriver.Chrome(
			service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options
		)
		cls.driver.set_page_load_timeout(60)

	@classmethod
	def tearDownClass(cls):
		driver = getattr(cls, "driver", None)
		if driver:
			driver.quit()
		shutil.rmtree(getattr(cls, "profile", ""), ignore_errors=True)
		super().tearDownClass()

	def wait(self, timeout: float = 30) -> WebDriverWait:
		return WebDriverWait(self.driver, timeout)

	def test_send_campaign_from_desk(self):
		phones = self.phones(25)
		campaign = self.make_campaign(phones, title="Desk test offer")
		driver = self.driver
		try:
			driver.get(f"{self.base}/login")
			self.wait().until(EC.visibility_of_element_located((By.ID, "login_email"))).send_keys(USER)
			driver.find_element(By.ID, "login_password").send_keys(PASSWORD)
			driver.find_element(By.CSS_SELECTOR, ".btn-login").click()
			self.wait().until(lambda d: "/app" in d.current_url)

			driver.get(f"{self.base}/app/wa-campaign/{campaign}")
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
			path = os.path.join(os.environ.get("YAWLIT_ARTIFACTS") or "/tmp", "campaign-desk.png")
			driver.save_screenshot(path)
			print(f"screenshot: {path}")
