"""Reply throttling for a customer who floods the bot.

Every message is still stored and read (its booking details are kept); only the replies are
held back once a customer has had `limit` replies within the window. The reply that crosses
the limit becomes one notice, so the customer knows why the bot went quiet; a booking
confirmation always goes out, because it carries the booking id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yawlit_bot.engine.replies import Reply, slow_down

FLOOD_WINDOW_SECONDS = 60
DEFAULT_REPLY_LIMIT = 10  # replies per customer per window; a booking takes about eight


@dataclass(frozen=True)
class Throttled:
	send: list[Reply]
	held_back: int  # replies not sent


def throttle_replies(
	replies: Sequence[Reply], recent_replies: int, limit: int, essential: Sequence[Reply] = ()
) -> Throttled:
	"""`recent_replies`: replies this customer got within the window, before this turn.
	`essential` replies (a subset of `replies`) are sent whatever the count."""
	limit = max(int(limit or DEFAULT_REPLY_LIMIT), 1)
	if recent_replies < limit:
		return Throttled(list(replies), 0)
	keep = [reply for reply in replies if reply in essential]
	notice = [slow_down()] if recent_replies == limit else []
	return Throttled(notice + keep, len(replies) - len(keep))
