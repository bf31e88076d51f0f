"""The seed's nine tests and the pipeline's promises, against the real site, web server and worker."""

from __future__ import annotations

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.utils import add_to_date, now_datetime

from yawlit_bot.services.pipeline import turn
from yawlit_bot.services.site.clock import today_in_india
from yawlit_bot.services.site.locks import conversation_lock_key
from yawlit_bot.services.pipeline.turn_offers import ready_queue
from yawlit_bot.services.pipeline.sweeper import sweep
from yawlit_bot.testing import payloads
from yawlit_bot.tests.utils import PipelineTestCase


class TestBookingPipeline(PipelineTestCase):
	def test_happy_path(self):
		phone = self.new_phone()
		replies = self.say(phone, "Hello")
		self.assertIn("name", replies[0])
		self.assertEqual(self.conversation(phone).state, "COLLECTING")
		self.fill_booking(phone)
		summary = frappe.get_all(
			"WA Message",
			filters={"conversation": phone, "role": "assistant"},
			fields=["content", "buttons"],
			order_by="name desc",
			limit=1,
		)[0]
		self.assertIn("Please check your booking", summary.content)
		self.assertEqual(json.loads(summary.buttons), ["Confirm", "Edit", "Cancel"])

		confirmation = self.tap(phone, "Confirm", "1")
		conv = self.conversation(phone)
		self.assertEqual(conv.state, "COMPLETED")
		booking = frappe.get_doc("WA Service Booking", conv.last_booking)
		self.assertIn(booking.name, confirmation[0])
		self.assertEqual((booking.first_name, booking.last_name), ("Ravi", "Kumar"))
		self.assertEqual(booking.vehicle_plate, "MH12AB1234")
		self.assertEqual(booking.pincode, "411045")
		self.assertEqual(booking.time_slot, "10:00-11:00")
		self.assertEqual(booking.phone, phone)
		scratchpad = frappe.get_doc("WA Booking Scratchpad", booking.scratchpad)
		self.assertEqual((scratchpad.status, scratchpad.service_request_id), ("Completed", booking.name))
		# what the bot wrote is authored by the bot's own user, not Guest
		from yawlit_bot.services.site.bot_user import BOT_USER

		self.assertEqual((booking.owner, scratchpad.modified_by, conv.modified_by), (BOT_USER,) * 3)
		# every reply reached WAPI exactly once
		self.wait_until(
			lambda: (
				not frappe.db.count(
					"WA Message", {"conversation": phone, "role": "assistant", "send_status": ["!=", "Sent"]}
				)
			),
			what="all replies sent",
		)
		sent_to_phone = [r for r in self.standin.accepted if r.body.get("phone_number") == phone]
		self.assertEqual(
			len(sent_to_phone), frappe.db.count("WA Message", {"conversation": phone, "role": "assistant"})
		)

	def test_a_customer_abroad_is_served_not_failed(self):
		# WhatsApp gives a UK number as 4479...: once read as a broken Indian number, every turn
		# of such a sender failed five times and ended in an apology.
		phone = "4479" + "".join(random.choices("0123456789", k=8))
		frappe.db.delete("WA Conversation", {"name": phone})
		frappe.db.commit()
		replies = self.say(phone, "Hello, I need a car wash for my parents' car")
		self.assertIn("name", replies[0])
		self.assertEqual(self.scratchpad(phone).phone, phone)
		self.assertFalse(frappe.db.count("WA Message", {"conversation": phone, "processing_status": "Failed"}))

	def test_no_data_overwrite(self):
		phone = self.new_phone()
		self.say(phone, "Hi, my name is Priya Sharma")
		self.say(phone, "Hyundai Creta MH14CD5678")
		self.say(phone, "my number is 98765 43210")
		pad = self.scratchpad(phone)
		self.assertEqual((pad.first_name, pad.last_name), ("Priya", "Sharma"))
		self.assertEqual(pad.phone, "919876543210")
		self.assertEqual(pad.vehicle_plate, "MH14CD5678")
		# an invalid value never replaces a valid one
		self.say(phone, "plate is MH14CD56789999")
		self.say(phone, "pincode 4110")
		pad = self.scratchpad(phone)
		self.assertEqual(pad.vehicle_plate, "MH14CD5678")
		self.assertFalse(pad.pincode)
		self.assertEqual(pad.first_name, "Priya")

	def test_completeness_calculation(self):
		phone = self.new_phone()
		self.say(phone, "I am Anil Mehta, email anil@example.com, note: please bring own water")
		self.say(phone, "Honda City, basic wash")  # needs no water or electricity: no question for them
		self.say(phone, "parso 11 am")
		pad = self.scratchpad(phone)
		pad.addons = "Tyre Shine"  # an add-on, as staff may add in Desk
		pad.save(ignore_permissions=True)
		frappe.db.commit()
		# 12 of 16 filled (the seed's 75%), but plate, pincode and address are missing
		self.assertEqual(pad.completeness, 75.0)
		self.assertEqual(pad.missing_fields, "Address, Pincode, Number plate")
		self.say(phone, "hmm")
		self.assertEqual(self.conversation(phone).state, "COLLECTING")
		# with all twelve required valid it asks for confirmation
		self.say(phone, "MH12XY4321, address: 4 MG Road, Camp, Pune 411001")
		pad = self.scratchpad(phone)
		self.assertEqual(pad.completeness, 100.0)
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")

	def test_atomic_transactions(self):
		phone = self.new_phone()
		self.configure(enabled=0)  # store only, so the failing turn below is ours to run
		try:
			payload = payloads.text(phone, "I am Kiran Rao, Tata Nexon MH12AB1111")
			self.send(payload)
			name = frappe.db.get_value("WA Message", {"wamid": payload["message"]["whatsapp_message_id"]})

			def crash(*args, **kwargs):
				raise RuntimeError("simulated crash after the scratchpad was written")

			# The turn runs as with the bot switched on (switched off, only STOP/START are handled).
			settings = frappe._dict(frappe.get_single("WA Bot Settings").as_dict(), enabled=1)
			with patch.object(turn, "queue_reply", side_effect=crash):
				self.assertEqual(turn.run_next_turn(phone, settings), turn.FAILED)
			frappe.db.rollback()
			conv = frappe.get_doc("WA Conversation", phone)
			self.assertEqual(conv.state, "IDLE")
			self.assertFalse(conv.active_scratchpad)
			self.assertFalse(frappe.db.exists("WA Booking Scratchpad", {"conversation": phone}))
			message = frappe.get_doc("WA Message", name)
			self.assertEqual((message.processing_status, message.processing_attempts), ("Pending", 1))
			self.assertIn("simulated crash", message.processing_error)
		finally:
			self.configure(enabled=1)
		# later, the sweeper re-queues it and the worker processes it
		frappe.db.set_value("WA Message", name, "received_at", add_to_date(now_datetime(), seconds=-30))
		frappe.db.commit()
		sweep()
		self.wait_processed(payload["message"]["whatsapp_message_id"])
		pad = self.scratchpad(phone)
		self.assertEqual((pad.first_name, pad.vehicle_plate), ("Kiran", "MH12AB1111"))

	def test_no_double_booking(self):
		phone = self.new_phone()
		self.fill_booking(phone)
		click = payloads.button(phone, "Confirm", "1")
		typed = payloads.text(phone, "yes confirm")
		with ThreadPoolExecutor(2) as pool:
			codes = list(pool.map(lambda p: self.post(p).status_code, [click, typed]))
		self.assertEqual(codes, [200, 200])
		for payload in (click, typed):
			self.wait_processed(payload["message"]["whatsapp_message_id"])
		self.assertEqual(frappe.db.count("WA Service Booking", {"conversation": phone}), 1)
		self.assertEqual(self.conversation(phone).state, "COMPLETED")

	def test_lock_timeout(self):
		phone = self.new_phone()
		self.say(phone, "hi")
		# 1. A crashed holder: its lock is in Redis, nobody will release it.
		key = conversation_lock_key(frappe.local.site, phone)
		frappe.cache.set(key, "crashed-worker-token", px=2000)
		payload = payloads.text(phone, "I am Meena Iyer")
		self.send(payload)
		# the turn job looked, found the lock taken, and let the conversation go
		self.wait_until(lambda: not ready_queue().is_flagged(phone), what="the job to give up on the lock")
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value(
				"WA Message", {"wamid": payload["message"]["whatsapp_message_id"]}, "processing_status"
			),
			"Pending",
		)
		self.wait_until(lambda: not frappe.cache.get(key), timeout=5, what="the crashed holder's lock to expire")
		frappe.db.sql(
			"update `tabWA Message` set received_at = %s where wamid = %s",
			(add_to_date(now_datetime(), seconds=-30), payload["message"]["whatsapp_message_id"]),
		)
		frappe.db.commit()
		sweep()  # ...and the sweeper moves the conversation on
		self.wait_processed(payload["message"]["whatsapp_message_id"])
		self.assertEqual(self.scratchpad(phone).first_name, "Meena")

		# 2. A turn that outlives its lock: the conversation row is still held, so the next
		# turn waits for it rather than interleaving.
		self.wait_until(
			lambda: not frappe.db.count(
				"WA Message", {"conversation": phone, "role": "assistant", "send_status": ["!=", "Sent"]}
			),
			what="the replies so far sent",
		)
		frappe.db.sql("select name from `tabWA Conversation` where name = %s for update", phone)
		second = payloads.text(phone, "Kia Seltos MH01AB2222")
		self.assertEqual(self.post(second).status_code, 200)
		deadline = time.monotonic() + 30
		while not self.a_job_waits_for_the_conversation_row(phone):  # no rollback: we hold the row
			self.assertLess(time.monotonic(), deadline, "the turn never came to wait for the row")
			time.sleep(0.05)
		status = frappe.db.sql(
			"select processing_status from `tabWA Message` where wamid = %s lock in share mode skip locked",
			second["message"]["whatsapp_message_id"],
		)
		self.assertNotEqual(status and status[0][0], "Processed")
		frappe.db.commit()  # the slow turn ends
		self.wait_processed(second["message"]["whatsapp_message_id"])
		self.assertEqual(self.scratchpad(phone).vehicle_plate, "MH01AB2222")

	@staticmethod
	def a_job_waits_for_the_conversation_row(phone: str) -> bool:
		"""Another connection (the site's own user: no PROCESS privilege needed) is running a
		statement on this conversation's `WA Conversation` row, which this connection holds
		FOR UPDATE: it waits for it."""
		return bool(
			frappe.db.sql(
				"""select 1 from information_schema.processlist
				where id != connection_id() and info like '%%tabWA Conversation%%' and info like %s""",
				f"%{phone}%",
			)
		)

	def test_sequential_requests(self):
		phone = self.new_phone()
		texts = ["hi", "I am Sunil Verma", "Toyota Innova", "MH12PQ9090", "basic wash"]
		names = []
		for text in texts:
			payload = payloads.text(phone, text)
			self.send(payload)
			names.append(self.wait_processed(payload["message"]["whatsapp_message_id"]))
		self.assertEqual(names, sorted(names))
		for name in names:
			self.assertTrue(self.replies_to(name), f"message {name} got no reply")
		pad = self.scratchpad(phone)
		self.assertEqual(
			(pad.first_name, pad.vehicle_model, pad.vehicle_plate, pad.service_type),
			("Sunil", "Innova", "MH12PQ9090", "Basic Wash"),
		)

	def test_edit_flow(self):
		phone = self.new_phone()
		self.fill_booking(phone)
		replies = self.say(phone, "edit date")
		self.assertIn("date", replies[0].lower())
		self.assertEqual(self.conversation(phone).state, "COLLECTING")
		self.say(phone, "parso")
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")
		self.tap(phone, "Confirm", "1")
		conv = self.conversation(phone)
		booking = frappe.get_doc("WA Service Booking", conv.last_booking)
		self.assertEqual(str(booking.appointment_date), str(today_in_india() + timedelta(days=2)))
		self.assertEqual(booking.first_name, "Ravi")  # the edit kept everything else

	def test_cancel_flow(self):
		phone = self.new_phone()
		self.say(phone, "Hi, I am Farah Khan")
		first = self.conversation(phone).active_scratchpad
		replies = self.say(phone, "cancel")
		self.assertIn("cancelled", replies[0].lower())
		self.assertEqual(self.conversation(phone).state, "CANCELLED")
		self.assertEqual(frappe.db.get_value("WA Booking Scratchpad", first, "status"), "Cancelled")
		# a fresh start, the cancelled one kept
		self.say(phone, "hello again")
		conv = self.conversation(phone)
		self.assertEqual(conv.state, "COLLECTING")
		self.assertNotEqual(conv.active_scratchpad, first)
		self.assertEqual(
			frappe.db.get_value("WA Booking Scratchpad", first, ["status", "first_name"]),
			("Cancelled", "Farah"),
		)
		self.assertEqual(
			frappe.db.get_value("WA Booking Scratchpad", conv.active_scratchpad, "status"), "Active"
		)

	def test_a_booking_date_that_passed_does_not_lock_the_conversation(self):
		phone = self.new_phone()
		self.fill_booking(phone)
		# the summary waited a few days: the stored date is now in the past
		pad = self.scratchpad(phone)
		frappe.db.sql(
			"update `tabWA Booking Scratchpad` set appointment_date = %s where name = %s",
			(today_in_india() - timedelta(days=3), pad.name),
		)
		frappe.db.commit()
		replies = self.tap(phone, "Confirm", "1")
		self.assertIn("date", replies[0].lower())
		self.assertEqual(self.conversation(phone).state, "COLLECTING")
		self.assertFalse(frappe.db.count("WA Service Booking", {"conversation": phone}))
		self.say(phone, "parso")
		self.assertEqual(self.conversation(phone).state, "CONFIRMING")
		self.say(phone, "cancel")
		self.assertEqual(self.conversation(phone).state, "CANCELLED")

	def test_a_customer_who_asks_for_a_person_is_flagged_and_staff_are_notified(self):
		from yawlit_bot.services.site.roles import BOT_ROLE

		staff = "handoff-staff@example.com"
		if not frappe.db.exists("User", staff):
			user = frappe.get_doc({"doctype": "User", "email": staff, "first_name": "Handoff", "send_welcome_email": 0})
			user.flags.no_welcome_mail = True
			user.insert(ignore_permissions=True)
			user.add_roles(BOT_ROLE)
			frappe.db.commit()
		phone = self.new_phone()
		self.say(phone, "Hi, I am Ravi Kumar")
		replies = self.say(phone, "agent se baat karni hai")
		self.assertIn("a person will reply soon", replies[-1])
		conv = self.conversation(phone)
		self.assertEqual((conv.needs_person, conv.needs_person_reason), (1, "The customer asked for a person."))
		self.assertEqual(self.scratchpad(phone).first_name, "Ravi", "details kept")
		notes = frappe.get_all(
			"Notification Log", filters={"for_user": staff, "document_name": phone}, pluck="subject"
		)
		self.assertEqual(len(notes), 1)
		self.assertIn("needs a person", notes[0])
		frappe.db.delete("Notification Log", {"document_name": phone})
		frappe.db.commit()
