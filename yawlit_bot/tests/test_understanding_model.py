"""The language model in the real pipeline: an OpenAI-compatible stand-in answering well,
slowly, with garbage, with 500s and not at all. Every turn completes within the bound with
the rules' reading, nothing is lost, the breaker opens and closes, and a name only the model
found lands on the scratchpad with source "model"."""

from __future__ import annotations

import json
import random
import time

import frappe

from yawlit_bot.engine.understanding import BREAKER_FAILURES, BREAKER_OPEN_SECONDS
from yawlit_bot.engine.understanding import NO_MODEL
from yawlit_bot.testing import payloads
from yawlit_bot.testing.llm_standin import LlmStandin
from yawlit_bot.tests.utils import PipelineTestCase

API_KEY = "standin-llm-key"
TIMEOUT = 3  # seconds: the model's bound in these tests
NOTHING = {"values": {}, "confidence": {}, "intent": "other", "edit_target": ""}
RAJESH = {
	"values": {"first_name": "Rajesh"},
	"confidence": {"first_name": "high"},
	"intent": "provide",
	"edit_target": "",
}
# The rules read no name here; the model does.
ONLY_THE_MODEL_READS = "ji Rajesh ji ka booking karna hai"


class TestUnderstandingWithModel(PipelineTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.llm = LlmStandin(api_key=API_KEY).start()
		settings = frappe.get_single("WA Bot Settings")
		cls.saved = {f: settings.get(f) for f in ("llm_provider", "llm_model", "llm_api_base", "llm_timeout")}
		cls.configure(
			llm_provider="OpenAI-compatible",
			llm_model="standin",
			llm_api_base=cls.llm.base_url,
			llm_api_key=API_KEY,
			llm_timeout=TIMEOUT,
			llm_confidence_threshold=0.6,
		)
		cls.wait_for_idle_workers()

	@classmethod
	def wait_for_idle_workers(cls, timeout: float = 60):
		"""A turn job still running from an earlier test class (it drains ready conversations for
		up to 20 s) keeps the settings it read when it started: let it end first."""
		from frappe.utils.background_jobs import get_workers

		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			if not any(worker.get_state() == "busy" for worker in get_workers()):
				return
			time.sleep(0.2)
		raise AssertionError("the RQ workers stayed busy: another test's jobs are still running")

	@classmethod
	def tearDownClass(cls):
		cls.configure(**{**cls.saved, "llm_provider": cls.saved["llm_provider"] or NO_MODEL})
		cls.clear_breaker()
		cls.llm.stop()
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		self.llm.reset()
		self.llm.configure(answer=NOTHING)
		self.clear_breaker()
		self.phones = []

	def tearDown(self):
		for phone in self.phones:
			for name in frappe.get_all("WA Booking Scratchpad", {"conversation": phone}, pluck="name"):
				frappe.db.delete("WA Booking Scratchpad", name)
			frappe.db.delete("WA Message", {"conversation": phone})
			frappe.db.delete("WA Conversation", phone)
		frappe.db.commit()

	@classmethod
	def clear_breaker(cls):
		for key in ("model-failures", "model-paused"):
			frappe.cache.delete(f"{cls.site}|yawlit_bot|{key}")

	def customer(self) -> str:
		phone = "9170000" + "".join(random.choices("0123456789", k=5))  # a made-up range
		self.phones.append(phone)
		return phone

	def message(self, phone: str, text: str):
		payload = payloads.text(phone, text)
		started = time.monotonic()
		self.send(payload)
		name = self.wait_processed(payload["message"]["whatsapp_message_id"], timeout=TIMEOUT + 20)
		elapsed = time.monotonic() - started
		row = frappe.db.get_value("WA Message", name, ["name", "understood_by", "processing_status"], as_dict=True)
		row.elapsed = elapsed
		row.replies = self.replies_to(name)
		return row

	def sources(self, phone: str) -> dict:
		return json.loads(self.scratchpad(phone).value_sources or "{}")

	def test_a_name_only_the_model_found_lands_with_source_model(self):
		self.llm.configure(answers_by_text=[[ONLY_THE_MODEL_READS, RAJESH]])
		phone = self.customer()
		self.message(phone, "Hi")
		row = self.message(phone, ONLY_THE_MODEL_READS)
		self.assertTrue(row.understood_by.startswith("rules + model"), row.understood_by)
		pad = self.scratchpad(phone)
		self.assertEqual(pad.first_name, "Rajesh")
		self.assertEqual(self.sources(phone)["first_name"], {"source": "model", "confidence": 0.9})
		self.assertEqual(self.sources(phone)["phone"]["source"], "rule")
		self.assertEqual(self.llm.count, 2)  # one call per message
		self.assertIn(ONLY_THE_MODEL_READS, self.llm.last_user_content())

	def test_a_low_confidence_value_is_asked_back(self):
		unsure = {**RAJESH, "confidence": {"first_name": "low"}}
		self.llm.configure(answers_by_text=[[ONLY_THE_MODEL_READS, unsure]])
		phone = self.customer()
		self.message(phone, "Hi")
		row = self.message(phone, ONLY_THE_MODEL_READS)
		self.assertFalse(self.scratchpad(phone).first_name)
		self.assertIn("Rajesh", row.replies[0])
		self.message(phone, "haan")
		self.assertEqual(self.scratchpad(phone).first_name, "Rajesh")

	def assert_rules_within_bound(self, configure: dict, note: str):
		phone = self.customer()
		self.message(phone, "Hi")
		self.llm.configure(**configure)
		row = self.message(phone, "Main Ravi Sharma hoon")
		self.assertEqual(row.processing_status, "Processed")
		self.assertIn(note, row.understood_by)
		self.assertLess(row.elapsed, TIMEOUT + 10, "the turn waited past the model's bound")
		pad = self.scratchpad(phone)
		self.assertEqual((pad.first_name, pad.last_name), ("Ravi", "Sharma"))  # the rules' reading
		self.assertEqual(len(row.replies), 1)
		return row

	def test_slow_answers_fall_back_to_the_rules(self):
		self.assert_rules_within_bound({"delay": TIMEOUT + 3}, "timed out")

	def test_no_answer_at_all_falls_back_to_the_rules(self):
		self.assert_rules_within_bound({"hang_next": 1, "hang_seconds": 20}, "timed out")

	def test_garbage_falls_back_to_the_rules(self):
		self.assert_rules_within_bound({"garbage_next": 1}, "failed")

	def test_server_errors_fall_back_to_the_rules(self):
		self.assert_rules_within_bound({"fail_next": 1}, "failed")

	def test_the_breaker_opens_after_repeated_failures_and_closes_again(self):
		phone = self.customer()
		self.llm.configure(fail_rate=1.0)
		texts = ["Hi", "Main Ravi Sharma hoon", "Maruti Swift", "MH12AB1234", "premium wash"]
		rows = [self.message(phone, text) for text in texts]
		# every message answered, in order, by the rules
		self.assertTrue(all(r.processing_status == "Processed" and len(r.replies) == 1 for r in rows))
		self.assertEqual(self.llm.count, BREAKER_FAILURES)  # then the model is no longer asked
		for row in rows[BREAKER_FAILURES:]:
			self.assertFalse(row.understood_by.startswith("rules + model"), row.understood_by)
		paused_key = f"{self.site}|yawlit_bot|model-paused"
		self.assertTrue(0 < frappe.cache.ttl(paused_key) <= BREAKER_OPEN_SECONDS)
		# The pause ends (its key expires); a model answering well is asked again.
		frappe.cache.delete(paused_key)
		self.llm.configure(fail_rate=0.0)
		row = self.message(phone, "kal subah 10 baje")
		self.assertTrue(row.understood_by.startswith("rules + model"), row.understood_by)
		self.assertEqual(self.llm.count, BREAKER_FAILURES + 1)
		pad = self.scratchpad(phone)
		self.assertEqual((pad.first_name, pad.vehicle_plate, pad.time_slot), ("Ravi", "MH12AB1234", "10:00-11:00"))

	def test_model_settings_are_checked_on_save(self):
		# The controller's checks run without saving: a saved-then-rolled-back Single can leave
		# its values in the document cache the workers read.
		for values, problem in (
			({"llm_model": ""}, "Model"),
			({"llm_api_base": ""}, "API Base URL"),
			({"llm_api_base": "ftp://example.com"}, "http"),
			({"llm_timeout": 10, "lock_timeout": 15}, "Lock Timeout"),  # the lock must outlast the wait
		):
			settings = frappe.get_doc("WA Bot Settings")
			settings.update(values)
			with self.assertRaises(frappe.ValidationError) as raised:
				settings.validate()
			self.assertIn(problem, str(raised.exception))
		settings = frappe.get_doc("WA Bot Settings")
		settings.update({"llm_timeout": 500, "lock_timeout": 120, "llm_confidence_threshold": 3})
		settings.validate()
		self.assertEqual((settings.llm_timeout, settings.llm_confidence_threshold), (15, 1))
