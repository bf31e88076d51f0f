"""The webhook's ack before the turns: how long a drain job pauses while the webhook is slow.

On a small machine the turns' CPU and queries are what slow the webhook, and its ack matters
more than a reply a moment sooner: WAPI never retries a delivery it timed out on. So while the
webhook's stores took longer than `SLOW_MS` on average in the last whole second, a drain job
pauses before each turn, longer the slower they were. A webhook that answers in time is never
slowed by it, so the turns keep pace with any load the webhook keeps up with.
"""

from __future__ import annotations

SLOW_MS = 15  # a store takes under 10 ms on an idle machine
SECONDS_PER_SLOW_MS = 0.01  # 25 ms on average: a 0.1 s pause
MAX_SECONDS = 0.25
BUSY_STORES = 40  # a second's stores; customers conversing, bursts and all, stay well under it


def yield_seconds(stores: int, total_ms: float) -> float:
	"""The pause before the next turn, given the last second's webhook stores and their time."""
	if stores < BUSY_STORES:
		return 0.0
	slow_by = total_ms / stores - SLOW_MS
	return min(MAX_SECONDS, slow_by * SECONDS_PER_SLOW_MS) if slow_by > 0 else 0.0
