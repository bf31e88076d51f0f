"""A customer flooding the bot, and recovery after lost jobs and database conflicts."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import frappe
import pymysql
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from yawlit_bot.engine import replies
from yawlit_bot.engine.ingest_first import MAX_PAUSE_SECONDS, PAUSE_SLICE_SECONDS
from yawlit_bot.engine.send_outcome import resend_delay
from yawlit_bot.engine.wapi_payload import parse_webhook
from yawlit_bot.services.site import retry
from yawlit_bot.services.pipeline import turn_jobs, turn_offers
from yawlit_bot.services.pipeline.inbound import release_left_ingest_locks, store_webhook
from yawlit_bot.services.pipeline.ready_queue import FLAG_SECONDS, ReadyQueue
from yawlit_bot.services.pipeline.sweeper import sweep
from yawlit_bot.services.site.locks import ConversationLock
from yawlit_bot.testing import payloads
from yawlit_bot.tests.utils import PipelineTestCase


def other_connection(lock_wait_seconds: int):
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
			lambda: not turn_jobs.conversation_lock(phone, 1).is_held(), what="the turn job to release the lock"
		)
		frappe.db.sql(
			"update `tabWA Message` set send_status = 'Queued', modified = %s where conversation = %s and role = 'assistant'",
			(now_datetime() - timedelta(seconds=FLAG_SECONDS / 2), phone),
		)
		frappe.db.commit()
		turn_jobs.ready_queue().offer(phone)  # the dead job's flag (and list entry, popped)
		turn_jobs.ready_queue().take()
		self.standin.reset()
		result = sweep()
		frappe.db.commit()
		# replaced by the sweeper; unless the ready list still held the conversation (take() pops
		# the oldest entry, which may be another test's) and a live job took it meanwhile
		live = frappe.db.count(
			"WA Message", {"conversation": phone, "role": "assistant", "send_status": ["!=", "Queued"]}
		) or turn_jobs.conversation_lock(phone, 1).is_held()
		self.assertTrue(result["lost_jobs_replaced"] >= 1 or live, "the lost job is replaced")
		self.wait_until(
			lambda: not frappe.db.count(
				"WA Message", {"conversation": phone, "role": "assistant", "send_status": ["!=", "Sent"]}
			),
			what="the reply sent by the replacement job",
		)
		# sent once (the sweep may also send other conversations' leftovers)
		self.assertEqual([r.body["phone_number"] for r in self.standin.accepted].count(phone), 1)

	def refused_first_reply(self, phone: str, refusals: int):
		"""The customer's first reply, refused `refusals` times (WAPI's client tries three times
		per attempt)."""
		self.standin.configure(fail_next=refusals)
		payload = payloads.text(phone, "Hi, I need a car wash")
		self.send(payload)
		name = self.wait_processed(payload["message"]["whatsapp_message_id"])
		return name, lambda: frappe.get_all(
			"WA Message",
			filters={"reply_to": name, "role": "assistant"},
			fields=["name", "send_status", "send_attempts", "next_attempt_at"],
			order_by="name asc",
		)[0]

	def test_a_refused_reply_goes_again_when_due_without_a_job_waiting_for_it(self):
		"""WAPI refuses the first send: the reply keeps its next attempt's time, the job ends (no
		worker waits for it), and the next job to run after that time sends it, once."""
		phone, other = self.new_phone(), self.new_phone()
		_name, first_reply = self.refused_first_reply(phone, refusals=3)
		refused = self.wait_until(
			lambda: first_reply().send_status == "Failed" and first_reply(), what="the reply refused"
		)
		self.assertEqual(refused.send_attempts, 1)
		wait = (refused.next_attempt_at - now_datetime()).total_seconds()
		self.assertGreater(wait, 0)
		self.assertLessEqual(wait, resend_delay(1))
		queue = turn_jobs.ready_queue()
		self.wait_until(lambda: queue.due_at(phone), what="the conversation in the due set")
		self.assertFalse(queue.is_flagged(phone), "no job holds the conversation while its reply waits")

		self.wait_until(lambda: now_datetime() > refused.next_attempt_at, timeout=wait + 5, what="the reply due")
		self.say(other, "Hi")  # any job that runs now takes the due conversation too
		self.wait_until(
			lambda: first_reply().send_status == "Sent", timeout=30, what="the refused reply sent when due"
		)
		self.assertEqual(first_reply().send_attempts, 2)
		self.assertEqual([r.body["phone_number"] for r in self.standin.accepted].count(phone), 1)

	def test_a_reply_refused_again_waits_longer_and_the_sweeper_sends_it_when_due(self):
		"""Refused on its resend too, WAPI looks down: the next attempt is spaced out (a try every
		few seconds would use up the reply's attempts within one outage). The sweeper offers
		each attempt once it is due, and the reply goes once."""
		phone = self.new_phone()
		_name, first_reply = self.refused_first_reply(phone, refusals=3)
		refused = self.wait_until(
			lambda: first_reply().send_status == "Failed" and first_reply(), what="the reply refused"
		)

		def make_due(name):
			attempts = first_reply().send_attempts
			frappe.db.sql(
				"update `tabWA Message` set next_attempt_at = %s where name = %s",
				(now_datetime() - timedelta(seconds=1), name),
			)
			frappe.db.commit()
			offered = sweep()["resend_conversations"]
			frappe.db.commit()
			# the sweeper offers it, unless the due-set's own job took it first (both are the design)
			taken = first_reply().send_attempts > attempts or first_reply().send_status == "Sending"
			self.assertTrue(offered >= 1 or taken, "the due reply is offered again")

		self.standin.configure(fail_next=3)  # the resend is refused too
		make_due(refused.name)
		again = self.wait_until(
			lambda: first_reply().send_attempts == 2 and first_reply().send_status == "Failed" and first_reply(),
			what="the resend refused too",
		)
		wait = (again.next_attempt_at - now_datetime()).total_seconds()
		self.assertGreater(wait, resend_delay(1), "spaced out after a second refusal")
		self.assertLessEqual(wait, resend_delay(2))
		self.assertEqual([r.body["phone_number"] for r in self.standin.accepted].count(phone), 0)

		make_due(again.name)
		self.wait_until(lambda: first_reply().send_status == "Sent", what="sent by the sweeper's job")
		self.assertEqual(first_reply().send_attempts, 3)
		self.assertEqual([r.body["phone_number"] for r in self.standin.accepted].count(phone), 1)

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


class TestReadyList(PipelineTestCase):
	"""Turn jobs drain the site's ready list: a busy site runs a few jobs, not one per message."""

	def test_a_burst_of_customers_is_served_by_fewer_jobs_than_messages(self):
		from frappe.utils.background_jobs import get_queue

		phones = [self.new_phone() for _ in range(12)]
		finished = get_queue(turn_offers.TURN_QUEUE).finished_job_registry
		jobs_before = set(finished.get_job_ids())
		payloads_sent = [payloads.text(phone, "Hi, I need a car wash") for phone in phones]
		with ThreadPoolExecutor(6) as pool:
			self.assertEqual(list(pool.map(lambda p: self.post(p).status_code, payloads_sent)), [200] * 12)
		for payload in payloads_sent:
			self.wait_processed(payload["message"]["whatsapp_message_id"])
		self.wait_until(lambda: not turn_jobs.ready_queue().waiting(), what="the ready list drained")
		jobs = set(finished.get_job_ids()) - jobs_before
		self.assertLess(len(jobs), len(phones), "drain jobs serve several customers each")

	def test_customers_writing_a_moment_apart_are_served_by_one_waiting_job(self):
		"""One message at a time, each after the last was answered: the job that answered it
		waits a moment for the next instead of ending, so five customers cost one or two jobs
		(a fork and a Frappe start-up each), not five."""
		from frappe.utils.background_jobs import get_queue

		rq_queue = get_queue(turn_offers.TURN_QUEUE)

		def drain_jobs() -> set[str]:
			# Queued ones too: a job an earlier test queued, starting during this one, is not ours.
			ids = set(rq_queue.get_job_ids())
			ids |= set(rq_queue.finished_job_registry.get_job_ids())
			ids |= set(rq_queue.started_job_registry.get_job_ids())
			jobs = [rq_queue.fetch_job(job_id) for job_id in ids]
			return {job.id for job in jobs if job and job.kwargs.get("method") == turn_offers.DRAIN_JOB}

		queue = turn_offers.ready_queue()
		# An earlier test's work still queued would start jobs of its own while this one runs.
		self.wait_until(lambda: not queue.waiting() and not rq_queue.get_job_ids(), what="the turn queue quiet")
		before = drain_jobs()
		for phone in [self.new_phone() for _ in range(5)]:
			payload = payloads.text(phone, "Hi, I need a car wash")
			self.assertEqual(self.post(payload).status_code, 200)
			self.wait_processed(payload["message"]["whatsapp_message_id"])
			# The next customer writes a moment later, once the job has sent this answer and waits
			# for more: not within the milliseconds between the turn's commit and its wait.
			self.wait_until(
				lambda: queue.client.exists(queue.job_waiting_key), timeout=5, what="the job waiting for more"
			)
		self.assertLessEqual(len(drain_jobs() - before), 2)

	def test_a_conversation_is_offered_once_until_its_job_lets_it_go(self):
		queue = turn_jobs.ready_queue()
		phone = self.new_phone()
		self.addCleanup(queue.done, phone)
		self.assertTrue(queue.offer(phone))
		self.assertFalse(queue.offer(phone), "ten messages in a burst: one entry")
		self.assertTrue(queue.offer(phone, force=True), "the sweeper replaces a lost job")

	def test_a_failing_conversation_does_not_fail_the_job_or_the_others(self):
		"""The database fails for one customer's turn: the job logs it and serves the next."""
		broken, fine = self.new_phone(), self.new_phone()
		calls = []
		real_work_on = turn_jobs.work_on

		def work_on(conversation, ready, watch=None):
			calls.append(conversation)
			if conversation == broken:
				raise pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query")
			return real_work_on(conversation, ready, watch)

		frappe.db.sql("delete from `tabWA Message` where conversation in %s", ((broken, fine),))
		# run in this process, on a list of its own: the site's workers must not pop these
		original_queue = turn_jobs.ready_queue
		own = turn_jobs.ReadyQueue(original_queue().client, f"{frappe.local.site}-job-test")
		self.addCleanup(own.client.delete, own.ready_key, own.job_waiting_key, own.flag_key(broken), own.flag_key(fine))
		self.addCleanup(frappe.db.commit)
		self.addCleanup(frappe.db.delete, "Error Log", {"method": ["like", f"%turn job failed for {broken}%"]})
		own.offer(broken)
		own.offer(fine)
		turn_jobs.work_on, turn_jobs.ready_queue = work_on, lambda: own
		try:
			turn_jobs.drain_ready()
		finally:
			turn_jobs.work_on, turn_jobs.ready_queue = real_work_on, original_queue
		self.assertEqual(calls, [broken, fine])
		self.assertEqual(own.waiting(), 0)


class TestStandingAsideForAFlood(FrappeTestCase):
	"""While many slow webhook stores come in, a drain job runs no turn, for a bounded time.
	The stores are written as the webhook's offers count them, on a list of the test's own."""

	def setUp(self):
		self.queue = ReadyQueue(turn_offers.ready_queue().client, f"{frappe.local.site}-flood-test")

	def stores(self, per_second: int, ms_each: float, seconds: float) -> None:
		"""`per_second` stores a second, spread over its tenths, from a second ago to `seconds` on."""
		now, micros = self.queue.client.time()
		tenth = int(now) * 10 + int(micros) // 100000
		for each in range(tenth - 10, tenth + int(seconds * 10) + 10):
			count = per_second // 10 + (1 if each % 10 < per_second % 10 else 0)
			key = f"{self.queue.ingest_prefix}{each}"
			self.queue.client.hset(key, mapping={"count": count, "ms": count * ms_each})
			self.queue.client.expire(key, int(seconds) + 5)
			self.addCleanup(self.queue.client.delete, key)

	def test_a_few_customers_writing_never_hold_a_turn_back(self):
		self.stores(5, 50.0, seconds=3)  # slow, but five a second
		watch = turn_jobs.IngestWatch(self.queue)
		self.assertLess(watch.stand_aside(), PAUSE_SLICE_SECONDS)
		self.assertFalse(watch.flooded())

	def test_a_flood_holds_the_next_turn_back_but_not_for_ever(self):
		self.stores(150, 40.0, seconds=MAX_PAUSE_SECONDS + 3)
		watch = turn_jobs.IngestWatch(self.queue)
		paused = watch.stand_aside()
		self.assertGreaterEqual(paused, MAX_PAUSE_SECONDS)
		self.assertLess(paused, MAX_PAUSE_SECONDS + 1, "a turn every two seconds at worst: nobody waits for ever")
		self.assertTrue(watch.flooded(), "still flooded: the job's visit ends after that one turn")

	def test_redis_failing_reads_as_no_flood(self):
		class Failing:
			def ingest_recent(self):
				from redis.exceptions import ConnectionError

				raise ConnectionError("down")

		watch = turn_jobs.IngestWatch(Failing())
		self.assertLess(watch.stand_aside(), PAUSE_SLICE_SECONDS)
		self.assertFalse(watch.flooded())


class TestWhatAStoreCounts(PipelineTestCase):
	"""What the webhook counts for the drain jobs' eye on it (`turn_jobs.IngestWatch`)."""

	def test_waiting_for_the_senders_lock_is_not_counted_as_a_slow_store(self):
		# One customer's burst waits in line for the sender's ingest lock: a wait that says
		# nothing of the machine being short, so it must not make the turns stand aside.
		phone = self.new_phone()
		own = ReadyQueue(turn_offers.ready_queue().client, f"{frappe.local.site}-lock-wait-test")
		self.addCleanup(lambda: [own.client.delete(key) for key in own.client.scan_iter(own.prefix + "*")])
		holder = ConversationLock(own.client, own.ingest_lock_key(phone), 5)
		self.assertTrue(holder.acquire())
		releasing = threading.Timer(0.3, holder.release)
		releasing.start()
		self.addCleanup(releasing.cancel)
		payload = payloads.text(phone, "hello")
		real_queue = turn_offers.ready_queue
		turn_offers.ready_queue = lambda: own
		try:
			started = time.perf_counter()
			result = store_webhook(parse_webhook(payload), payload, started=started)
			took = time.perf_counter() - started
		finally:
			turn_offers.ready_queue = real_queue
		tenths, _ = own.ingest_recent()
		self.assertEqual(result["status"], "stored")
		self.assertGreaterEqual(took, 0.3, "the store waited for the lock")
		self.assertEqual(sum(count for count, _ in tenths), 1, "one store counted")
		self.assertLess(sum(ms for _, ms in tenths), 150, "counted without the wait")


class TestTheRequestsOwnCommit(PipelineTestCase):
	"""The webhook leaves its last message to the commit Frappe makes before answering a POST
	(`store_webhook(request_commits=True)`): until that commit the sender's next message waits and
	no turn job is offered the conversation; a rollback instead leaves nothing behind."""

	def deferred_store(self) -> tuple[str, ReadyQueue, dict]:
		phone = self.new_phone()
		own = ReadyQueue(turn_offers.ready_queue().client, f"{frappe.local.site}-own-commit-test")
		self.addCleanup(lambda: [own.client.delete(key) for key in own.client.scan_iter(own.prefix + "*")])
		real_queue = turn_offers.ready_queue
		turn_offers.ready_queue = lambda: own
		self.addCleanup(setattr, turn_offers, "ready_queue", real_queue)
		payload = payloads.text(phone, "hello")
		frappe.db.commit()  # nothing of the test's own setup rides on the commit under test
		result = store_webhook(parse_webhook(payload), payload, bot_enabled=True, request_commits=True)
		return phone, own, result

	def seen_elsewhere(self, phone: str) -> int:
		connection = other_connection(5)
		try:
			with connection.cursor() as cursor:
				cursor.execute("select count(*) from `tabWA Message` where conversation = %s", phone)
				return cursor.fetchone()[0]
		finally:
			connection.close()

	def lock_held(self, phone: str) -> bool:
		queue = turn_offers.ready_queue()
		return ConversationLock(queue.client, queue.ingest_lock_key(phone), 5).is_held()

	def test_until_the_commit_the_sender_waits_and_no_job_is_offered(self):
		phone, own, result = self.deferred_store()
		self.assertEqual(result["status"], "stored")
		self.assertEqual(self.seen_elsewhere(phone), 0, "not committed yet")
		self.assertTrue(self.lock_held(phone), "the sender's next message waits for this commit")
		self.assertEqual(own.waiting(), 0, "no turn job offered a message it cannot see")
		frappe.db.commit()
		self.assertEqual(self.seen_elsewhere(phone), 1)
		self.assertFalse(self.lock_held(phone))
		self.assertEqual(own.take(), phone, "offered once committed")

	def test_a_rollback_leaves_no_lock_and_no_offer(self):
		phone, own, _ = self.deferred_store()
		frappe.db.rollback()
		self.assertEqual(self.seen_elsewhere(phone), 0)
		self.assertFalse(self.lock_held(phone), "the sender's next message does not wait 5 s")
		self.assertEqual(own.waiting(), 0)

	def test_a_lock_still_held_when_the_request_ends_is_let_go(self):
		# Frappe's commit empties the rollback list before it commits: a commit that then fails
		# leaves the lock to the request's end (the `after_request` hook), not to its 5 s expiry.
		from frappe.realtime import clear_realtime_log

		phone, own, _ = self.deferred_store()
		frappe.db.after_rollback.reset()
		frappe.db.rollback()
		# The emptied list held Frappe's own clearing of the live events too: a request's end
		# drops them with its frappe.local; this test process must, or no later event is sent.
		clear_realtime_log()
		self.assertTrue(self.lock_held(phone))
		release_left_ingest_locks()
		self.assertFalse(self.lock_held(phone), "the sender's next message does not wait 5 s")
		self.assertEqual(own.waiting(), 0)


class TestSendRecording(PipelineTestCase):
	"""After WAPI took a reply, the row saying so is the only record of it."""

	BALLAST = "yawlit_test_ballast"

	def queued_reply(self, phone: str) -> int:
		from yawlit_bot.services.pipeline.inbound import create_conversation
		from yawlit_bot.services.outbound.messages import queue_reply

		create_conversation(phone, None)
		queue_reply(phone, replies.Reply("Your slot is booked"))
		frappe.db.commit()
		return frappe.db.sql(
			"select max(name) from `tabWA Message` where conversation = %s and role = 'assistant'", phone
		)[0][0]

	def test_a_deadlock_while_recording_a_send_is_retried_not_left_sending(self):
		"""The harness met this one: a real 1213 on the write after the send. The recording takes
		the conversation row, then the message row (the order every writer of both uses). Another
		connection, with far more undo than ours (InnoDB rolls back the lighter transaction),
		takes the message row while WAPI is answering, waits for the recording to block on it, then
		asks for the conversation row: a lock cycle, and the recording is the victim. It must be
		run again, not lost."""
		import threading
		import time

		from yawlit_bot.services.outbound.outbox import send_reply

		phone = self.new_phone()
		name = self.queued_reply(phone)
		our_connection = frappe.db.sql("select connection_id()")[0][0]
		frappe.cache.delete(retry.retry_counter_key(1213))
		other = other_connection(lock_wait_seconds=10)
		outcome = {}
		self.standin.configure(delay=1.0)  # time to take the message row between claim and recording

		def close_the_cycle():
			try:
				with other.cursor() as cur:
					deadline = time.monotonic() + 10
					while time.monotonic() < deadline:  # claimed (committed): the request is out
						other.rollback()
						cur.execute("select send_status from `tabWA Message` where name = %s", name)
						if cur.fetchone()[0] == "Sending":
							break
						time.sleep(0.01)
					cur.execute(f"update `{self.BALLAST}` set v = v + 1")  # weight: the other is never the victim
					cur.execute("select name from `tabWA Message` where name = %s for update", name)
					while time.monotonic() < deadline:  # until the recording waits for the message row
						cur.execute(
							"select count(*) from information_schema.processlist "
							"where id = %s and info like 'update `tabWA Message` set%%'",
							our_connection,
						)
						if cur.fetchone()[0]:
							break
						time.sleep(0.01)
					cur.execute("select name from `tabWA Conversation` where name = %s for update", phone)
					time.sleep(0.2)  # the retried recording now waits for these rows, then goes on
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
		from yawlit_bot.services.pipeline.sweeper import mark_stuck_sends_unknown

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
		from yawlit_bot.services.pipeline.sweeper import mark_stuck_sends_unknown

		stuck, recent, sent = self.stuck_and_recent_sends()
		other = other_connection(lock_wait_seconds=2)
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
