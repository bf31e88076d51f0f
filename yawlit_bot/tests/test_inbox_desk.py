"""Staff read a conversation as a chat, take it over, answer and hand it back; and try the bot in
the WhatsApp Simulator through to a confirmed booking. Headless Debian Chromium against the real
web server, worker and WAPI stand-in; screenshots in $YAWLIT_ARTIFACTS."""

from __future__ import annotations

import os
import unittest

import frappe
from frappe.utils import add_to_date, now_datetime

from yawlit_bot.services.outbound.messages import insert_message
from yawlit_bot.tests.desk import EC, By, DeskTestMixin, browser_missing
from yawlit_bot.tests.utils import PipelineTestCase

USER = "inbox-desk@example.com"
PASSWORD = "Yawlit-desk-test-3"
SIMULATED = "919999900042"
MARKUP = "<img src=x onerror=\"window.yawlit_hacked=1\"><b>bold?</b>"


@unittest.skipIf(browser_missing() and not os.environ.get("CI"), browser_missing() or "")
class TestInboxDesk(DeskTestMixin, PipelineTestCase):
	desk_user = (USER, PASSWORD, "WA Bot Manager", "Asha")

	def shown(self) -> list[dict]:
		"""The chat as drawn, read in one go (a live update may redraw it between two reads)."""
		return self.browser.driver.execute_script(
			"""return [...document.querySelectorAll('.yc-thread .yc-row')].map((row) => ({
				who: row.className, status: row.dataset.status,
				text: (row.querySelector('.yc-text') || {}).innerText || ''}))"""
		)

	def thirty_messages(self, phone: str) -> None:
		"""A long thread, a minute apart: the customer and the bot in turn, the bot's delivered or read."""
		start = add_to_date(now_datetime(), minutes=-40)
		for n in range(1, 31):
			at = add_to_date(start, minutes=n)
			customer = n % 2
			insert_message(
				{
					"conversation": phone,
					"role": "user" if customer else "assistant",
					"message_type": "text",
					"content": MARKUP if n == 29 else f"message {n}",
					"received_at": at if customer else None,
					"processing_status": "Processed" if customer else None,
					"send_status": None if customer else ("Read" if n < 20 else "Delivered"),
					"wamid": f"wamid.desk-{phone}-{n}",
					"creation": at,
				}
			)
		frappe.db.commit()

	def test_a_conversation_reads_as_a_chat_and_staff_take_over_answer_and_hand_back(self):
		phone = self.new_phone()
		self.say(phone, "Hi")
		self.thirty_messages(phone)
		browser = self.browser
		try:
			browser.login(USER, PASSWORD)
			browser.open(f"/app/wa-conversation/{phone}")
			browser.wait(60).until(lambda d: len(self.shown()) >= 32)
			rows = self.shown()
			texts = [row["text"] for row in rows]
			numbered = [t for t in texts if t.startswith("message ")]
			self.assertEqual(numbered, [f"message {n}" for n in range(1, 31) if n != 29])
			# customer on the left, the bot on the right, with ticks; markup shown as text, not run
			first = texts.index("message 1")
			self.assertIn("yc-customer", rows[first]["who"])
			self.assertIn("yc-bot", rows[first + 1]["who"])
			self.assertEqual(len(browser.driver.find_elements(By.CSS_SELECTOR, ".yc-bot .yc-tick[data-status='Read']")), 9)
			self.assertIn(MARKUP, texts)
			self.assertFalse(browser.driver.find_elements(By.CSS_SELECTOR, ".yc-text b, .yc-text img"))
			self.assertIsNone(browser.driver.execute_script("return window.yawlit_hacked"))
			browser.screenshot("conversation-chat.png")

			# Take over, answer with Enter, see it sent with a tick.
			browser.driver.execute_script("window.scrollTo(0, 0)")  # the buttons sit under the sticky navbar
			browser.driver.find_element(By.XPATH, "//button[normalize-space()='Take Over']").click()
			box = browser.wait(30).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "textarea.yc-reply")))
			box.send_keys("Premium Wash is ₹799, Sir.")
			box.send_keys("\n")
			sent = browser.wait(30).until(
				EC.visibility_of_element_located(
					(By.XPATH, "//div[contains(@class,'yc-staff')][@data-status='Sent' or @data-status='Delivered']"
					 "[.//div[@class='yc-text'][contains(., 'Premium Wash is ₹799')]]")
				)
			)
			self.assertIn("Asha", sent.text)
			browser.screenshot("conversation-taken-over.png")
			self.assertEqual(self.conversation(phone).taken_by, USER)
			self.assertEqual(
				sum(1 for r in self.standin.accepted if r.body.get("message_body") == "Premium Wash is ₹799, Sir."), 1
			)
			# While taken, the customer's message shows in the chat and the bot is quiet.
			self.assertEqual(self.say(phone, "ok thanks, and foam wash?"), [])
			browser.wait(30).until(lambda d: any("foam wash?" in row["text"] for row in self.shown()[-2:]))
			browser.driver.execute_script("window.scrollTo(0, 0)")
			browser.driver.find_element(By.XPATH, "//button[normalize-space()='Hand Back to Bot']").click()
			browser.wait(30).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "textarea.yc-reply"))
		finally:
			browser.screenshot("conversation-handed-back.png")
		self.assertIsNone(self.conversation(phone).taken_by)
		self.assertTrue(self.say(phone, "I am Ravi Kumar"))
		# The inbox: the latest conversation first, with its last line and unread count.
		try:
			browser.open("/app/wa-conversation")
			row = browser.wait(60).until(
				EC.visibility_of_element_located((By.XPATH, f"//div[contains(@class,'list-row')][contains(., '{phone}')]"))
			)
			self.assertIn("Bot:", row.text)
		finally:
			browser.screenshot("inbox-list.png")

	def test_the_simulator_books_through_to_confirm(self):
		from yawlit_bot.services.pipeline.simulator import clear

		clear(SIMULATED)  # what an earlier run left
		frappe.db.commit()
		self.customers.append(SIMULATED)
		browser = self.browser
		try:
			browser.login(USER, PASSWORD)
			browser.open("/app/whatsapp-simulator")
			number = browser.wait(60).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input.yc-number")))
			number.clear()
			number.send_keys(SIMULATED)
			browser.driver.find_element(By.CSS_SELECTOR, "button.yc-open").click()
			for text in (
				"Hi, I need a car wash",
				"I am Ravi Kumar",
				"Maruti Swift, number MH12AB1234",
				"premium wash",
				"kal subah 10 baje",
				"address: Flat 12, Green Park Society, Baner Road, Pune 411045",
				"haan bijli hai",
			):
				self.write_as_customer(text)
			confirm = browser.wait(30).until(
				EC.element_to_be_clickable((By.XPATH, "(//button[contains(@class,'yc-choice')][normalize-space()='Confirm'])[last()]"))
			)
			before = len(self.shown())
			confirm.click()
			browser.wait(60).until(lambda d: (lambda rows: len(rows) >= before + 2 and "yc-bot" in rows[-1]["who"])(self.shown()))
			browser.wait(30).until(lambda d: "Ravi" in d.find_element(By.CSS_SELECTOR, ".yc-booking-panel").text)
		finally:
			browser.screenshot("simulator.png")
		booking = self.wait_until(
			lambda: frappe.db.get_value(
				"WA Service Booking", {"conversation": SIMULATED}, ["name", "status", "simulated"], as_dict=True
			),
			what="the simulated booking",
		)
		self.assertEqual((booking.status, booking.simulated), ("Confirmed", 1))  # kept off the day plan
		self.assertEqual(frappe.db.get_value("WA Conversation", SIMULATED, "simulated"), 1)
		self.assertEqual([r for r in self.standin.requests if r.body.get("phone_number") == SIMULATED], [])

	def write_as_customer(self, text: str) -> None:
		"""Type and send, then wait until the bot has answered it."""
		browser = self.browser
		before = len(self.shown())
		box = browser.wait(30).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "textarea.yc-customer-text")))
		box.send_keys(text)
		box.send_keys("\n")
		browser.wait(60).until(
			lambda d: (lambda rows: len(rows) >= before + 2 and "yc-bot" in rows[-1]["who"])(self.shown()),
			message=f"the bot's answer to {text!r}",
		)
