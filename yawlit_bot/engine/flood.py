"""Reply throttling for a customer who floods the bot.

Every message is still stored and read (its booking details are kept); only the replies are
held back while the customer writes faster than `limit` messages a minute. What counts is
when the customer's messages arrived, never when they were processed: a backlog after an
outage is answered in full. The first message over the limit is answered with one notice,
so the customer knows why the bot went quiet; essential replies (a booking confirmation,
the answer to STOP / START) always go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yawlit_bot.engine.replies import Reply, slow_down

FLOOD_WINDOW_SECONDS = 60
DEFAULT_REPLY_LIMIT = 10  # messages per customer per window that are answered; a booking takes about eight


@dataclass(frozen=True)
class Throttled:
	send: list[Reply]
	held_back: int  # replies not sent


def throttle_replies(
	replies: Sequence[Reply], messages_in_window: int, limit: int, essential: Sequence[Reply] = ()
) -> Throttled:
	"""`messages_in_window`: the customer's messages that arrived in the window ending with
	this one, this one included. Essential replies (`Reply.essential`, or listed in
	`essential`) always go."""
	limit = max(int(limit or DEFAULT_REPLY_LIMIT), 1)
	kept = [reply for reply in replies if reply.essential or reply in essential]
	if messages_in_window <= limit or len(kept) == len(replies):
		return Throttled(list(replies), 0)
	keep = kept
	notice = [slow_down()] if messages_in_window == limit + 1 else []
	return Throttled(notice + keep, len(replies) - len(keep))
