"""One send rate for every worker together, kept in Redis. Plain redis-py, no frappe.

Each send reserves the next free slot on a shared timeline (slots `1/rate` seconds apart)
and sleeps until it; Redis's own clock decides, so workers on several machines agree. A
rate-limit answer from WAPI pushes the timeline out and widens the slots for a while.
"""

from __future__ import annotations

import time

from redis import Redis

_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1]) * tonumber(redis.call('GET', KEYS[2]) or '1')
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', 600000)
return slot - now
"""

_PUSH_OUT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
	redis.call('SET', KEYS[1], string.format('%d', until_), 'PX', 600000)
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1
"""


def send_pace_key(site: str) -> str:
	# One WhatsApp number per site: every campaign of the site shares its rate.
	return f"{site}|yawlit_bot|campaign-send-pace"


class SendPacer:
	def __init__(self, client: Redis, key: str, rate: float):
		if rate <= 0:
			raise ValueError("rate must be positive")
		self.client = client
		self.keys = [key, f"{key}|slowdown"]
		self.interval_us = int(1_000_000 / rate)
		self._reserve = client.register_script(_RESERVE)
		self._push_out = client.register_script(_PUSH_OUT)

	def reserve(self) -> float:
		"""Take the next slot; returns the seconds to wait until it (0 when it is now)."""
		return int(self._reserve(keys=self.keys, args=[self.interval_us])) / 1_000_000

	def wait_turn(self, sleep=time.sleep) -> float:
		"""Take the next slot and sleep until it. Returns the seconds slept."""
		delay = self.reserve()
		if delay > 0:
			sleep(delay)
		return delay

	def back_off(self, pause: float = 2.0, factor: int = 2, for_seconds: int = 60) -> None:
		"""WAPI said "too many": nobody sends for `pause` seconds, then at 1/`factor` of the rate."""
		self._push_out(keys=self.keys, args=[int(pause * 1_000_000), factor, for_seconds])
