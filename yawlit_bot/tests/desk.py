"""Headless Debian Chromium for the Desk tests: started against the real web server, logged in
as a test user, screenshots saved to $YAWLIT_ARTIFACTS (default /tmp)."""

from __future__ import annotations

import os
import shutil
import tempfile
from urllib.parse import urlparse

import frappe
from frappe.utils.password import update_password

from yawlit_bot.tests.utils import WEB_URL

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

try:
	from selenium import webdriver
	from selenium.common.exceptions import StaleElementReferenceException
	from selenium.webdriver.common.by import By
	from selenium.webdriver.support import expected_conditions as EC
	from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - .ci/run installs it
	webdriver = By = EC = WebDriverWait = StaleElementReferenceException = None


def browser_missing() -> str | None:
	if webdriver is None:
		return "selenium is not installed in the bench's env"
	if not (CHROMIUM and CHROMEDRIVER):
		return "Debian's chromium and chromium-driver are not installed"
	return None


def ensure_user(email: str, password: str, role: str, first_name: str) -> None:
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"send_welcome_email": 0,
				"roles": [{"role": role}],
			}
		).insert(ignore_permissions=True)
	update_password(email, password)
	frappe.db.commit()


class DeskBrowser:
	"""One Chromium for a test class: `open`, `login`, `wait`, `screenshot`, `quit`."""

	def __init__(self, site: str):
		if browser_missing():
			raise RuntimeError(f"The browser test cannot run: {browser_missing()}")
		port = urlparse(WEB_URL).port or 80
		self.base = f"http://{site}:{port}"
		self.profile = tempfile.mkdtemp(prefix="yawlit-chromium-")
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
			f"--user-data-dir={self.profile}",
			# The site is found by its host name: point that name at the local web server.
			f"--host-resolver-rules=MAP {site} 127.0.0.1",
		):
			options.add_argument(flag)
		self.driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
		self.driver.set_page_load_timeout(60)

	def wait(self, timeout: float = 30) -> WebDriverWait:
		return WebDriverWait(self.driver, timeout)

	def open(self, path: str) -> None:
		self.driver.get(f"{self.base}{path}")

	def login(self, user: str, password: str) -> None:
		self.open("/login")
		# logged in already (an earlier test of the class): Frappe sends /login on to the desk
		self.wait().until(
			lambda d: "/app" in d.current_url
			or any(el.is_displayed() for el in d.find_elements(By.ID, "login_email"))
		)
		if "/app" in self.driver.current_url:
			return
		self.driver.find_element(By.ID, "login_email").send_keys(user)
		self.driver.find_element(By.ID, "login_password").send_keys(password)
		self.driver.find_element(By.CSS_SELECTOR, ".btn-login").click()
		self.wait().until(lambda d: "/app" in d.current_url)

	def screenshot(self, name: str) -> str:
		path = os.path.join(os.environ.get("YAWLIT_ARTIFACTS") or "/tmp", name)
		self.driver.save_screenshot(path)
		print(f"screenshot: {path}")
		return path

	def quit(self) -> None:
		self.driver.quit()
		shutil.rmtree(self.profile, ignore_errors=True)


class DeskTestMixin:
	"""A test class with one logged-in-able browser: `desk_user` is (email, password, role,
	first name); `self.browser` is started after the class's own set-up and quit at its end."""

	desk_user: tuple[str, str, str, str]

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_user(*cls.desk_user)
		cls.browser = DeskBrowser(cls.site)

	@classmethod
	def tearDownClass(cls):
		browser = getattr(cls, "browser", None)
		if browser:
			browser.quit()
		super().tearDownClass()
