"""Shared fixture for the site tier: the real site, web server, worker and a WAPI stand-in."""

from __future__ import annotations

import os
import random
import time

import frappe
import requests
from frappe.tests.utils import FrappeTestCase

from yawlit_bot.services.site.webhook_config import ensure_webhook_secret, get_webhook_secret
from yawlit_bot.testing import payloads
from yawlit_bot.services.booking.slots import release_holds
from yawlit_bot.testing.wapi_standin import WapiStandin

WEB_URL = os.environ.get("YAWLIT_WEB_URL", "http://127.0.0.1:8000")
WEBHOOK_PATH = "/api/method/yawlit_bot.api.webhook.receive"
STANDIN_TOKEN = "standin-token"


def saved_settings() -> dict:
	"""The settings a test class may change, to put back afterwards."""
	from frappe.utils.password import get_decrypted_password

	from yawlit_bot.services.site.settings import DEFAULTS

	settings = frappe.get_single("WA Bot Settings")
	saved = {name: settings.get(name) for name in DEFAULTS}
	saved["wapi_token"] = get_decrypted_password(
		"WA Bot Settings", "WA Bot Settings", "wapi_token", raise_exception=False
	)
	return saved


def restore_settings(saved: dict) -> None:
	frappe.db.rollback()
	settings = frappe.get_single("WA Bot Settings")
	settings.update({name: value for name, value in saved.items() if value is not None})
	settings.save(ignore_permissions=True)
	frappe.db.commit()


BOOKING_HOURS = {
	"opens_at": "06:00:00",
	"closes_at": "18:00:00",
	"slot_minutes": 60,
	"days_ahead": 30,
	**{f"open_{day}": 1 for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
}


def set_booking_settings(values: dict) -> dict:
	"""Change `WA Booking Settings` (committed); returns what to put back."""
	settings = frappe.get_single("WA Booking Settings")
	saved = {name: settings.get(name) for name in values}
	settings.update(values)
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	return saved


TEST_RANGE = "9160000"  # made-up numbers: 91 60000 xxxxx


def release_test_holds() -> None:
	"""Seats held by customers of the reserved test range whose test ended before its cleanup."""
	import json

	holders = set()
	for raw in frappe.get_all("WA Booking Slot", filters={"holds": ["like", f'%"{TEST_RANGE}%']}, pluck="holds"):
		holders.update(h for h in json.loads(raw or "{}") if h.startswith(TEST_RANGE))
	release_holds(sorted(holders))
	frappe.db.commit()


class PipelineTestCase(FrappeTestCase):
	"""Talks to the site the way WAPI does: HTTP to the web server, turns run by the RQ worker."""

	standin: WapiStandin

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.site = frappe.local.site  # the tests post from threads, where frappe.local is empty
		cls.saved_settings = saved_settings()
		cls.standin = WapiStandin(token=STANDIN_TOKEN).start()
		cls.configure(enabled=1, sweeper_age=5, lock_timeout=30, wapi_timeout=5)
		# Room for every test's booking, whatever this site holds already (a harness run's
		# bookings, other tests'); the capacity tests set their own.
		cls.saved_booking_settings = set_booking_settings(
			{**BOOKING_HOURS, "capacity_per_slot": 1000, "closed_dates": [], "capacity_overrides": []}
		)
		release_test_holds()
		ensure_webhook_secret()
		frappe.db.commit()
		cls.secret = get_webhook_secret()
		cls.http = requests.Session()
		try:
			cls.http.get(f"{WEB_URL}/api/method/ping", headers=cls.headers(), timeout=10).raise_for_status()
		except requests.RequestException as exc:
			raise RuntimeError(
				f"The site tier needs the web server at {WEB_URL} (see .ci/run): {exc}"
			) from exc

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		restore_settings(cls.saved_settings)
		set_booking_settings(cls.saved_booking_settings)
		super().tearDownClass()

	def setUp(self):
		self.standin.reset()
		self.customers: list[str] = []
		self.addCleanup(self.remove_customers)

	def remove_customers(self):
		"""What the test's customers left: conversations, messages, scratchpads, bookings."""
		if not self.customers:
			return
		frappe.db.rollback()
		phones = ("in", self.customers)
		for booking in frappe.get_all("WA Service Booking", filters={"phone": phones}, pluck="name"):
			frappe.delete_doc("WA Service Booking", booking, force=True, ignore_permissions=True)  # frees its seat
		release_holds(self.customers)
		frappe.db.delete("WA Booking Scratchpad", {"conversation": phones})
		frappe.db.delete("WA Message", {"conversation": phones})
		frappe.db.delete("WA Opt Out", {"name": phones})
		frappe.db.delete("WA Conversation", {"name": phones})
		frappe.db.commit()

	@classmethod
	def configure(cls, **values):
		settings = frappe.get_single("WA Bot Settings")
		settings.update(
			{
				"wapi_base_url": cls.standin.base_url,
				"wapi_vendor_uid": cls.standin.vendor_uid,
				"wapi_token": STANDIN_TOKEN,
				**values,
			}
		)
		settings.save(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def headers(cls) -> dict:
		return {"Host": cls.site, "Content-Type": "application/json"}

	def new_phone(self) -> str:
		"""A customer from a made-up range (91 60000 xxxxx), removed after the test."""
		phone = TEST_RANGE + "".join(random.choices("0123456789", k=5))
		self.customers.append(phone)
		return phone

	def post(
		self,
		payload=None,
		*,
		token: str | None = "use-secret",
		data: bytes | None = None,
		headers: dict | None = None,
	) -> requests.Response:
		params = {} if token is None else {"token": self.secret if token == "use-secret" else token}
		body = data if data is not None else frappe.as_json(payload).encode()
		return self.http.post(
			f"{WEB_URL}{WEBHOOK_PATH}",
			params=params,
			data=body,
			headers=headers or self.headers(),
			timeout=30,
		)

	def send(self, payload) -> requests.Response:
		response = self.post(payload)
		self.assertEqual(response.status_code, 200, response.text)
		return response

	def say(self, phone: str, text: str) -> list[str]:
		"""Send one message and wait for its turn; returns the replies it produced."""
		payload = payloads.text(phone, text)
		self.send(payload)
		return self.replies_to(self.wait_processed(payload["message"]["whatsapp_message_id"]))

	def tap(self, phone: str, title: str, button_id: str) -> list[str]:
		payload = payloads.button(phone, title, button_id)
		self.send(payload)
		return self.replies_to(self.wait_processed(payload["message"]["whatsapp_message_id"]))

	def choose(self, phone: str, title: str, row_id: str) -> list[str]:
		"""Pick a row of a WhatsApp list the bot sent."""
		payload = payloads.list_choice(phone, title, row_id)
		self.send(payload)
		return self.replies_to(self.wait_processed(payload["message"]["whatsapp_message_id"]))

	def wait_processed(self, wamid: str, timeout: float = 30) -> str:
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			frappe.db.rollback()  # read what the worker committed
			row = frappe.db.get_value(
				"WA Message", {"wamid": wamid}, ["name", "processing_status"], as_dict=True
			)
			if row and row.processing_status == "Processed":
				return row.name
			time.sleep(0.1)
		self.fail(f"message {wamid} was not processed within {timeout}s (is a worker running?): {self.why_waiting(wamid)}")

	def why_waiting(self, wamid: str) -> dict:
		"""What a message left Pending had around it: for the failure message."""
		from yawlit_bot.services.pipeline.turn_jobs import conversation_lock, ready_queue

		frappe.db.rollback()
		row = frappe.db.get_value(
			"WA Message", {"wamid": wamid}, ["conversation", "processing_status", "processing_attempts"], as_dict=True
		)
		if not row:
			return {"stored": False}
		queue = ready_queue()
		return {
			**row,
			"flagged": queue.is_flagged(row.conversation),
			"in the ready list": row.conversation in [c.decode() for c in queue.client.lrange(queue.ready_key, 0, -1)],
			"lock held": conversation_lock(row.conversation, 1).is_held(),
			"job waiting": bool(queue.client.exists(queue.job_waiting_key)),
		}

	def wait_until(self, condition, timeout: float = 30, what: str = "condition"):
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			frappe.db.rollback()
			result = condition()
			if result:
				return result
			time.sleep(0.1)
		self.fail(f"timed out waiting for {what}")

	def replies_to(self, message_name) -> list[str]:
		return frappe.get_all(
			"WA Message",
			filters={"reply_to": message_name, "role": "assistant"},
			order_by="name asc",
			pluck="content",
		)

	def conversation(self, phone: str):
		frappe.db.rollback()
		return frappe.get_doc("WA Conversation", phone)

	def scratchpad(self, phone: str):
		return frappe.get_doc("WA Booking Scratchpad", self.conversation(phone).active_scratchpad)

	def fill_booking(self, phone: str) -> None:
		"""Every required detail over several messages, as a customer would send them."""
		self.say(phone, "Hi, I need a car wash")
		self.say(phone, "I am Ravi Kumar")
		self.say(phone, "Maruti Swift, number MH12AB1234")
		self.say(phone, "premium wash")
		self.say(phone, "kal subah 10 baje")
		self.say(phone, "address: Flat 12, Green Park Society, Baner Road, Pune 411045")
		self.say(phone, "haan bijli hai")  # the sample Premium Wash includes a vacuum: electricity is asked
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")
