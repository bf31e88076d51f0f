"""One send rate for every worker together, kept in Redis. Plain redis-py, no frappe.

Each send reserves the next free slot on a shared timeline (slots `1/rate` seconds apart)
and sleeps until it; Redis's own clock decides, so workers on several machines agree. A
rate-limit answer from WAPI pushes the timeline out and widens the slots for a while.

Slots `1/rate` apart alone let a sliding second hold `rate + 1` sends (a window starting on a
slot), and a sender that fell behind reserves "now", so jitter between senders could squeeze
more in. So the last `rate` slots are kept too, and a new slot is never less than
`WINDOW_SECONDS` after the one `rate` places back: any `rate + 1` consecutive sends span more
than a second, measured where WhatsApp counts them. The margin covers the milliseconds
between a slot and the request reaching WAPI, which vary from send to send on a busy machine:
10 ms let 21 sends into one second of a 10,000-recipient run at 20/s; 25 ms costs about 1.5%
of the rate.
"""

from __future__ import annotations

import time

from redis import Redis

WINDOW_SECONDS = 1.025  # a sliding second, and 25 ms for the way from the slot to WAPI

_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local factor = tonumber(redis.call('GET', KEYS[2]) or '1')
local interval = tonumber(ARGV[1]) * factor
local per_window = math.max(1, math.floor(tonumber(ARGV[2]) / factor))
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
if redis.call('LLEN', KEYS[3]) >= per_window then
	local back = tonumber(redis.call('LINDEX', KEYS[3], per_window - 1))
	slot = math.max(slot, back + tonumber(ARGV[3]))
end
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', 600000)
redis.call('LPUSH', KEYS[3], string.format('%d', slot))
redis.call('LTRIM', KEYS[3], 0, per_window - 1)
redis.call('PEXPIRE', KEYS[3], 600000)
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
		self.keys = [key, f"{key}|slowdown", f"{key}|recent"]
		self.interval_us = int(1_000_000 / rate)
		self.per_window = max(1, int(rate))  # sends allowed in any sliding second
		self.window_us = int(WINDOW_SECONDS * 1_000_000)
		self._reserve = client.register_script(_RESERVE)
		self._push_out = client.register_script(_PUSH_OUT)

	def reserve(self) -> float:
		"""Take the next slot; returns the seconds to wait until it (0 when it is now)."""
		return int(self._reserve(keys=self.keys, args=[self.interval_us, self.per_window, self.window_us])) / 1_000_000

	def wait_turn(self, sleep=time.sleep) -> float:
		"""Take the next slot and sleep until it. Returns the seconds slept."""
		delay = self.reserve()
		if delay > 0:
			sleep(delay)
		return delay

	def back_off(self, pause: float = 2.0, factor: int = 2, for_seconds: int = 60) -> None:
		"""WAPI said "too many": nobody sends for `pause` seconds, then at 1/`factor` of the rate."""
		self._push_out(keys=self.keys[:2], args=[int(pause * 1_000_000), factor, for_seconds])
