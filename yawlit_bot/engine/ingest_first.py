"""The webhook's ack before the turns: when drain jobs stand aside for a flood of webhooks.

On a small machine the turns' CPU and queries are what slow the webhook, and its ack matters
more than a reply a moment sooner: WAPI never retries a delivery it timed out on. A flood is a
second (the last whole one, or the current one so far) with many stores (`BUSY_STORES`) that
took longer than `SLOW_MS` on average: the webhook is short of the machine. Once a drain job
has seen one, it stays out of the way for as long as the stores keep coming that fast, even
when they have become quick again (standing aside is what made them quick), and it runs no
turn while the flood lasts, up to `MAX_PAUSE_SECONDS` at a time: a flood that never ends still
gets a turn from each worker that often, so no customer waits for ever. A webhook that answers
in time never makes a job stand aside, so on a machine that keeps up, the turns keep pace with
any load.
"""

from __future__ import annotations

from dataclasses import dataclass

SLOW_MS = 10  # a store takes 3-5 ms on an idle machine, and 4-6 ms beside running turns
BUSY_STORES = 40  # a second's stores; customers conversing, bursts and all, stay well under it
PAUSE_SLICE_SECONDS = 0.2  # how often a standing-aside job looks at the last second again
MAX_PAUSE_SECONDS = 2.0


@dataclass(frozen=True)
class IngestSecond:
	"""The webhook stores of one second (or of the current one so far): how many, and their
	milliseconds together."""

	stores: int
	total_ms: float

	@property
	def busy(self) -> bool:
		return self.stores >= BUSY_STORES

	@property
	def slow(self) -> bool:
		return self.stores > 0 and self.total_ms / self.stores > SLOW_MS


def flooding(last: IngestSecond, current: IngestSecond, was_flooding: bool) -> bool:
	"""Whether the webhook is flooded now, given the last whole second, the current one so far
	(a flood that begins is seen within a fraction of a second, not a second late) and whether
	it was flooded before."""
	busy = [second for second in (last, current) if second.busy]
	return bool(busy) and (was_flooding or any(second.slow for second in busy))


def keep_standing_aside(flooded: bool, paused_seconds: float) -> bool:
	"""Whether a drain job pauses one more slice before its next turn."""
	return flooded and paused_seconds < MAX_PAUSE_SECONDS
