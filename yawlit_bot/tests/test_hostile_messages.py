"""No message can stall the bot (issue 21): a hostile message is read in bounded time, another
customer is answered meanwhile, and a reading over the turn's budget is ended in the process,
keeps nothing and asks the customer again; a turn that runs out of time every time is given up
with the apology after `max_turn_attempts`."""

from __future__ import annotations

import time

import frappe

from yawlit_bot.engine import replies
from yawlit_bot.engine.wapi_payload import parse_webhook
from yawlit_bot.services.pipeline import turn
from yawlit_bot.services.pipeline import turn_jobs
from yawlit_bot.services.pipeline.inbound import store_message
from yawlit_bot.services.site.settings import bot_settings
from yawlit_bot.testing import payloads
from yawlit_bot.tests.utils import PipelineTestCase

HOSTILE = ["क" * 4096, "மா" * 2048, "1 " * 2048, "ji " * 1365, "🙏🏽" * 1024]


def spin(*args, **kwargs):
	"""A reading that never ends (a pattern that backtracks forever)."""
	while True:
		pass


class TestHostileMessages(PipelineTestCase):
	held = None

	def tearDown(self):
		self.configure(max_turn_attempts=5)

	def test_a_hostile_message_is_read_and_the_next_new_customer_answered_within_seconds(self):
		for text in HOSTILE:
			attacker, newcomer = self.new_phone(), self.new_phone()
			hostile = payloads.text(attacker, text)
			self.send(hostile)
			started = time.monotonic()
			greeted = self.say(newcomer, "hi")
			waited = time.monotonic() - started
			self.assertTrue(greeted, "the new customer is answered")
			self.assertLess(waited, 10, f"'hi' waited {waited:.1f} s behind {text[:10]!r}...")
			name = self.wait_processed(hostile["message"]["whatsapp_message_id"], timeout=10)
			self.assertTrue(self.replies_to(name), "the hostile sender is answered too")

	def hold(self, phone: str):
		"""The conversation's lock, held by this test: no worker runs its turns meanwhile."""
		lock = turn_jobs.conversation_lock(phone, 60)
		self.assertTrue(lock.acquire(wait=15), "the worker's job let go of the conversation")
		self.held = lock
		self.addCleanup(self.let_go)

	def let_go(self):
		if self.held is not None:
			self.held.release()
			self.held = None

	def stored(self, phone: str, text: str) -> str:
		"""A message stored as the webhook stores it, with no turn queued: this test runs it."""
		self.hold(phone)
		payload = payloads.text(phone, text)
		[message] = parse_webhook(payload).messages
		self.assertTrue(store_message(message, payload))
		return frappe.db.get_value("WA Message", {"wamid": message.wamid}, "name")

	def test_a_reading_over_the_budget_keeps_nothing_and_asks_again(self):
		phone = self.new_phone()
		self.say(phone, "Hi, I want a car wash")
		before = self.scratchpad(phone).booking_values()
		name = self.stored(phone, "Mera naam Ravi Kumar hai, kal subah 10 baje")
		# the rules' reading never ends; the re-ask needs no reading
		from yawlit_bot.engine import conversation

		real_extract = conversation.extract
		conversation.extract = spin
		try:
			started = time.process_time()
			outcome = turn.run_next_turn(phone, bot_settings())
			spent = time.process_time() - started
		finally:
			conversation.extract = real_extract
		self.assertEqual(outcome, turn.DONE)
		self.assertLess(spent, 2, "the reading was ended by its budget")
		message = frappe.get_doc("WA Message", name)
		self.assertEqual(message.processing_status, "Processed")
		self.assertIn("not read", message.understood_by)
		self.assertEqual(self.scratchpad(phone).booking_values(), before, "nothing from the message is kept")
		[reply] = frappe.get_all("WA Message", filters={"reply_to": name, "role": "assistant"}, pluck="content")
		self.assertIn("couldn't read", reply)
		# the conversation goes on as before, with the worker
		self.let_go()
		self.assertTrue(self.say(phone, "Ravi Kumar"))

	def test_a_turn_out_of_time_every_time_is_retried_then_given_up_with_the_apology(self):
		self.configure(max_turn_attempts=3)
		phone = self.new_phone()
		name = self.stored(phone, "hello")
		from yawlit_bot.engine import conversation

		real = conversation.decide_turn
		conversation.decide_turn = spin  # even the short re-ask runs out of time
		try:
			outcomes = [turn.run_next_turn(phone, bot_settings()) for _ in range(3)]
		finally:
			conversation.decide_turn = real
		self.assertEqual(outcomes, [turn.FAILED] * 3)
		message = frappe.get_doc("WA Message", name)
		self.assertEqual(message.processing_status, "Failed")
		self.assertEqual(message.processing_attempts, 3)
		self.assertIn("ReadingOverBudget", message.processing_error)
		sent = frappe.get_all("WA Message", filters={"reply_to": name, "role": "assistant"}, pluck="content")
		self.assertEqual(sent, [replies.SORRY_TEXT])
		self.assertEqual(turn.run_next_turn(phone, bot_settings()), turn.EMPTY, "the conversation moves on")
