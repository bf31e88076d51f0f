"""The ready list turn jobs drain, against a real Redis (127.0.0.1:6379)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from redis import Redis

from yawlit_bot.engine.ingest_first import TENTHS_KEPT
from yawlit_bot.services.pipeline.ready_queue import ReadyQueue
from yawlit_bot.services.site.locks import ConversationLock


@pytest.fixture()
def queue():
	client = Redis(host="127.0.0.1", port=6379)
	ready = ReadyQueue(client, f"engine-test-{uuid.uuid4().hex}.site")
	yield ready
	keys = client.keys(ready.prefix + "*")
	if keys:
		client.delete(*keys)


def test_a_conversation_is_in_the_list_once_until_it_is_let_go(queue):
	assert queue.offer("919800000001")
	assert not queue.offer("919800000001"), "a burst of messages: one entry"
	assert queue.offer("919800000002")
	assert queue.waiting() == 2
	assert queue.take() == "919800000001"
	assert not queue.offer("919800000001"), "being worked on: its job sees the message"
	queue.done("919800000001")
	assert queue.offer("919800000001"), "let go: offered again"
	assert [queue.take(), queue.take(), queue.take()] == ["919800000002", "919800000001", None]


def test_force_offers_a_conversation_whose_job_was_lost(queue):
	assert queue.offer("919800000003")
	assert queue.take() == "919800000003"  # the job that took it died: its flag stays
	assert not queue.offer("919800000003")
	assert queue.offer("919800000003", force=True)
	assert queue.take() == "919800000003"


def test_one_drain_job_waits_at_a_time(queue):
	assert queue.claim_job_slot()
	assert not queue.claim_job_slot(), "a job waits already: it will take the new conversation"
	queue.job_started()
	assert queue.claim_job_slot(), "the waiting job started: a free worker may start another"


def test_concurrent_offers_put_a_conversation_in_the_list_once(queue):
	results = []
	barrier = threading.Barrier(8)

	def offer():
		barrier.wait()
		results.append(queue.offer("919800000004"))

	threads = [threading.Thread(target=offer) for _ in range(8)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert results.count(True) == 1
	assert queue.waiting() == 1


def test_due_resends_move_into_the_list_when_due_and_only_then(queue):
	queue.resend_at("919800000005", 1000.0)
	queue.resend_at("919800000006", 2000.0)
	queue.resend_at("919800000006", 3000.0)  # the earliest time is kept
	assert (queue.due_at("919800000005"), queue.due_at("919800000006")) == (1000.0, 2000.0)
	assert queue.promote_due(999.0) == 0
	assert queue.promote_due(2500.0) == 2
	assert queue.due_at("919800000005") is None
	assert {queue.take(), queue.take()} == {"919800000005", "919800000006"}


def test_a_due_resend_of_a_conversation_being_worked_on_is_left_to_its_job(queue):
	assert queue.offer("919800000007")
	assert queue.take() == "919800000007"
	queue.resend_at("919800000007", 1000.0)
	assert queue.promote_due(1000.0) == 0, "its job sends the reply when it is due"
	assert queue.waiting() == 0



def test_webhook_stores_are_counted_per_tenth_of_a_second_with_their_time(queue):
	import time

	client = queue.client

	def tenth() -> int:
		seconds, micros = client.time()
		return int(seconds) * 10 + int(micros) // 100000

	# start just after a tenth begins, so six offers fit in it
	deadline = time.monotonic() + 3
	start = tenth()
	while tenth() == start and time.monotonic() < deadline:
		time.sleep(0.002)
	counted = tenth()
	for n in range(5):
		queue.offer(f"9198000001{n:02d}", ack_ms=10 + n)
	queue.offer("919800000100", ack_ms=40)  # flagged already: still a store
	queue.offer("919800000101")  # the sweeper's or a job's offer: not a webhook store
	tenths, into_current = queue.ingest_recent()
	if tenth() != counted:
		pytest.skip("the offers spanned a tenth of a second")
	assert len(tenths) == TENTHS_KEPT
	assert tenths[-1] == (6, 100.0), "the current tenth, so far"
	assert tenths[:-1] == [(0, 0.0)] * (TENTHS_KEPT - 1)
	assert 0 <= into_current < 0.1
	while tenth() == counted and time.monotonic() < deadline:
		time.sleep(0.005)
	tenths, _ = queue.ingest_recent()
	assert (6, 100.0) in tenths[:-1], "a whole tenth behind the current one"
	assert 0 < client.ttl(f"{queue.ingest_prefix}{counted}") <= 5


def test_a_job_out_of_work_lingers_and_takes_what_is_offered_meanwhile(queue):
	seen = {}

	def offer_while_it_waits():
		deadline = time.monotonic() + 5
		while not queue.client.exists(queue.job_waiting_key) and time.monotonic() < deadline:
			time.sleep(0.005)
		seen["a job waits"] = not queue.claim_job_slot()  # the offer's caller queues no job
		seen["offered"] = queue.offer("919800000009")

	helper = threading.Thread(target=offer_while_it_waits)
	helper.start()
	assert queue.linger(5) == "919800000009"
	helper.join(5)
	assert seen == {"a job waits": True, "offered": True}
	assert queue.claim_job_slot(), "the job took its conversation: the next offer queues a job"


def test_a_lingering_job_ends_when_nothing_comes_and_leaves_no_mark(queue):
	started = time.monotonic()
	assert queue.linger(0.2) is None
	assert time.monotonic() - started < 2
	assert queue.claim_job_slot(), "nothing waits any more: the next offer queues a job"


def test_a_job_does_not_linger_while_another_waits(queue):
	assert queue.claim_job_slot()  # a drain job queued in RQ: it takes what comes
	started = time.monotonic()
	assert queue.linger(5) is None
	assert time.monotonic() - started < 0.5
	assert not queue.claim_job_slot(), "the queued job's mark is left alone"
	assert queue.client.ttl(queue.job_waiting_key) > 10


def test_the_mark_of_a_job_that_died_lingering_expires_soon(queue):
	ttl_during_the_wait = []

	def look_then_end_the_wait():
		deadline = time.monotonic() + 5
		while not queue.client.exists(queue.job_waiting_key) and time.monotonic() < deadline:
			time.sleep(0.005)
		ttl_during_the_wait.append(queue.client.ttl(queue.job_waiting_key))
		queue.offer("919800000010")

	helper = threading.Thread(target=look_then_end_the_wait)
	helper.start()
	assert queue.linger(1.5) == "919800000010"
	helper.join(5)
	# were this job killed in the wait, its mark would hold new offers back only this long
	assert ttl_during_the_wait and 0 < ttl_during_the_wait[0] <= 4


def test_the_offer_lets_the_senders_ingest_lock_go_in_the_same_call(queue):
	def lock(token: str) -> ConversationLock:
		held = ConversationLock(queue.client, queue.ingest_lock_key("919800000024"), 5)
		assert held.acquire(token=token)
		return held

	mine = lock("mine")
	assert queue.offer("919800000024", unlock="mine")
	assert not mine.is_held()
	lock("next")
	assert not queue.offer("919800000024", unlock="next"), "flagged already: not put in the list again"
	assert not mine.is_held(), "but the lock goes all the same"
	theirs = lock("theirs")
	queue.offer("919800000024", force=True, unlock="not theirs")
	assert theirs.held, "another holder's lock stays"
