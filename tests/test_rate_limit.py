"""The shared send rate against a real Redis (127.0.0.1:6379), from several threads at once."""

import threading
import time
import uuid

import pytest
from redis import Redis

from yawlit_bot.services.outbound.rate_limit import SendPacer, send_pace_key


@pytest.fixture()
def redis_client():
	client = Redis(host="127.0.0.1", port=6379)
	client.ping()
	return client


def pacer(client, rate):
	return SendPacer(client, send_pace_key(f"engine-test-{uuid.uuid4().hex[:8]}.site"), rate)


def most_in_a_second(times: list[float]) -> int:
	"""The most of these (sorted) moments in any sliding second."""
	j = most = 0
	for i, t in enumerate(times):
		while times[j] <= t - 1:
			j += 1
		most = max(most, i - j + 1)
	return most


def test_key_carries_site():
	assert send_pace_key("a.site") != send_pace_key("b.site")
	assert send_pace_key("a.site").startswith("a.site|")


def test_rate_holds_across_workers(redis_client):
	"""Six workers sending as fast as they can for 1.5 s at 20/s send no more than 20/s."""
	shared = pacer(redis_client, 20)
	sent: list[float] = []
	lock = threading.Lock()
	stop_at = time.monotonic() + 1.5

	def worker():
		mine = SendPacer(redis_client, shared.keys[0], 20)  # each worker its own client object
		while True:
			mine.wait_turn()
			now = time.monotonic()
			if now > stop_at:
				return
			with lock:
				sent.append(now)

	threads = [threading.Thread(target=worker) for _ in range(6)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert 25 <= len(sent) <= 31  # 1.5 s x 20/s, +1 for the slot at time zero
	sent.sort()
	# No sliding second holds more than the rate.
	assert most_in_a_second(sent) <= 20


def test_a_sliding_second_never_holds_more_than_the_rate_while_the_rate_is_kept(redis_client):
	"""Three senders reserving as fast as they can for 3 s at 50/s: every sliding second holds at
	most 50 slots, and the slots come at 0.95 of the rate or better."""
	shared = pacer(redis_client, 50)
	slots: list[float] = []
	lock = threading.Lock()
	start = time.monotonic()

	def sender():
		mine = SendPacer(redis_client, shared.keys[0], 50)
		while True:
			at = time.monotonic() + mine.reserve()  # when its send may leave
			if at > start + 3:
				return
			with lock:
				slots.append(at)

	threads = [threading.Thread(target=sender) for _ in range(3)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	slots.sort()
	assert most_in_a_second(slots) <= 50
	rate = (len(slots) - 1) / (slots[-1] - slots[0])
	assert rate >= 0.95 * 50, rate


def test_first_send_does_not_wait(redis_client):
	assert pacer(redis_client, 10).reserve() == 0


def test_back_off_pauses_everyone_and_slows_down(redis_client):
	shared = pacer(redis_client, 100)
	shared.back_off(pause=0.5, factor=4, for_seconds=5)
	first = shared.reserve()
	second = shared.reserve()
	assert 0.4 <= first <= 0.5
	assert second - first == pytest.approx(0.04, abs=0.005)  # 1/100 s widened four times


def test_rate_must_be_positive(redis_client):
	with pytest.raises(ValueError):
		SendPacer(redis_client, "x", 0)
