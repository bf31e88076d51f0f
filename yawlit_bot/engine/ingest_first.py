"""The webhook's ack before the turns: when drain jobs stand aside for a flood of webhooks.

On a small machine the turns' CPU and queries are what slow the webhook, and its ack matters
more than a reply a moment sooner: WAPI never retries a delivery it timed out on. The webhook's
stores are counted by tenths of a second. A flood is a window with many stores that took
longer than `SLOW_MS` on average: the webhook is short of the machine. Two windows are looked
at: the last whole second, and lately (the last whole tenth and the current one so far), so a
flood that begins is seen within a tenth or two of a second rather than after its first second,
before the turns started meanwhile have queued the first hundred acks behind them. Once a drain
job has seen one, it stays out of the way for as long as the stores keep coming that fast, even
when they have become quick again (standing aside is what made them quick), and it runs no turn
while the flood lasts, up to `MAX_PAUSE_SECONDS` at a time: a flood that never ends still gets
a turn from each worker that often, so no customer waits for ever. A webhook that answers in
time never makes a job stand aside, so on a machine that keeps up, the turns keep pace with any
load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SLOW_MS = 10  # a store takes 3-5 ms on an idle machine, and 4-6 ms beside running turns
BUSY_STORES_PER_SECOND = 40  # customers conversing, bursts and all, stay well under it
# Fewer stores than this are no flood however fast they came: one customer's burst of ten
# messages at once is quick to pass. (Its stores wait in line for the sender's ingest lock;
# the webhook leaves that wait out of the time it counts, so the burst is not slow either.)
MIN_BUSY_STORES = 20
TENTH_SECONDS = 0.1
TENTHS_KEPT = 11  # the current tenth and the ten before it: a whole second behind it
PAUSE_SLICE_SECONDS = 0.2  # how often a standing-aside job looks at the windows again
MAX_PAUSE_SECONDS = 2.0


@dataclass(frozen=True)
class IngestWindow:
	"""The webhook stores counted over a span of time: how many, their milliseconds together,
	and the span."""

	stores: int
	total_ms: float
	seconds: float = 1.0

	@property
	def busy(self) -> bool:
		return self.stores >= MIN_BUSY_STORES and self.stores >= BUSY_STORES_PER_SECOND * self.seconds

	@property
	def slow(self) -> bool:
		return self.stores > 0 and self.total_ms / self.stores > SLOW_MS


QUIET = IngestWindow(0, 0.0)


def windows(tenths: Sequence[tuple[int, float]], into_current: float) -> tuple[IngestWindow, IngestWindow]:
	"""The last whole second and lately, from the stores of each tenth of a second, oldest
	first, the last one the current tenth (`into_current` seconds of it gone). Fewer tenths
	than kept (a figure missing) read as quiet."""
	if len(tenths) < TENTHS_KEPT:
		return QUIET, QUIET
	whole = tenths[-TENTHS_KEPT:-1]
	second = IngestWindow(sum(n for n, _ in whole), sum(ms for _, ms in whole), 1.0)
	recent = tenths[-2:]
	lately = IngestWindow(
		sum(n for n, _ in recent),
		sum(ms for _, ms in recent),
		TENTH_SECONDS + min(max(into_current, 0.0), TENTH_SECONDS),
	)
	return second, lately


def flooding(second: IngestWindow, lately: IngestWindow, was_flooding: bool) -> bool:
	"""Whether the webhook is flooded now, given the last whole second, lately (a flood that
	begins is seen within a fraction of a second) and whether it was flooded before."""
	busy = [window for window in (second, lately) if window.busy]
	return bool(busy) and (was_flooding or any(window.slow for window in busy))


def keep_standing_aside(flooded: bool, paused_seconds: float) -> bool:
	"""Whether a drain job pauses one more slice before its next turn."""
	return flooded and paused_seconds < MAX_PAUSE_SECONDS
