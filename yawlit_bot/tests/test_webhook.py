"""The webhook under concurrency, provider failures and hostile input."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import frappe
from frappe.utils import add_to_date, now_datetime

from yawlit_bot.services.outbound import outbox
from yawlit_bot.testing import payloads
from yawlit_bot.tests.utils import PipelineTestCase


class TestWebhook(PipelineTestCase):
	def test_errors_are_a_short_reason_never_a_traceback(self):
		# Whatever the site's traceback setting: turned on here, restored afterwards.
		before = frappe.db.get_single_value("System Settings", "allow_error_traceback")
		frappe.db.set_single_value("System Settings", "allow_error_traceback", 1)
		frappe.db.commit()
		self.addCleanup(self.restore_traceback_setting, before)
		cases = (
			(dict(data=b"{not json"), 400),
			(dict(data=b'{"message": "not an object"}'), 400),
			(dict(data=b'{"a": "' + b"x" * (300 * 1024) + b'"}'), 413),
			(dict(payload=payloads.text(self.new_phone(), "hi"), token="wrong"), 403),
		)
		for kwargs, status in cases:
			response = self.post(kwargs.get("payload"), data=kwargs.get("data"), token=kwargs.get("token", "use-secret"))
			self.assertEqual(response.status_code, status, response.text[:300])
			body = response.json()
			self.assertEqual(set(body), {"error"}, response.text[:300])
			self.assertLess(len(body["error"]), 200)
			for leak in ("Traceback", "File \"", ".py", "frappe.", "yawlit_bot."):
				self.assertNotIn(leak, response.text)
		self.assertIn("not valid JSON", self.post(data=b"{not json").json()["error"])

	def restore_traceback_setting(self, value):
		frappe.db.set_single_value("System Settings", "allow_error_traceback", value)
		frappe.db.commit()

	def test_token_required(self):
		payload = payloads.text(self.new_phone(), "hi")
		self.assertEqual(self.post(payload, token=None).status_code, 403)
		self.assertEqual(self.post(payload, token="wrong").status_code, 403)
		self.assertEqual(self.post(payload, token=self.secret + "x").status_code, 403)
		self.assertFalse(frappe.db.exists("WA Message", {"wamid": payload["message"]["whatsapp_message_id"]}))
		# the secret never comes back in an answer
		self.assertNotIn(self.secret, self.post(payload, token="wrong").text)

	def test_same_wamid_ten_times_concurrently(self):
		phone = self.new_phone()
		payload = payloads.text(phone, "I am Asha Patel")
		with ThreadPoolExecutor(10) as pool:
			responses = list(pool.map(lambda _: self.post(payload), range(10)))
		self.assertEqual([r.status_code for r in responses], [200] * 10)
		outcomes = sorted(r.json()["message"]["status"] for r in responses)
		self.assertEqual(outcomes, ["duplicate"] * 9 + ["stored"])
		name = self.wait_processed(payload["message"]["whatsapp_message_id"])
		time.sleep(1)  # give any stray duplicate turn the chance to show itself
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.count("WA Message", {"wamid": payload["message"]["whatsapp_message_id"]}), 1
		)
		self.assertEqual(len(self.replies_to(name)), 1)
		self.assertEqual(frappe.db.count("WA Booking Scratchpad", {"conversation": phone}), 1)

	def test_burst_of_twenty_in_one_conversation(self):
		phone = self.new_phone()
		texts = [
			"hi",
			"my name is Rohit Gupta",
			"hmm",
			"Mahindra Scorpio",
			"plate MH 12 RG 2024",
			"email rohit@example.com",
			"hmm",
			"premium wash",
			"parso",
			"shaam 4 baje",
			"pincode 411038",
			"address: 22 Law College Road, Erandwane",
			"note: gate code 1234",
			"hmm",
			"city Pune",
			"hmm",
			"hmm",
			"hmm",
			"hmm",
			"hmm",
		]
		bodies = [payloads.text(phone, text) for text in texts]
		acks: list[float] = []

		def post(payload):
			started = time.perf_counter()
			response = self.post(payload)
			acks.append(time.perf_counter() - started)
			return response.status_code

		with ThreadPoolExecutor(20) as pool:
			codes = list(pool.map(post, bodies))
		self.assertEqual(codes, [200] * 20)
		wamids = [b["message"]["whatsapp_message_id"] for b in bodies]
		self.wait_until(
			lambda: (
				frappe.db.count("WA Message", {"wamid": ["in", wamids], "processing_status": "Processed"})
				== 20
			),
			timeout=60,
			what="all twenty processed",
		)
		rows = frappe.get_all(
			"WA Message",
			filters={"wamid": ["in", wamids]},
			fields=["name", "processed_at", "replies_held_back"],
			order_by="name asc",
		)
		processed = [r.processed_at for r in rows]
		self.assertEqual(processed, sorted(processed), "turns ran out of arrival order")
		# Twenty at once is a flood: the first ten are answered, the eleventh gets the notice,
		# the rest are read but not answered (see engine/flood.py).
		limit = frappe.db.get_single_value("WA Bot Settings", "flood_reply_limit")
		answered = [len(self.replies_to(row.name)) for row in rows]
		self.assertEqual(answered, [1] * (limit + 1) + [0] * (20 - limit - 1))
		self.assertEqual([row.replies_held_back for row in rows], [0] * limit + [1] * (20 - limit))
		pad = self.scratchpad(phone)
		expected = {
			"first_name": "Rohit",
			"last_name": "Gupta",
			"vehicle_model": "Scorpio",
			"vehicle_plate": "MH12RG2024",
			"email": "rohit@example.com",
			"service_type": "Premium Wash",
			"time_slot": "16:00-17:00",
			"pincode": "411038",
			"city": "Pune",
		}
		self.assertEqual({k: pad.get(k) for k in expected}, expected)
		self.assertIn("Law College Road", pad.address)
		self.assertIn("gate code", pad.notes)
		acks.sort()
		print(
			f"\n[figures] burst of 20 concurrent webhooks: ack median {statistics.median(acks) * 1000:.0f} ms, "
			f"max {acks[-1] * 1000:.0f} ms"
		)

	def test_a_running_turn_does_not_block_the_next_message(self):
		"""A turn holds the conversation row; the customer's next message must still be stored
		at once (a locking read of the pending messages used to gap-lock that INSERT)."""
		from yawlit_bot.services.pipeline.turn import lock_next_pending

		phone = self.new_phone()
		self.say(phone, "Hi")
		frappe.db.rollback()
		lock_next_pending(phone)  # as a turn in progress: conversation row locked, pending read
		try:
			started = time.monotonic()
			response = self.post(payloads.text(phone, "I am Ravi Kumar"))
			elapsed = time.monotonic() - started
		finally:
			frappe.db.rollback()  # the turn ends
		self.assertEqual(response.status_code, 200, response.text)
		self.assertLess(elapsed, 2.0, "the webhook waited for a running turn")
		self.wait_until(lambda: self.conversation(phone).state == "COLLECTING", what="the next turn")

	def test_wapi_500_then_200_sends_once(self):
		phone = self.new_phone()
		self.standin.configure(fail_next=1)
		payload = payloads.text(phone, "hi")
		self.send(payload)
		name = self.wait_processed(payload["message"]["whatsapp_message_id"])
		reply = self.wait_until(
			lambda: frappe.db.get_value(
				"WA Message",
				{"reply_to": name, "send_status": "Sent"},
				["name", "wamid", "send_attempts"],
				as_dict=True,
			),
			what="reply sent",
		)
		mine = [r for r in self.standin.requests if r.body.get("phone_number") == phone]
		self.assertEqual([r.status for r in mine], [500, 200])
		self.assertEqual(reply.send_attempts, 1)
		self.assertTrue(reply.wamid)
		# a second send of the same row is refused: at most once per row
		self.assertFalse(outbox.send_reply(reply.name))
		self.assertEqual(len([r for r in self.standin.accepted if r.body.get("phone_number") == phone]), 1)

	def test_wapi_down_keeps_the_failure_visible(self):
		phone = self.new_phone()
		self.standin.configure(fail_next=3)
		payload = payloads.text(phone, "hi")
		self.send(payload)
		name = self.wait_processed(payload["message"]["whatsapp_message_id"])
		failed = self.wait_until(
			lambda: frappe.db.get_value(
				"WA Message",
				{"reply_to": name, "send_status": "Failed"},
				["name", "send_error"],
				as_dict=True,
			),
			what="reply marked failed",
		)
		self.assertIn("500", failed.send_error)
		self.assertNotIn("standin-token", failed.send_error)
		# right after the failure it is not tried again (no attempt spent), and holds back
		# anything after it
		self.assertIsNone(outbox.send_replies(phone, max_attempts=5))
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("WA Message", failed.name, "send_attempts"), 1)
		# once its next attempt is due, a retry sends it
		frappe.db.sql(
			"update `tabWA Message` set next_attempt_at = %s where name = %s",
			(add_to_date(now_datetime(), seconds=-1), failed.name),
		)
		frappe.db.commit()
		self.assertEqual(outbox.send_replies(phone, max_attempts=5), 1)
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value("WA Message", failed.name, ["send_status", "send_attempts"]), ("Sent", 2)
		)

	def test_status_callbacks_move_forward_only(self):
		phone = self.new_phone()
		payload = payloads.text(phone, "hi")
		self.send(payload)
		name = self.wait_processed(payload["message"]["whatsapp_message_id"])
		reply = self.wait_until(
			lambda: frappe.db.get_value(
				"WA Message", {"reply_to": name, "send_status": "Sent"}, ["name", "wamid"], as_dict=True
			),
			what="sent",
		)
		batch = payloads.statuses(
			[(reply.wamid, "read"), ("wamid.unknown", "delivered"), (reply.wamid, "delivered")]
		)
		batch["whatsapp_webhook_payload"]["entry"][0]["changes"][0]["value"]["statuses"].insert(
			1, {"id": None, "status": 7}
		)
		response = self.send(batch)
		self.assertEqual(response.json()["message"]["skipped"], 1)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("WA Message", reply.name, "send_status"), "Read")
		self.send(payloads.statuses([(reply.wamid, "sent")]))
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("WA Message", reply.name, "send_status"), "Read")

	def test_location_and_media(self):
		phone = self.new_phone()
		self.say(phone, "hi I am Vikram Singh")
		pin = payloads.location(phone, "Shivaji Nagar, Pune, Maharashtra 411005", name="Home")
		self.send(pin)
		self.wait_processed(pin["message"]["whatsapp_message_id"])
		pad = self.scratchpad(phone)
		self.assertIn("Shivaji Nagar", pad.address)
		self.assertEqual(pad.pincode, "411005")
		for kind in ("image", "sticker", "audio", "reaction", "unsupported"):
			media = payloads.media(phone, kind)
			self.send(media)
			replies = self.replies_to(self.wait_processed(media["message"]["whatsapp_message_id"]))
			self.assertIn("Sorry", replies[0])
		self.assertEqual(self.scratchpad(phone).first_name, "Vikram")

	def test_malformed_and_hostile_payloads(self):
		phone = self.new_phone()
		self.say(phone, "I am Neha Joshi")
		before = frappe.db.count("WA Message", {"conversation": phone, "role": "user"})
		hostile = [
			b"",
			b"[]",
			b"123",
			b"null",
			b'"a string"',
			b'{"contact": 5}',
			b'{"message": "not an object"}',
			b'{"message": {"whatsapp_message_id": ["x"], "body": "hi"}, "contact": {"phone_number": "abc"}}',
			b'{"message": {"whatsapp_message_id": "wamid.ok", "body": "hi"}}',
			b'{"whatsapp_webhook_payload": {"entry": "oops"}}',
			b'{"whatsapp_webhook_payload": {"entry": [{"changes": [{"value": {"messages": [42]}}]}]}}',
			b'{"a":' * 2000 + b"1" + b"}" * 2000,
			b"\xff\xfe\xfd not utf-8",
			b"x" * (300 * 1024),
		]
		for body in hostile:
			response = self.post(data=body)
			self.assertLess(
				response.status_code, 500, f"{body[:60]!r} -> {response.status_code} {response.text[:200]}"
			)
			self.assertGreaterEqual(response.status_code, 400, f"{body[:60]!r} was accepted")

		weird_but_valid = []
		for text in (
			"<script>alert(1)</script>",
			"Robert'); DROP TABLE `tabWA Message`;--",
			"नमस्ते, मुझे कार धुलवानी है",
			"🚗🚗🧽" * 100,
			"a" * 4096,
		):
			payload = payloads.text(phone, text)
			weird_but_valid.append(payload)
			self.assertEqual(self.post(payload).status_code, 200)
		for payload in weird_but_valid:
			self.wait_processed(payload["message"]["whatsapp_message_id"], timeout=60)
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.count("WA Message", {"conversation": phone, "role": "user"}),
			before + len(weird_but_valid),
		)
		self.assertEqual(self.scratchpad(phone).first_name, "Neha")  # nothing stored was lost
