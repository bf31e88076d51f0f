"""Marketing opt-out: STOP and START, as WhatsApp users expect them.

Only a message that is nothing but the word counts (trailing punctuation and case aside),
or the opt-out quick-reply button of a marketing template. A sentence that merely contains
"stop", or "band karo" inside a booking, is not an opt-out: that is the booking's business.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the webhook reads commands on every delivery; only a turn needs the replies
	from yawlit_bot.engine import replies


class OptCommand(str, enum.Enum):
	STOP = "stop"
	START = "start"


_WORDS: dict[str, OptCommand] = {
	"stop": OptCommand.STOP,
	"unsubscribe": OptCommand.STOP,
	"start": OptCommand.START,
}
# Ids and titles a template's opt-out quick reply may carry (WhatsApp's own is "Stop promotions").
_BUTTONS: dict[str, OptCommand] = {
	**_WORDS,
	"stop promotions": OptCommand.STOP,
	"stop_promotions": OptCommand.STOP,
	"opt out": OptCommand.STOP,
	"opt_out": OptCommand.STOP,
	"optout": OptCommand.STOP,
	"resume promotions": OptCommand.START,
	"opt_in": OptCommand.START,
}


def _bare(text: str | None) -> str:
	return re.sub(r"[\s.!?,;:'\"]+$", "", (text or "").strip()).strip().lower()


def read_opt_command(text: str | None, button_id: str | None = None) -> OptCommand | None:
	"""STOP or START when the message is only that (or the template's opt-out button), else None."""
	if button_id:  # a tapped button: its id, else its title (WAPI copies it into the text)
		return _BUTTONS.get(_bare(button_id)) or _BUTTONS.get(_bare(text))
	return _WORDS.get(_bare(text))


@dataclass(frozen=True)
class OptDecision:
	"""What a STOP or START does for one number."""

	opted_out: bool  # the number's state afterwards (its pending campaign rows follow it)
	write_record: bool  # the opt-out record is created or changes (a repeated STOP keeps the first)
	reply: replies.Reply


def decide_opt_command(command: OptCommand, opted_out_now: bool, has_record: bool) -> OptDecision | None:
	"""STOP opts out (again: same answer, the record keeps its first time); START undoes an
	opt-out. None for a START from a number that never opted out: an ordinary message then."""
	from yawlit_bot.engine import replies

	stop = command is OptCommand.STOP
	if not stop and not opted_out_now:
		return None
	return OptDecision(
		opted_out=stop,
		write_record=not has_record or opted_out_now != stop,
		reply=replies.opted_out() if stop else replies.opted_in(),
	)
