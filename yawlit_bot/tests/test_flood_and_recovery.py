"""A customer flooding the bot, and recovery after lost jobs and database conflicts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import frappe
import pymysql
from frappe.utils import now_datetime

from yawlit_bot.engine import replies
from yawlit_bot.services import retry, turn
from yawlit_bot.services.sweeper import sweep
from yawlit_bot.testing import payloads
from yawlit_bot.tests.utils import PipelineTestCase


class TestFloodAndRecovery(PipelineTestCase):
	def tearDown(self):
		self.configure(flood_reply_limit=10, sweeper_age=5)

	def test_a_flooding_sender_is_stored_and_read_but_answered_sparingly(self):
		self.configure(flood_reply_limit=4)
		flooder, other = self.new_phone(), self.new_phone()
		messages = [payloads.text(flooder, f"hello {i}") for i in range(30)]
		with ThreadPoolExecutor(6) as pool:
			statuses = list(pool.map(lambda p: self.post(p).status_code, messages))
		self.assertEqual(statuses, [200] * 30)
		# another customer is answered while the flood is being worked through
		self.say(other, "Hi, I need a car wash")

		self.wait_until(
			lambda: frappe.db.count(
				"WA Message", {"conversation": flooder, "role": "user", "processing_status": "Processed"}
			)
			== 30,
			timeout=60,
			what="all 30 flood messages processed",
		)
		inbound = frappe.get_all(
			"WA Message", filters={"conversation": flooder, "role": "user"}, fields=["replies_held_back"]
		)
		sent = frappe.get_all(
			"WA Message", filters={"conversation": flooder, "role": "assistant"}, pluck="content"
		)
		self.assertEqual(len(inbound), 30, "every message is stored")
		# four answers, then one notice, then quiet (all within the minute)
		self.assertEqual(len(sent), 5, sent)
		self.assertIn(replies.slow_down().body, sent)
		self.assertEqual(sum(row.replies_held_back for row in inbound), 30 - 4)

	def test_a_lost_job_with_only_unsent_replies_is_replaced(self):
		"""A worker killed mid-send leaves the queued flag behind and no pending message: the
		sweeper must still queue a job once the reply has waited long enough."""
		phone = self.new_phone()
		self.say(phone, "Hello")
		# The turn job sends its reply while it still holds the conversation's lock: a held lock
		# means a live job, which the sweeper rightly leaves alone. Wait until that job is done.
		self.wait_until(
			lambda: not turn.conversation_lock(phone, 1).is_held(), what="the turn job to release the lock"
		)
		frappe.db.sql(
			"update `tabWA Message` set send_status = 'Queued', modified = %s where conversation = %s and role = 'assistant'",
			(now_datetime() - timedelta(seconds=turn.QUEUED_FLAG_SECONDS / 2), phone),
		)
		frappe.db.commit()
		frappe.cache.set(turn.queued_flag_key(phone), 1, ex=turn.QUEUED_FLAG_SECONDS)  # the dead job's
		self.standin.reset()
		result = sweep()
		frappe.db.commit()
		self.assertGreaterEqual(result["lost_jobs_replaced"], 1)
		self.wait_until(
			lambda: not frappe.db.count(
				"WA Message", {"conversation": phone, "role": "assistant", "send_status": ["!=", "Sent"]}
			),
			what="the reply sent by the replacement job",
		)
		# sent once (the sweep may also send other conversations' leftovers)
		self.assertEqual([r.body["phone_number"] for r in self.standin.accepted].count(phone), 1)

	def test_a_refused_reply_is_sent_again_by_its_job_not_left_to_the_sweeper(self):
		"""WAPI refuses every attempt of the first send (the client tries three times): the job
		sends it again once it may (RESEND_AFTER_SECONDS), instead of the sweeper a minute or
		more later (no sweeper runs in this tier). Each reply goes exactly once."""
		from yawlit_bot.services.outbox import RESEND_AFTER_SECONDS

		phone = self.new_phone()
		self.standin.configure(fail_next=3)
		payload = payloads.text(phone, "Hi, I need a car wash")
		self.send(payload)
		name = self.wait_processed(payload["message"]["whatsapp_message_id"])
		self.wait_until(
			lambda: frappe.get_all(
				"WA Message",
				filters={"reply_to": name, "role": "assistant", "send_status": ["!=", "Sent"]},
			)
			== [],
			timeout=RESEND_AFTER_SECONDS + 10,
			what="the refused reply sent again by its own job",
		)
		replies_written = frappe.get_all(
			"WA Message", filters={"reply_to": name, "role": "assistant"}, fields=["send_attempts"]
		)
		self.assertEqual(sorted(r.send_attempts for r in replies_written)[-1], 2, replies_written)
		accepted = [r.body["phone_number"] for r in self.standin.accepted].count(phone)
		self.assertEqual(accepted, len(replies_written), "each reply sent once")

	def test_a_reply_refused_again_is_left_to_the_sweeper(self):
		"""Refused on its resend too, WAPI looks down: the job tries no third time a few seconds
		later (that would use up the reply's attempts within one outage); the sweeper will."""
		import time

		from yawlit_bot.services.outbox import RESEND_AFTER_SECONDS

		phone = self.new_phone()
		self.standin.configure(fail_next=6)  # both attempts, three tries each
		payload = payloads.text(phone, "Hi, I need a car wash")
		self.send(payload)
		name = self.wait_processed(payload["message"]["whatsapp_message_id"])

		def first_reply():
			return frappe.get_all(
				"WA Message",
				filters={"reply_to": name, "role": "assistant"},
				fields=["send_status", "send_attempts"],
				order_by="name asc",
			)[0]

		self.wait_until(
			lambda: first_reply().send_attempts == 2 and first_reply().send_status == "Failed",
			timeout=RESEND_AFTER_SECONDS + 10,
			what="the resend refused too",
		)
		time.sleep(RESEND_AFTER_SECONDS + 2)
		frappe.db.rollback()
		self.assertEqual((first_reply().send_status, first_reply().send_attempts), ("Failed", 2))
		self.assertEqual([r.body["phone_number"] for r in self.standin.accepted].count(phone), 0)
		# Not for a later sweeper (a harness run's) to send to whatever WAPI the site points at.
		frappe.db.sql("delete from `tabWA Message` where conversation = %s", phone)
		frappe.db.commit()

	def test_deadlocks_and_changed_rows_are_retried_and_counted(self):
		key = retry.retry_counter_key(1213)
		frappe.cache.delete(key)
		deadlock = frappe.QueryDeadlockError(pymysql.err.OperationalError(1213, "Deadlock found"))
		changed = pymysql.err.OperationalError(1020, "Record has changed since last read")
		self.assertEqual(retry.db_error_code(deadlock), 1213)
		self.assertEqual(retry.db_error_code(changed), 1020)
		self.assertTrue(retry.should_retry(deadlock, 0))
		self.assertTrue(retry.should_retry(changed, 1))
		self.assertFalse(retry.should_retry(changed, retry.DB_RETRIES - 1), "the last attempt is final")
		self.assertFalse(retry.should_retry(ValueError("not the database"), 0))
		self.assertEqual(retry.retry_counts().get("1213"), 1)


class TestTurnJobTakeover(PipelineTestCase):
	"""A finishing turn job runs the turn jobs waiting behind it instead of a fork each."""

	def setUp(self):
		super().setUp()
		import uuid

		from frappe.utils.background_jobs import execute_job, get_redis_conn
		from rq import Queue

		# A queue of its own: the running workers must not pop what the test puts there.
		self.queue = Queue(f"yawlit-takeover-test-{uuid.uuid4().hex}", connection=get_redis_conn())
		self.execute_job = execute_job

	def tearDown(self):
		self.queue.delete(delete_jobs=True)

	def put(self, method: str, site: str | None = None, **kwargs):
		return self.queue.enqueue_call(
			self.execute_job,
			kwargs={
				"site": site or frappe.local.site,
				"user": "Administrator",
				"method": method,
				"event": None,
				"job_name": method,
				"is_async": True,
				"kwargs": kwargs,
			},
		)

	def test_takes_the_oldest_turn_job_of_this_site_and_only_once(self):
		other_site = self.put(turn.TURN_JOB, site="another.site", conversation="919800000001")
		not_a_turn = self.put("frappe.ping")
		first = self.put(turn.TURN_JOB, conversation="919800000002")
		older_name = self.put("yawlit_bot.services.turn.process_conversation", conversation="919800000003")

		self.assertEqual(turn.take_queued_turn(self.queue), "919800000002")
		self.assertEqual(turn.take_queued_turn(self.queue), "919800000003")  # queued before an upgrade
		self.assertIsNone(turn.take_queued_turn(self.queue))
		# the taken jobs are gone (no worker runs them a second time); the others wait as they were
		self.assertEqual(self.queue.get_job_ids(), [other_site.id, not_a_turn.id])
		self.assertFalse(self.queue.connection.exists(first.key, older_name.key))

	def test_a_job_popped_by_a_worker_meanwhile_is_not_taken(self):
		job = self.put(turn.TURN_JOB, conversation="919800000004")
		self.queue.connection.lrem(self.queue.key, 1, job.id)  # a worker's pop won the race
		self.assertIsNone(turn.take_queued_turn(self.queue))


class TestSendRecording(PipelineTestCase):
	"""After WAPI took a reply, the row saying so is the only record of it."""

	BALLAST = "yawlit_test_ballast"

	def queued_reply(self, phone: str) -> int:
		from yawlit_bot.services.inbound import create_conversation
		from yawlit_bot.services.messages import queue_reply

		create_conversation(phone, None)
		queue_reply(phone, replies.Reply("Your slot is booked"))
		frappe.db.commit()
		return frappe.db.sql(
			"select max(name) from `tabWA Message` where conversation = %s and role = 'assistant'", phone
		)[0][0]

	def other_connection(self, lock_wait_seconds: int):
		"""A second session as the site's own database user (Frappe v15 connects as db_name),
		so it sees our thread in the process list without the PROCESS privilege."""
		where = (
			{"unix_socket": frappe.conf.db_socket}
			if frappe.conf.db_socket
			else {"host": frappe.conf.db_host or "127.0.0.1", "port": int(frappe.conf.db_port or 3306)}
		)
		return pymysql.connect(
			**where,
			user=frappe.conf.db_name,
			password=frappe.conf.db_password,
			database=frappe.conf.db_name,
			autocommit=False,
			init_command=f"set innodb_lock_wait_timeout = {lock_wait_seconds}",
		)

	def test_a_deadlock_while_recording_a_send_is_retried_not_left_sending(self):
		"""The harness met this one: a real 1213 on the write after the send. Another connection
		holds the conversation row with far more undo than ours (InnoDB rolls back the lighter
		transaction), waits for the recording to block on that row, then asks for the message
		row: a lock cycle, and the recording is the victim. It must be run again, not lost."""
		import threading
		import time

		from yawlit_bot.services.outbox import send_reply

		phone = self.new_phone()
		name = self.queued_reply(phone)
		our_connection = frappe.db.sql("select connection_id()")[0][0]
		frappe.cache.delete(retry.retry_counter_key(1213))
		other = self.other_connection(lock_wait_seconds=10)
		outcome = {}

		def close_the_cycle():
			try:
				with other.cursor() as cur:
					deadline = time.monotonic() + 10
					while time.monotonic() < deadline:  # until the recording waits for our row
						cur.execute(
							"select count(*) from information_schema.processlist "
							"where id = %s and info like 'update `tabWA Conversation` set last_outbound_at%%'",
							our_connection,
						)
						if cur.fetchone()[0]:
							break
						time.sleep(0.01)
					cur.execute("select name from `tabWA Message` where name = %s for update", name)
					time.sleep(0.2)  # the retried recording now waits for this row, then goes on
					other.rollback()
					outcome["other"] = "held"
			except pymysql.err.OperationalError as exc:
				outcome["other"] = f"rolled back instead: {exc}"
				other.rollback()

		helper = threading.Thread(target=close_the_cycle)
		try:
			with other.cursor() as cur:
				cur.execute(f"create table if not exists `{self.BALLAST}` (id int primary key, v int) engine=InnoDB")
				cur.execute(f"delete from `{self.BALLAST}`")
				cur.executemany(f"insert into `{self.BALLAST}` values (%s, 0)", [(i,) for i in range(300)])
				other.commit()
				cur.execute(f"update `{self.BALLAST}` set v = v + 1")  # weight: the other is never the victim
				cur.execute("select name from `tabWA Conversation` where name = %s for update", phone)
			helper.start()
			self.assertTrue(send_reply(name))
		finally:
			if helper.is_alive() or helper.ident:
				helper.join(30)
			other.rollback()
			with other.cursor() as cur:
				cur.execute(f"drop table if exists `{self.BALLAST}`")
			other.close()
		self.assertEqual(outcome.get("other"), "held", "the lock cycle did not make the recording its victim")
		row = frappe.db.get_value("WA Message", name, ["send_status", "wamid", "sent_at"], as_dict=True)
		self.assertEqual(row.send_status, "Sent")
		self.assertTrue(row.wamid and row.sent_at)
		self.assertGreaterEqual(retry.retry_counts().get("1213", 0), 1, "the retry is counted")
		self.assertEqual([r.body["phone_number"] for r in self.standin.accepted].count(phone), 1, "sent once")

	def stuck_and_recent_sends(self) -> tuple[int, int, int]:
		"""Three replies of a new conversation: Sending for ten minutes, Sending since now, Sent."""
		phone = self.new_phone()
		stuck, recent, sent = (self.queued_reply(phone) for _ in range(3))
		long_ago = now_datetime() - timedelta(minutes=10)
		for name, status, modified in (
			(stuck, "Sending", long_ago),
			(recent, "Sending", now_datetime()),
			(sent, "Sent", long_ago),
		):
			frappe.db.sql(
				"update `tabWA Message` set send_status = %s, modified = %s where name = %s",
				(status, modified, name),
			)
		frappe.db.commit()
		return stuck, recent, sent

	def test_the_sweeper_marks_only_long_stuck_sends_unknown(self):
		from yawlit_bot.services.sweeper import mark_stuck_sends_unknown

		stuck, recent, sent = self.stuck_and_recent_sends()
		# Other tests' leftovers may be stuck too: only this conversation's rows are checked.
		self.assertGreaterEqual(mark_stuck_sends_unknown(now_datetime() - timedelta(minutes=1)), 1)
		frappe.db.commit()
		statuses = {
			name: frappe.db.get_value("WA Message", name, "send_status") for name in (stuck, recent, sent)
		}
		self.assertEqual(statuses, {stuck: "Unknown", recent: "Sending", sent: "Sent"})

	def test_the_sweeper_locks_only_the_rows_it_changes(self):
		"""While the sweeper's transaction is open, a send in flight records its outcome and an
		older reply takes its delivery receipt, neither waiting. The property, not the race: the
		old range UPDATE passes this too on a test-sized table (which rows a range scan locks
		depends on the plan); the deadlock itself showed only under the harness's load."""
		from yawlit_bot.services.sweeper import mark_stuck_sends_unknown

		stuck, recent, sent = self.stuck_and_recent_sends()
		other = self.other_connection(lock_wait_seconds=2)
		try:
			mark_stuck_sends_unknown(now_datetime() - timedelta(minutes=1))  # not committed yet
			with other.cursor() as cur:
				cur.execute(
					"update `tabWA Message` set send_status = 'Sent', sent_at = now() where name = %s", recent
				)
				cur.execute(
					"update `tabWA Message` set send_status = 'Delivered', delivered_at = now() where name = %s",
					sent,
				)
			other.commit()
			frappe.db.commit()
		finally:
			other.rollback()
			other.close()
			frappe.db.rollback()
		statuses = {name: frappe.db.get_value("WA Message", name, "send_status") for name in (stuck, recent, sent)}
		self.assertEqual(statuses, {stuck: "Unknown", recent: "Sent", sent: "Delivered"})
