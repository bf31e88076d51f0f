"""Campaigns through the real RQ workers and the WAPI stand-in: exactly once per recipient."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import frappe
import psutil
from frappe.utils import now_datetime

from yawlit_bot.api import campaigns as api
from yawlit_bot.services.campaigns import audience, sending
from yawlit_bot.engine import campaign as campaign_rules
from yawlit_bot.services.pipeline.sweeper import sweep
from yawlit_bot.testing import payloads
from yawlit_bot.tests.utils import PipelineTestCase

TEMPLATE_PATH = "contact/send-template-message"


class CampaignTestCase(PipelineTestCase):
	def setUp(self):
		super().setUp()
		self.configure(campaign_rate_limit=80, whatsapp_rate_cap=80, campaign_batch_size=100, lock_timeout=30)

	def make_campaign(self, phones=(), **values) -> str:
		doc = frappe.get_doc(
			{
				"doctype": "WA Campaign",
				"title": "Diwali offer",
				"template_name": "diwali_offer",
				"template_language": "en_US",
				"parameters": [
					{"source": "First name", "value": "Customer"},
					{"source": "Fixed value", "value": "20% off"},
				],
				**values,
			}
		).insert()
		frappe.db.commit()
		if phones:
			api.add_numbers(doc.name, "\n".join(phones))
		return doc.name

	def visited(self, phone: str, days_ago: int, status: str = "Completed", city: str = "Pune", vehicle: str = "SUV") -> str:
		"""A past (or coming) booking of `phone`, written straight to the table's DocType."""
		if not frappe.db.exists("WA Conversation", phone):
			frappe.get_doc({"doctype": "WA Conversation", "phone": phone, "contact_name": phone}).insert(
				ignore_permissions=True
			)
		scratchpad = frappe.get_doc({"doctype": "WA Booking Scratchpad", "conversation": phone, "status": "Completed"})
		scratchpad.flags.from_bot = True
		scratchpad.insert(ignore_permissions=True)
		doc = frappe.get_doc(
			{
				"doctype": "WA Service Booking",
				"scratchpad": scratchpad.name,
				"conversation": phone,
				"status": status,
				"first_name": "Asha",
				"last_name": phone[-4:],
				"phone": phone,
				"city": city,
				"vehicle_type": vehicle,
				"service_type": "Foam Wash",
				"appointment_date": frappe.utils.add_days(frappe.utils.nowdate(), -days_ago),
				"time_slot": "10:00-11:00",
			}
		)
		doc.flags.seat_taken = True  # the seat is not what these tests are about
		doc.insert(ignore_permissions=True)
		frappe.db.commit()
		return doc.name

	def phones(self, n: int) -> list[str]:
		return list(dict.fromkeys(self.new_phone() for _ in range(n + 5)))[:n]

	def template_sends(self, status: int | None = 200) -> Counter:
		return Counter(
			r.body["phone_number"]
			for r in self.standin.requests
			if r.path.endswith(TEMPLATE_PATH) and (status is None or r.status == status)
		)

	def rows(self, campaign: str) -> dict[str, frappe._dict]:
		frappe.db.rollback()
		return {
			r.phone: r
			for r in frappe.get_all(
				"WA Campaign Recipient",
				{"campaign": campaign},
				["phone", "status", "wamid", "attempts", "error", "source"],
			)
		}

	def wait_status(self, campaign: str, statuses: tuple[str, ...], timeout: float = 60) -> str:
		return self.wait_until(
			lambda: (s := frappe.db.get_value("WA Campaign", campaign, "status")) in statuses and s,
			timeout,
			f"campaign {campaign} to be {statuses}",
		)

	def wait_lock_free(self, campaign: str, timeout: float = 40) -> None:
		self.wait_until(
			lambda: not sending.campaign_lock(campaign, 1).is_held(), timeout, "the campaign job to stop"
		)

	def wait_no_job_for(self, campaign: str, timeout: float = 40) -> None:
		"""Until no batch job of this campaign is queued or running."""
		from frappe.utils.background_jobs import get_jobs

		self.wait_until(
			lambda: campaign not in get_jobs(frappe.local.site, "default", key="campaign")[frappe.local.site]
			and not sending.campaign_lock(campaign, 1).is_held(),
			timeout,
			"the campaign's jobs to end",
		)


class TestCampaigns(CampaignTestCase):
	def test_500_recipients_each_sent_once(self):
		phones = self.phones(500)
		campaign = self.make_campaign()
		pasted = phones + phones[:3] + ["12345", "not a number", "+1 555 0100"]
		added = api.add_numbers(campaign, "\n".join(pasted))
		self.assertEqual((added["added"], added["duplicates"], added["invalid"]), (500, 3, 3))
		# The same list again adds nothing.
		self.assertEqual(api.add_numbers(campaign, "\n".join(phones[:10]))["added"], 0)

		started = time.monotonic()
		self.assertEqual(api.send(campaign), {"queued": 500, "skipped": 3})
		self.wait_status(campaign, ("Completed",), timeout=90)
		elapsed = time.monotonic() - started

		sends = self.template_sends()
		self.assertEqual(set(sends), set(phones))
		self.assertEqual(max(sends.values()), 1, "a recipient got the campaign twice")
		rows = self.rows(campaign)
		self.assertEqual(Counter(r.status for r in rows.values()), Counter({"Sent": 500, "Invalid": 3}))
		self.assertEqual(len({r.wamid for r in rows.values() if r.wamid}), 500)
		doc = frappe.get_doc("WA Campaign", campaign)
		self.assertEqual(
			(doc.sent_count, doc.failed_count, doc.invalid_count, doc.progress_percent), (500, 0, 3, 100)
		)
		# The shared rate (80/s) held: 500 sends take at least 499/80 s.
		self.assertGreaterEqual(elapsed, 499 / 80)
		first = self.standin.requests[0]
		self.assertEqual(first.body["template_name"], "diwali_offer")
		self.assertEqual(first.body["field_2"], "20% off")
		self.assertEqual(first.body["field_1"], "Customer")  # pasted numbers carry no name: the fallback

	def test_worker_killed_mid_campaign_resumes_without_resending(self):
		self.configure(campaign_rate_limit=20, lock_timeout=4, sweeper_age=5)
		phones = self.phones(150)
		campaign = self.make_campaign(phones)
		api.send(campaign)
		self.wait_until(lambda: len(self.template_sends()) >= 40, 60, "40 sends")
		killed = kill_busy_work_horse()
		self.assertTrue(killed, "no busy RQ work horse found to kill")
		# The chain is broken: nothing moves until the lock expires and the sweeper resumes it.
		self.wait_lock_free(campaign)
		# as if the sweeper age (5 s) had passed since the job last moved
		past = now_datetime() - timedelta(seconds=10)
		frappe.db.sql("update `tabWA Campaign` set modified = %s where name = %s", (past, campaign))
		frappe.db.sql(
			"update `tabWA Campaign Recipient` set claimed_at = %s where campaign = %s and status = 'Sending'",
			(past, campaign),
		)
		frappe.db.commit()
		result = sweep()
		self.assertEqual(result["campaigns_resumed"], 1)
		self.wait_status(campaign, ("Completed",), timeout=60)

		sends = self.template_sends()
		self.assertEqual(max(sends.values()), 1, "a recipient got the campaign twice")
		rows = self.rows(campaign)
		statuses = Counter(r.status for r in rows.values())
		self.assertLessEqual(statuses["Unknown"], 1, statuses)  # at most the row that was in flight
		self.assertEqual(statuses["Sent"] + statuses["Unknown"], 150, statuses)  # none skipped
		sent = {p for p, r in rows.items() if r.status == "Sent"}
		self.assertEqual(sent, set(sends) & sent)
		self.assertLessEqual(set(sends) - sent, {p for p, r in rows.items() if r.status == "Unknown"})

	def test_cancel_mid_way(self):
		self.configure(campaign_rate_limit=20)
		campaign = self.make_campaign(self.phones(200))
		api.send(campaign)
		self.wait_until(lambda: len(self.template_sends()) >= 20, 60, "20 sends")
		api.cancel(campaign)
		at_cancel = len(self.template_sends(None))
		self.wait_lock_free(campaign)
		self.wait_no_job_for(campaign)  # a batch job queued before Cancel has run and stopped too
		after = len(self.template_sends(None))
		self.assertLessEqual(after, at_cancel + 1, "sends went on after Cancel")
		rows = self.rows(campaign)
		statuses = Counter(r.status for r in rows.values())
		self.assertEqual(statuses["Sent"], len(self.template_sends()))
		self.assertEqual(statuses["Sent"] + statuses["Cancelled"], 200, statuses)
		self.assertEqual(frappe.db.get_value("WA Campaign", campaign, "status"), "Cancelled")
		with self.assertRaises(frappe.ValidationError):
			api.send(campaign)

	def test_retry_failed_resends_only_failed_rows(self):
		phones = self.phones(30)
		campaign = self.make_campaign(phones)
		self.standin.configure(fail_next=5, fail_status=422)  # final refusals: not retried inline
		api.send(campaign)
		self.wait_status(campaign, ("Completed",))
		rows = self.rows(campaign)
		failed = {p for p, r in rows.items() if r.status == "Failed"}
		self.assertEqual(len(failed), 5)
		self.assertTrue(all("422" in rows[p].error for p in failed))
		self.assertEqual(frappe.db.get_value("WA Campaign", campaign, "failed_count"), 5)

		before = self.template_sends()
		self.assertEqual(api.retry_failed(campaign), {"queued": 5})
		self.wait_status(campaign, ("Completed",))
		after = self.template_sends()
		self.assertEqual(after - before, Counter(failed))  # only the failed ones went again
		self.assertEqual(set(after), set(phones))
		self.assertEqual(max(after.values()), 1)
		self.assertEqual(Counter(r.status for r in self.rows(campaign).values()), Counter({"Sent": 30}))
		with self.assertRaises(frappe.ValidationError):
			api.retry_failed(campaign)  # nothing failed any more

	def test_rate_limit_answers_slow_down_and_lose_nothing(self):
		self.standin.configure(max_per_second=5)
		phones = self.phones(40)
		campaign = self.make_campaign(phones)
		api.send(campaign)
		self.wait_status(campaign, ("Completed",), timeout=90)
		self.assertTrue(any(r.status == 429 for r in self.standin.requests))
		sends = self.template_sends()
		self.assertEqual(set(sends), set(phones))
		self.assertEqual(max(sends.values()), 1)

	def test_opt_out_is_respected(self):
		stopper, starter, booker, tapper, other = self.phones(5)
		campaign = self.make_campaign([stopper, starter, booker, tapper, other])
		self.assertIn("won't get offers", self.say(stopper, "STOP")[0])
		self.say(starter, "unsubscribe")
		self.assertIn("Welcome back", self.say(starter, "Start")[0])
		self.say(booker, "Hi, I need a car wash")
		self.say(booker, "band karo")  # cancels the booking, not the marketing
		tap = payloads.template_button(tapper, "Stop promotions", "opt_out")
		self.send(tap)
		self.wait_processed(tap["message"]["whatsapp_message_id"])

		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("WA Opt Out", stopper, "opted_out"), 1)
		self.assertEqual(frappe.db.get_value("WA Opt Out", starter, "opted_out"), 0)
		self.assertFalse(frappe.db.exists("WA Opt Out", booker))
		self.assertEqual(frappe.db.get_value("WA Opt Out", tapper, "source"), "WhatsApp button")
		self.assertEqual(self.conversation(booker).state, "CANCELLED")

		self.assertEqual(api.audience_summary(campaign)["will_receive"], 3)
		self.assertEqual(api.send(campaign), {"queued": 3, "skipped": 2})
		self.wait_status(campaign, ("Completed",))
		self.assertEqual(set(self.template_sends()), {starter, booker, other})
		statuses = {p: r.status for p, r in self.rows(campaign).items()}
		self.assertEqual((statuses[stopper], statuses[tapper]), ("Opted Out", "Opted Out"))

	def test_opt_out_edge_cases(self):
		foreign, newcomer, staff_listed = "447911123456", *self.phones(2)
		self.assertIn("won't get offers", self.say(foreign, "STOP")[0])  # a UK number, as WAPI writes it
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("WA Opt Out", foreign, "opted_out"), 1)
		# "start" from someone who never opted out is an ordinary message: the bot greets them.
		self.assertNotIn("Welcome back", " ".join(self.say(newcomer, "start")))
		self.assertFalse(frappe.db.exists("WA Opt Out", newcomer))
		# Staff record an opt-out (a phone call); only the customer can take it back.
		doc = frappe.get_doc({"doctype": "WA Opt Out", "phone": "+" + staff_listed}).insert()
		self.assertEqual((doc.name, doc.opted_out, doc.source), (staff_listed, 1, "Desk"))
		doc.opted_out = 0
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		frappe.db.rollback()

	def test_stop_is_honoured_with_the_bot_switched_off(self):
		phone = self.new_phone()
		self.configure(enabled=0)
		try:
			hello = payloads.text(phone, "Hi, I need a wash")
			stop = payloads.text(phone, "STOP")
			self.send(hello)
			self.send(stop)
			self.wait_processed(stop["message"]["whatsapp_message_id"])
			frappe.db.rollback()
			self.assertEqual(frappe.db.get_value("WA Opt Out", phone, "opted_out"), 1)
			status = frappe.db.get_value(
				"WA Message", {"wamid": hello["message"]["whatsapp_message_id"]}, "processing_status"
			)
			self.assertEqual(status, "Pending")  # waits for the bot to be switched on
		finally:
			self.configure(enabled=1)
		from yawlit_bot.services.pipeline.turn_offers import enqueue_turn

		enqueue_turn(phone)
		self.wait_processed(hello["message"]["whatsapp_message_id"])

	def start_slow_campaign(self, count: int) -> tuple[str, str]:
		"""A campaign at 5 a second, two sends in; returns it and its last recipient (still pending)."""
		self.configure(campaign_rate_limit=5)
		phones = self.phones(count)
		campaign = self.make_campaign(phones)
		api.send(campaign)
		self.wait_until(lambda: len(self.template_sends()) >= 2, 30, "two sends")
		return campaign, sorted(phones)[-1]

	def test_opt_out_added_mid_batch_is_never_sent(self):
		campaign, last = self.start_slow_campaign(20)
		frappe.get_doc({"doctype": "WA Opt Out", "phone": last}).insert()  # staff, in Desk
		frappe.db.commit()
		self.wait_status(campaign, ("Completed",), timeout=60)
		self.assertNotIn(last, self.template_sends())
		self.assertEqual(self.rows(campaign)[last].status, "Opted Out")

	def test_stop_during_a_campaign_skips_the_pending_row(self):
		campaign, last = self.start_slow_campaign(30)
		self.say(last, "stop")
		self.wait_status(campaign, ("Completed",), timeout=60)
		self.assertNotIn(last, self.template_sends())
		self.assertEqual(self.rows(campaign)[last].status, "Opted Out")

	def test_delivery_statuses_update_rows_forward_only(self):
		phone = self.new_phone()
		campaign = self.make_campaign([phone])
		api.send(campaign)
		self.wait_status(campaign, ("Completed",))
		wamid = self.rows(campaign)[phone].wamid
		self.send(payloads.statuses([(wamid, "delivered"), ("wamid.NEVERSEEN", "read")]))
		self.send(payloads.statuses([(wamid, "sent")]))  # late and out of order: ignored
		row = self.rows(campaign)[phone]
		self.assertEqual(row.status, "Delivered")
		self.send(payloads.statuses([(wamid, "read")]))
		self.assertEqual(self.rows(campaign)[phone].status, "Read")
		self.assertEqual(api.progress(campaign)["read"], 1)

	def test_bad_input_gets_clear_errors(self):
		campaign = self.make_campaign()
		with self.assertRaises(frappe.ValidationError):
			api.send(campaign)  # nobody to send to
		with self.assertRaises(frappe.DoesNotExistError):
			api.send("CAMP-NOPE")
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc(
				{
					"doctype": "WA Campaign",
					"title": "x",
					"template_name": "t",
					"parameters": [{"source": "First name", "value": " "}],
				}
			).insert()
		summary = api.add_numbers(campaign, "<script>alert(1)</script>\n' or 1=1 --\n9812345678")
		self.assertEqual((summary["added"], summary["invalid"]), (1, 2))
		api.send(campaign)
		with self.assertRaises(frappe.ValidationError):
			api.add_numbers(campaign, "9812345679")  # only while Draft
		self.wait_status(campaign, ("Completed",))
		with self.assertRaises(frappe.ValidationError):
			self.configure(campaign_rate_limit=200)  # above WhatsApp's 80/s unless raised
		frappe.db.rollback()
		self.configure(campaign_rate_limit=200, whatsapp_rate_cap=250)  # Meta raised it: fine

	def test_csv_audience_with_names(self):
		phones = self.phones(3)
		content = "Name,Mobile\nRavi Kumar,{}\nAsha,{}\nNo Number,\n,{}\n".format(*phones)
		file = frappe.get_doc(
			{"doctype": "File", "file_name": "audience.csv", "content": content.encode(), "is_private": 1}
		).insert()
		campaign = self.make_campaign()
		self.assertEqual(api.add_csv(campaign, file.file_url)["added"], 3)
		rows = self.rows(campaign)
		self.assertEqual((rows[phones[0]].status, len(rows)), ("Pending", 4))
		first = frappe.db.get_value(
			"WA Campaign Recipient", audience.recipient_name(campaign, phones[0]), "first_name"
		)
		self.assertEqual(first, "Ravi")

	def test_only_campaign_managers_send(self):
		campaign = self.make_campaign(self.phones(1))
		user = "bot-manager@example.com"
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{"doctype": "User", "email": user, "first_name": "Bot", "roles": [{"role": "WA Bot Manager"}]}
			).insert()
		frappe.set_user(user)
		try:
			with self.assertRaises(frappe.PermissionError):
				api.send(campaign)
			with self.assertRaises(frappe.PermissionError):
				api.progress(campaign)
		finally:
			frappe.set_user("Administrator")


class TestCampaignAudience(CampaignTestCase):
	def test_audience_from_conversations_and_bookings(self):
		writer, booker = self.phones(2)
		self.say(writer, "Hi")
		self.fill_booking(booker)
		self.tap(booker, "Confirm", "1")
		campaign = self.make_campaign()
		since = frappe.utils.add_days(frappe.utils.nowdate(), -1)
		added = api.add_from_conversations(campaign, {"last_inbound_at": [">=", since]})
		self.assertGreaterEqual(added["added"], 2)
		rows = self.rows(campaign)
		self.assertIn(writer, rows)
		self.assertEqual(api.add_from_bookings(campaign, {"phone": booker})["duplicates"], 1)

		other = self.make_campaign()
		self.assertEqual(api.add_from_bookings(other, {"phone": booker})["added"], 1)
		row = frappe.get_doc("WA Campaign Recipient", audience.recipient_name(other, booker))
		self.assertEqual((row.first_name, row.last_name, row.source), ("Ravi", "Kumar", "Bookings"))

	def test_a_comeback_audience_counts_what_it_sends_and_its_results_count_the_booking(self):
		away, recent, stopped, coming, never = self.phones(5)
		self.visited(away, 60)
		self.visited(recent, 10)
		self.visited(stopped, 60)
		frappe.get_doc({"doctype": "WA Opt Out", "phone": stopped, "opted_out": 1}).insert(ignore_permissions=True)
		self.visited(coming, 60)
		self.visited(coming, -3, status="Confirmed")  # a visit still to come: nobody to bring back
		frappe.get_doc({"doctype": "WA Conversation", "phone": never, "contact_name": "Meena Rao"}).insert(
			ignore_permissions=True
		)
		frappe.db.commit()
		campaign = self.make_campaign()
		ours = set(self.customers)

		def found(filters) -> set[str]:
			rule = campaign_rules.read_comeback(filters)
			return {c.raw for c in audience.comeback_candidates(rule, frappe.utils.getdate())} & ours

		self.assertEqual(found({"away_days": 30}), {away})
		self.assertEqual(found({"away_days": 30, "city": "pune", "vehicle_type": "SUV"}), {away})
		self.assertEqual(found({"away_days": 30, "city": "Mumbai"}), set())
		self.assertEqual(found({"away_days": 5}), {away, recent})
		self.assertEqual(found({"never_booked": 1}), {never})
		with self.assertRaises(frappe.ValidationError):
			api.comeback_audience(campaign, {"away_days": 30, "never_booked": 1})
		# the count shown is what is added, and what is sent (only this test's customers are found
		# when the away days are this long and the city is this one)
		shown = api.comeback_audience(campaign, {"away_days": 30, "city": "Pune", "service": "Foam Wash"})
		added = api.add_comeback_audience(campaign, {"away_days": 30, "city": "Pune", "service": "Foam Wash"})
		self.assertEqual(added["added"], shown["count"])
		self.assertIn(away, self.rows(campaign))
		[booker] = self.phones(1)  # a pasted number too: the one who books
		api.add_numbers(campaign, booker)
		self.assertEqual(api.send(campaign)["queued"], shown["count"] + 1)
		self.wait_status(campaign, ("Completed",), timeout=60)
		self.assertEqual(sum(self.template_sends().values()), shown["count"] + 1)
		self.assertEqual(self.template_sends()[away], 1)

		# a customer answers and books: the booking carries the campaign, the results count it
		self.fill_booking(booker)
		self.tap(booker, "Confirm", "1")
		booking = self.conversation(booker).last_booking
		self.assertEqual(frappe.db.get_value("WA Service Booking", booking, "campaign"), campaign)
		results = {row["label"]: row["value"] for row in api.results(campaign)["rows"]}
		self.assertEqual(results["Sent"], shown["count"] + 1)
		self.assertEqual(results["Replied"], 1)
		self.assertEqual(results["Bookings within 7 days"], 1)

	def test_wrong_wapi_token_fails_the_campaign_and_sends_nothing(self):
		phones = self.phones(5)
		campaign = self.make_campaign(phones)
		self.configure(wapi_token="wrong-token")
		try:
			api.send(campaign)
			self.wait_status(campaign, ("Failed",))
		finally:
			self.configure()  # the right token again
		doc = frappe.get_doc("WA Campaign", campaign)
		self.assertIn("credentials", doc.last_error)
		self.assertEqual(Counter(r.status for r in self.rows(campaign).values()), Counter({"Pending": 5}))
		self.assertEqual(self.template_sends(), Counter())
		self.assertEqual(api.send(campaign)["queued"], 5)  # fixed: send again
		self.wait_status(campaign, ("Completed",))
		self.assertEqual(set(self.template_sends()), set(phones))


def kill_busy_work_horse() -> int | None:
	"""kill -9 the forked RQ work horse that is running a job (as a crash or OOM kill would)."""
	for proc in psutil.process_iter(["pid", "ppid", "cmdline"]):
		cmd = " ".join(proc.info["cmdline"] or [])
		if "bench_helper" not in cmd or " worker" not in cmd:
			continue
		try:
			parent = psutil.Process(proc.info["ppid"])
		except psutil.Error:
			continue
		if " worker" in " ".join(parent.cmdline()) and "bench_helper" in " ".join(parent.cmdline()):
			os.kill(proc.info["pid"], signal.SIGKILL)
			return proc.info["pid"]
	return None
