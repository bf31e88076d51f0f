"""Staff take over a conversation, answer it and hand it back, through the real web server,
worker and WAPI stand-in; the 24-hour rule; a failed reply sent again once; the simulator;
live events published only after commit; bot roles only on every method."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import frappe
import redis
import requests
from frappe.utils import now_datetime

from yawlit_bot.services.pipeline.turn_offers import enqueue_turn
from yawlit_bot.testing import payloads
from yawlit_bot.tests.desk import ensure_user
from yawlit_bot.tests.utils import WEB_URL, PipelineTestCase

STAFF = ("inbox-staff@example.com", "Yawlit-inbox-test-1", "WA Bot Manager", "Asha")
OTHER_STAFF = ("inbox-staff-2@example.com", "Yawlit-inbox-test-2", "WA Bot Manager", "Ravi")
OUTSIDER = ("inbox-outsider@example.com", "Yawlit-inbox-test-3", "WA Campaign Manager", "Neha")

METHODS = {
	"yawlit_bot.api.inbox.take_over": {"conversation": "{phone}"},
	"yawlit_bot.api.inbox.hand_back": {"conversation": "{phone}"},
	"yawlit_bot.api.inbox.send_reply": {"conversation": "{phone}", "text": "hello"},
	"yawlit_bot.api.inbox.send_template": {"conversation": "{phone}"},
	"yawlit_bot.api.inbox.retry": {"message": "1"},
	"yawlit_bot.api.inbox.thread": {"conversation": "{phone}"},
	"yawlit_bot.api.inbox.booking_panel": {"conversation": "{phone}"},
	"yawlit_bot.api.inbox.mark_read": {"conversation": "{phone}"},
	"yawlit_bot.api.simulator.send": {"phone": "919100000001", "text": "hi"},
	"yawlit_bot.api.simulator.clear": {"phone": "919100000001"},
}


class TestInbox(PipelineTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (STAFF, OTHER_STAFF, OUTSIDER):
			ensure_user(*user)

	def login(self, user) -> requests.Session:
		session = requests.Session()
		response = session.post(
			f"{WEB_URL}/api/method/login", json={"usr": user[0], "pwd": user[1]}, headers=self.headers(), timeout=30
		)
		self.assertEqual(response.status_code, 200, response.text)
		return session

	def call(self, session, method: str, **args) -> requests.Response:
		return session.post(f"{WEB_URL}/api/method/{method}", json=args, headers=self.headers(), timeout=30)

	def ok(self, session, method: str, **args):
		response = self.call(session, method, **args)
		self.assertEqual(response.status_code, 200, response.text)
		return response.json().get("message")

	def refused_with(self, response: requests.Response, words: str) -> None:
		self.assertNotEqual(response.status_code, 200, response.text)
		self.assertIn(words, response.text)

	def sent_texts(self, phone: str) -> list[str]:
		return [
			r.body.get("message_body") or r.body.get("body_text") or r.body.get("template_name")
			for r in self.standin.accepted
			if r.body.get("phone_number") == phone
		]

	def test_taken_over_the_bot_is_quiet_staff_answer_once_and_hand_back_resumes(self):
		phone = self.new_phone()
		self.assertTrue(self.say(phone, "Hi"))
		state_before = self.conversation(phone).state
		asha, ravi = self.login(STAFF), self.login(OTHER_STAFF)

		self.assertEqual(self.ok(asha, "yawlit_bot.api.inbox.take_over", conversation=phone), {"taken_by": STAFF[0]})
		self.assertEqual(json.loads(self.conversation(phone)._assign), [STAFF[0]])  # Frappe's own assignment
		self.refused_with(self.call(ravi, "yawlit_bot.api.inbox.take_over", conversation=phone), "has taken")
		self.refused_with(
			self.call(ravi, "yawlit_bot.api.inbox.send_reply", conversation=phone, text="hi"), "has taken"
		)

		# The customer writes twice: both stored, in order, processed, no bot reply.
		first = self.say(phone, "premium wash ka price kya hai?")
		second = self.say(phone, "hello??")
		self.assertEqual((first, second), ([], []))
		rows = frappe.get_all(
			"WA Message",
			filters={"conversation": phone, "role": "user"},
			fields=["content", "processing_status", "understood_by"],
			order_by="name asc",
		)
		self.assertEqual([r.content for r in rows[-2:]], ["premium wash ka price kya hai?", "hello??"])
		self.assertTrue(all(r.processing_status == "Processed" for r in rows))
		self.assertIn("taken over", rows[-1].understood_by)
		conv = self.conversation(phone)
		self.assertEqual((conv.state, conv.taken_by), (state_before, STAFF[0]))
		self.assertEqual(conv.last_message, "hello??")
		self.assertGreaterEqual(conv.unread_count, 2)

		# Asha answers: stored first, sent once after commit, with its status and her name.
		name = self.ok(asha, "yawlit_bot.api.inbox.send_reply", conversation=phone, text="Premium Wash is ₹799.")["message"]
		self.assertTrue(self.standin.wait_for_accepted(phone, 2, timeout=30))  # "Hi"'s reply, then hers
		reply = self.wait_until(
			lambda: (lambda r: r if r.send_status == "Sent" else None)(
				frappe.db.get_value("WA Message", name, ["send_status", "sent_by", "wamid"], as_dict=True)
			),
			what="the staff reply sent",
		)
		self.assertEqual(reply.sent_by, STAFF[0])
		self.assertEqual(self.sent_texts(phone).count("Premium Wash is ₹799."), 1)
		self.assertEqual(self.conversation(phone).last_message, "Asha: Premium Wash is ₹799.")

		# The thread shows it all, in order, who wrote what.
		thread = self.ok(asha, "yawlit_bot.api.inbox.thread", conversation=phone)
		whos = [(m["who"], m["text"]) for m in thread["messages"]]
		self.assertEqual(whos[-3:], [("customer", "premium wash ka price kya hai?"), ("customer", "hello??"), ("staff", "Premium Wash is ₹799.")])
		self.assertEqual(thread["messages"][-1]["by"], "Asha")
		self.assertTrue(thread["in_window"])

		# Ravi cannot hand it back; Asha can, and the bot answers the next message.
		self.refused_with(self.call(ravi, "yawlit_bot.api.inbox.hand_back", conversation=phone), "only they")
		self.ok(asha, "yawlit_bot.api.inbox.hand_back", conversation=phone)
		self.assertTrue(self.say(phone, "I am Ravi Kumar"))
		self.assertEqual(self.scratchpad(phone).first_name, "Ravi")
		self.assertIsNone(self.conversation(phone).taken_by)
		self.assertEqual(json.loads(self.conversation(phone)._assign or "[]"), [])
		self.ok(asha, "yawlit_bot.api.inbox.mark_read", conversation=phone)
		self.assertEqual(self.conversation(phone).unread_count, 0)

	def test_removing_the_assignment_in_desk_hands_the_conversation_back(self):
		from frappe.desk.form import assign_to

		phone = self.new_phone()
		self.say(phone, "Hi")
		asha = self.login(STAFF)
		self.ok(asha, "yawlit_bot.api.inbox.take_over", conversation=phone)
		frappe.db.rollback()
		assign_to.remove("WA Conversation", phone, STAFF[0], ignore_permissions=True)  # the sidebar's ✕
		frappe.db.commit()
		self.assertIsNone(self.conversation(phone).taken_by)
		self.assertTrue(self.say(phone, "I am Ravi Kumar"), "the bot answers again")

	def test_after_24_hours_only_the_template_goes(self):
		phone = self.new_phone()
		self.say(phone, "Hi")
		asha = self.login(STAFF)
		self.ok(asha, "yawlit_bot.api.inbox.take_over", conversation=phone)
		frappe.db.sql(
			"update `tabWA Message` set received_at = %s where conversation = %s and role = 'user'",
			(now_datetime() - timedelta(hours=25), phone),
		)
		frappe.db.commit()
		self.assertFalse(self.ok(asha, "yawlit_bot.api.inbox.thread", conversation=phone)["in_window"])
		self.refused_with(
			self.call(asha, "yawlit_bot.api.inbox.send_reply", conversation=phone, text="Still there?"), "24 hours"
		)
		self.configure(reopen_template_name="")
		self.refused_with(self.call(asha, "yawlit_bot.api.inbox.send_template", conversation=phone), "No template")
		self.configure(reopen_template_name="follow_up_v1", reopen_template_language="en")
		name = self.ok(asha, "yawlit_bot.api.inbox.send_template", conversation=phone)["message"]
		# a double click, or a colleague: one template per silence
		self.refused_with(self.call(asha, "yawlit_bot.api.inbox.send_template", conversation=phone), "template")
		self.assertTrue(self.standin.wait_for_accepted(phone, 2, timeout=30))
		template = [r.body for r in self.standin.accepted if r.path.endswith("send-template-message")]
		self.assertEqual(len(template), 1)
		self.assertEqual((template[0]["template_name"], template[0]["template_language"]), ("follow_up_v1", "en"))
		self.assertNotIn("Still there?", self.sent_texts(phone))
		self.wait_until(lambda: frappe.db.get_value("WA Message", name, "send_status") == "Sent", what="template sent")

	def test_a_failed_reply_is_sent_again_once(self):
		phone = self.new_phone()
		self.say(phone, "Hi")
		reply = frappe.get_all(
			"WA Message", filters={"conversation": phone, "role": "assistant"}, pluck="name", order_by="name desc", limit=1
		)[0]
		self.wait_until(lambda: frappe.db.get_value("WA Message", reply, "send_status") == "Sent", what="sent")
		frappe.db.sql(
			"update `tabWA Message` set send_status = 'Unknown', send_error = 'no answer', wamid = null where name = %s",
			reply,
		)
		frappe.db.commit()
		before = len(self.standin.accepted)
		asha = self.login(STAFF)
		thread = self.ok(asha, "yawlit_bot.api.inbox.thread", conversation=phone)
		failed = [m for m in thread["messages"] if m["name"] == reply][0]
		self.assertEqual((failed["status"], failed["error"]), ("Unknown", "no answer"))
		# no answer came for it: WhatsApp may have delivered it, so staff confirm before it goes again
		self.refused_with(self.call(asha, "yawlit_bot.api.inbox.retry", message=str(reply)), "confirm")
		self.ok(asha, "yawlit_bot.api.inbox.retry", message=str(reply), confirmed=1)
		self.refused_with(self.call(asha, "yawlit_bot.api.inbox.retry", message=str(reply), confirmed=1), "not failed")
		self.wait_until(lambda: frappe.db.get_value("WA Message", reply, "send_status") == "Sent", what="resent")
		self.assertEqual(len(self.standin.accepted), before + 1)

	def test_the_simulator_goes_through_the_pipeline_and_never_reaches_wapi(self):
		asha = self.login(STAFF)
		number = "919100000777"
		self.customers.append(number)
		self.ok(asha, "yawlit_bot.api.simulator.clear", phone=number)
		self.ok(asha, "yawlit_bot.api.simulator.send", phone="+91 91000 00777", text="Hi, car wash chahiye")
		conv = self.wait_until(
			lambda: (lambda c: c if c and c.last_message and c.last_message.startswith("Bot:") else None)(
				frappe.db.get_value("WA Conversation", number, ["simulated", "last_message"], as_dict=True)
			),
			what="the bot's answer to the simulator",
		)
		self.assertEqual(conv.simulated, 1)
		sent = self.wait_until(
			lambda: frappe.get_all(
				"WA Message", filters={"conversation": number, "role": "assistant", "send_status": "Sent"}, pluck="wamid"
			),
			what="the reply marked sent",
		)
		self.assertTrue(all(w.startswith("simulated-") for w in sent))
		self.assertEqual([r for r in self.standin.requests if r.body.get("phone_number") == number], [])
		# a real customer's number is not for the simulator
		real = self.new_phone()
		self.say(real, "Hi")
		self.refused_with(self.call(asha, "yawlit_bot.api.simulator.send", phone=real, text="hi"), "real customer")
		self.ok(asha, "yawlit_bot.api.simulator.clear", phone=number)
		frappe.db.rollback()  # read what the web server committed
		self.assertFalse(frappe.db.exists("WA Conversation", number))
		self.assertEqual(frappe.db.count("WA Message", {"conversation": number}), 0)

	def test_taking_over_holds_back_the_bots_unsent_reply_and_staff_replies_are_not_held_behind_it(self):
		phone = self.new_phone()
		self.standin.configure(fail_next=3)  # WAPI refuses the bot's answer (its client tries 3 times): it waits for its resend
		self.say(phone, "Hi")
		bot_reply = self.wait_until(
			lambda: frappe.db.get_value(
				"WA Message", {"conversation": phone, "role": "assistant", "send_status": "Failed"}, "name"
			),
			what="the bot's reply refused",
		)
		asha = self.login(STAFF)
		self.ok(asha, "yawlit_bot.api.inbox.take_over", conversation=phone)
		frappe.db.rollback()  # read what the web server committed
		held = frappe.db.get_value("WA Message", bot_reply, ["send_status", "send_error"], as_dict=True)
		self.assertEqual(held.send_status, "Failed")
		self.assertIn("took the conversation over", held.send_error)
		# while taken, the bot's reply is not sent again, by anyone
		self.refused_with(self.call(asha, "yawlit_bot.api.inbox.retry", message=str(bot_reply)), "not sent again")
		self.ok(asha, "yawlit_bot.api.inbox.send_reply", conversation=phone, text="Namaste! Asha here.")
		self.assertTrue(self.standin.wait_for_accepted(phone, 1, timeout=20))
		self.assertEqual(self.sent_texts(phone), ["Namaste! Asha here."])

	def test_a_real_customer_writing_from_a_simulated_number_gets_a_real_conversation(self):
		from yawlit_bot.services.campaigns.audience import candidates_from_conversations

		asha = self.login(STAFF)
		number = "919100000778"
		self.customers.append(number)
		self.ok(asha, "yawlit_bot.api.simulator.clear", phone=number)
		self.ok(asha, "yawlit_bot.api.simulator.send", phone=number, text="Hi, car wash chahiye")
		self.wait_until(lambda: frappe.db.count("WA Message", {"conversation": number, "role": "assistant"}), what="a reply")
		self.assertNotIn(number, [c.raw for c in candidates_from_conversations({})])  # no campaign to it
		self.say(number, "Hello, I want a foam wash")  # the real owner of the number writes
		conv = self.conversation(number)
		self.assertEqual(conv.simulated, 0)
		customer_said = frappe.get_all(
			"WA Message", filters={"conversation": number, "role": "user"}, order_by="name asc", pluck="content"
		)
		self.assertEqual(customer_said, ["Hello, I want a foam wash"])  # the simulation is gone
		self.assertTrue(self.standin.wait_for_accepted(number, 1, timeout=20))  # and real replies go to WhatsApp
		self.refused_with(self.call(asha, "yawlit_bot.api.simulator.send", phone=number, text="hi"), "real customer")

	def test_a_person_is_needed_after_three_asks_or_a_message_given_up_on(self):
		phone = self.new_phone()
		self.say(phone, "Hi")
		for text in ("hmm", "kya?"):
			self.say(phone, text)
		conv = self.conversation(phone)
		self.assertEqual(conv.needs_person, 1)
		self.assertIn("3 times", conv.needs_person_reason)

		# A message whose turn killed its worker each time: given up on, the customer told, a person needed.
		other = self.new_phone()
		self.say(other, "Hi")
		self.configure(enabled=0)
		try:
			payload = payloads.text(other, "Maruti Swift")
			self.send(payload)
			name = self.wait_until(
				lambda: frappe.db.get_value("WA Message", {"wamid": payload["message"]["whatsapp_message_id"]}, "name"),
				what="the message stored",
			)
			key = f"{self.site}|yawlit_bot|turn-starts|{name}"
			frappe.cache.set(key, 99)
			frappe.cache.expire(key, 600)
		finally:
			self.configure(enabled=1)
		enqueue_turn(other)
		self.wait_until(lambda: frappe.db.get_value("WA Message", name, "processing_status") == "Failed", what="given up")
		conv = self.conversation(other)
		self.assertEqual(conv.needs_person, 1)
		self.assertIn("could not be handled", conv.needs_person_reason)
		self.assertTrue(self.replies_to(name), "the customer is told")

	def test_campaign_messages_show_in_the_customers_thread(self):
		phone = self.new_phone()
		self.say(phone, "Hi")
		campaign = frappe.get_doc(
			{"doctype": "WA Campaign", "title": "Diwali Foam Wash Offer", "template_name": "diwali_offer", "template_language": "en_US", "status": "Completed"}
		).insert(ignore_permissions=True)
		self.addCleanup(lambda: (frappe.db.delete("WA Campaign Recipient", {"campaign": campaign.name}), frappe.delete_doc("WA Campaign", campaign.name, force=True), frappe.db.commit()))
		frappe.get_doc(
			{
				"doctype": "WA Campaign Recipient",
				"campaign": campaign.name,
				"phone": phone,
				"status": "Delivered",
				"sent_at": now_datetime(),
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		thread = self.ok(self.login(STAFF), "yawlit_bot.api.inbox.thread", conversation=phone)
		last = thread["messages"][-1]
		self.assertEqual((last["who"], last["status"]), ("campaign", "Delivered"))
		self.assertIn("Diwali Foam Wash Offer", last["text"])

	def test_guest_and_other_roles_are_refused_everywhere(self):
		phone = self.new_phone()
		self.say(phone, "Hi")
		guest, outsider = requests.Session(), self.login(OUTSIDER)
		for method, args in METHODS.items():
			args = {k: v.format(phone=phone) for k, v in args.items()}
			for who, session in (("Guest", guest), ("WA Campaign Manager", outsider)):
				response = self.call(session, method, **args)
				self.assertEqual(response.status_code, 403, f"{who} on {method}: {response.status_code} {response.text[:200]}")
		page = frappe.get_doc("Page", "whatsapp-simulator")
		self.assertEqual({r.role for r in page.roles}, {"WA Bot Manager", "System Manager"})
		response = outsider.get(f"{WEB_URL}/api/method/frappe.desk.desk_page.getpage", params={"name": "whatsapp-simulator"}, headers=self.headers())
		self.assertNotEqual(response.status_code, 200)
		self.assertIsNone(self.conversation(phone).taken_by)

	def test_live_events_are_published_after_commit_not_before(self):
		from yawlit_bot.services.inbox import staff
		from yawlit_bot.services.site.live import THREAD_EVENT

		phone = self.new_phone()
		self.say(phone, "Hi")
		# the bot's answer sent (its own event published) before we listen: only ours are counted
		self.wait_until(lambda: "Sent" in frappe.get_all(
			"WA Message", filters={"conversation": phone, "role": "assistant"}, pluck="send_status"
		), what="the bot's answer sent")
		listener = redis.Redis.from_url(frappe.conf.redis_socketio or frappe.conf.redis_queue).pubsub()
		listener.subscribe("events")
		listener.get_message(timeout=1)  # the subscription's own confirmation

		def events() -> list[dict]:
			found, deadline = [], time.monotonic() + 1.0
			while time.monotonic() < deadline:
				message = listener.get_message(timeout=0.2)
				if message and message["type"] == "message":
					event = json.loads(message["data"])
					# ours: taking over and the staff reply (a send's "status" event is the worker's)
					if (
						event["event"] == THREAD_EVENT
						and event["message"]["conversation"] == phone
						and event["message"]["what"] != "status"
					):
						found.append(event)
			return found

		frappe.set_user(STAFF[0])
		try:
			staff.take_over(phone, STAFF[0])
			staff.send_staff_reply(phone, STAFF[0], "One moment please")
			self.assertEqual(events(), [], "published before the commit")
			frappe.db.commit()
			published = events()
		finally:
			frappe.set_user("Administrator")
			listener.close()
		self.assertTrue(published)
		self.assertEqual(published[0]["room"], f"doc:WA Conversation/{phone}")
		self.wait_until(
			lambda: "One moment please" in self.sent_texts(phone), what="the reply sent after commit"
		)
