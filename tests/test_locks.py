"""The conversation lock against a real Redis (127.0.0.1:6379)."""

import threading
import time
import uuid

import pytest
from redis import Redis

from yawlit_bot.services.site.locks import ConversationLock, campaign_lock_key, conversation_lock_key


@pytest.fixture()
def redis_client():
	client = Redis(host="127.0.0.1", port=6379)
	try:
		client.ping()
	except Exception as exc:  # pragma: no cover - the machine always has Redis
		pytest.fail(f"Redis must run at 127.0.0.1:6379: {exc}")
	return client


def key():
	return conversation_lock_key("engine-test.site", f"91{uuid.uuid4().int % 10**10:010d}")


def test_key_carries_site():
	assert conversation_lock_key("a.site", "919812345678").startswith("a.site|")
	assert conversation_lock_key("a.site", "1") != conversation_lock_key("b.site", "1")
	assert campaign_lock_key("a.site", "CAMP-00001") != campaign_lock_key("b.site", "CAMP-00001")


def test_one_holder_at_a_time(redis_client):
	k = key()
	first, second = ConversationLock(redis_client, k, 5), ConversationLock(redis_client, k, 5)
	assert first.acquire()
	assert not second.acquire()
	assert not second.acquire(wait=0.2)
	first.release()
	assert second.acquire()
	second.release()


def test_crashed_holder_lock_expires(redis_client):
	k = key()
	crashed = ConversationLock(redis_client, k, 0.5)
	assert crashed.acquire()  # and never releases
	waiter = ConversationLock(redis_client, k, 5)
	assert not waiter.acquire()
	time.sleep(0.6)
	assert waiter.acquire()
	# the crashed holder's late release does not free the new holder's lock
	crashed.release()
	assert redis_client.exists(k)
	assert waiter.held
	waiter.release()
	assert not redis_client.exists(k)


def test_mutual_exclusion_under_threads(redis_client):
	k = key()
	inside = []
	overlaps = []

	def worker():
		lock = ConversationLock(redis_client, k, 5)
		for _ in range(20):
			while not lock.acquire(wait=1):
				pass
			inside.append(1)
			if len(inside) > 1:
				overlaps.append(1)
			time.sleep(0.001)
			inside.pop()
			lock.release()

	threads = [threading.Thread(target=worker) for _ in range(4)]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	assert not overlaps


def test_a_lock_holds_the_token_its_caller_names(redis_client):
	# The webhook names its ingest lock's token, so the ready queue's offer can let it go.
	k = key()
	lock = ConversationLock(redis_client, k, 5)
	assert lock.acquire(token="named")
	assert redis_client.get(k) == b"named"
	assert not ConversationLock(redis_client, k, 5).acquire(wait=0.1, token="other")
	lock.release()
	assert redis_client.get(k) is None
