"""After the booking: the reminders before the visit, the visit marked done, and the feedback
asked for after it. When each is due, what it says, what a tap or a typed rating means. The
services send them through the outbox, exactly once per booking and kind (`services/aftercare`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from yawlit_bot.engine.catalog import format_inr
from yawlit_bot.engine.indic import read_indic
from yawlit_bot.engine.replies import ListRow, ListSection, Reply, format_day

# ---------------------------------------------------------------- reminders

EVENING, MORNING = "evening", "morning"  # the evening before the visit, the morning of it
DEFAULT_EVENING_AT = time(18, 0)
DEFAULT_MORNING_AT = time(7, 0)
# Distinct from the summary's "Confirm": a tap on the reminder is never read as booking again.
CONFIRM_VISIT, RESCHEDULE = "Confirm visit", "Reschedule"
REMINDER_BUTTONS = (CONFIRM_VISIT, RESCHEDULE)
SKIPPED = "skipped: "  # the reminder field of a booking that will not get that reminder, and why


@dataclass(frozen=True)
class ReminderTimes:
	evening: time = DEFAULT_EVENING_AT
	morning: time | None = None  # None: no reminder on the morning itself


@dataclass(frozen=True)
class Visit:
	"""A confirmed booking, as its reminder needs it."""

	booking_id: str
	day: date
	slot: str
	starts_at: datetime
	booked_at: datetime
	first_name: str = ""
	service: str = ""
	address: str = ""
	total: int | None = None
	done: frozenset[str] = frozenset()  # reminder kinds sent or skipped already


def reminder_moments(visit: Visit, times: ReminderTimes) -> list[tuple[str, datetime]]:
	moments = [(EVENING, datetime.combine(visit.day - timedelta(days=1), times.evening))]
	if times.morning is not None:
		moments.append((MORNING, datetime.combine(visit.day, times.morning)))
	return sorted(moments, key=lambda moment: moment[1])


def reminder_due(visit: Visit, times: ReminderTimes, now: datetime) -> str | None:
	"""The reminder to send now, or None. Only the latest one due: after a site was down all
	evening, the morning's goes alone, not both at once; none once the slot has begun, and none
	whose moment had passed when the booking was made (its confirmation has just said it all)."""
	if now >= visit.starts_at:
		return None
	due = [kind for kind, at in reminder_moments(visit, times) if visit.booked_at <= at <= now]
	if not due or due[-1] in visit.done:
		return None
	return due[-1]


def reminder(visit: Visit, kind: str, today: date) -> Reply:
	when = "today" if visit.day == today else "tomorrow" if visit.day == today + timedelta(days=1) else "on"
	what = visit.service or "booking"
	lines = [
		f"Hi {visit.first_name}, a reminder: your {what} is {when} {format_day(str(visit.day))}, {visit.slot}."
		if visit.first_name
		else f"A reminder: your {what} is {when} {format_day(str(visit.day))}, {visit.slot}.",
	]
	if visit.address:
		lines.append(f"Address: {visit.address}")
	if visit.total:
		lines.append(f"Price: {format_inr(visit.total)}")
	lines.append(f"Booking {visit.booking_id}. Tap {CONFIRM_VISIT} if it suits you, or {RESCHEDULE} to pick another time.")
	return Reply("\n".join(lines), REMINDER_BUTTONS)


# The values a reminder template's {{1}}, {{2}}... may be filled with, in the settings' order.
TEMPLATE_SOURCES = ("first_name", "day", "slot", "service", "address", "price", "booking")
DEFAULT_TEMPLATE_SOURCES = ("first_name", "day", "slot")


def read_template_sources(text: str | None) -> tuple[str, ...]:
	"""'first_name, day, slot' from the settings, checked. Raises ValueError naming what is wrong."""
	sources = tuple(s.strip().lower() for s in re.split(r"[,\n]+", text or "") if s.strip())
	unknown = [s for s in sources if s not in TEMPLATE_SOURCES]
	if unknown:
		raise ValueError(f"Unknown template values: {', '.join(unknown)}. Use: {', '.join(TEMPLATE_SOURCES)}.")
	return sources or DEFAULT_TEMPLATE_SOURCES


def template_fields(sources: Sequence[str], values: Mapping[str, str]) -> dict[str, str]:
	"""WAPI's field_1, field_2... for a template; an empty value is sent as '-' (WhatsApp refuses
	an empty template parameter)."""
	return {f"field_{i}": (values.get(source) or "-")[:200] for i, source in enumerate(sources, start=1)}


def visit_values(visit: Visit) -> dict[str, str]:
	return {
		"first_name": visit.first_name,
		"day": format_day(str(visit.day)),
		"slot": visit.slot,
		"service": visit.service,
		"address": visit.address,
		"price": format_inr(visit.total) if visit.total else "",
		"booking": visit.booking_id,
	}


def reminder_tap(text: str | None) -> str | None:
	"""A reminder's button (or its title typed): CONFIRM_VISIT, RESCHEDULE, or None."""
	said = " ".join((text or "")[:40].split()).casefold()
	for title in REMINDER_BUTTONS:
		if said == title.casefold():
			return title
	return None


# A yes that answers a reminder ("haan, aa jaunga", "yes I will be there", "हाँ आ जाऊंगा"): yes
# words, with nothing beside them but words of coming.
_YES_WORDS = frozenset(
	"haan haa ha han hanji yes yeah yep ok okay okk confirm confirmed theek thik sure pakka done ji bilkul "
	"ठीक पक्का जी बिल्कुल".split()
)
_COMING_WORDS = frozenset(
	"aa aaunga aaungi aunga aungi jaunga jaungi jayenge aayenge raha rahe rahi hoon hu hun hain hai "
	"will be there come coming see you then i i'll ill we we'll "
	"आ आऊंगा आऊँगा आऊंगी जाऊंगा जाऊँगा जाऊंगी रहा रहे रही हूँ हूं हैं".split()
)
_WORD_GAP_RE = re.compile(r"[\s,.!;:]+")


def says_only_yes(text: str | None) -> bool:
	said = read_indic((text or "")[:80]).lower()
	if "?" in said or re.search(r"\d", said):
		return False
	words = [w for w in _WORD_GAP_RE.split(said) if any(ch.isalpha() for ch in w)]  # an emoji is no word
	return bool(words) and any(w in _YES_WORDS for w in words) and all(w in _YES_WORDS or w in _COMING_WORDS for w in words)


def no_upcoming_visit() -> Reply:
	return Reply("I could not find an upcoming booking of yours. Say hi to make a new one.")


def visit_confirmed(first_name: str, day: str, slot: str) -> Reply:
	who = f", {first_name}" if first_name else ""
	return Reply(f"Thank you{who}! See you on {format_day(day)}, {slot}.")


# ---------------------------------------------------------------- the visit done

COMPLETED, NO_SHOW = "Completed", "No-show"
VISIT_OUTCOMES = (COMPLETED, NO_SHOW)


def visit_outcome_problem(status: str, outcome: str, day: date, today: date) -> str | None:
	"""Why a booking cannot be marked `outcome` now (None: it can)."""
	if outcome not in VISIT_OUTCOMES:
		return f"A visit is marked {COMPLETED} or {NO_SHOW}, not {outcome}."
	if status == outcome:
		return None  # marked already: nothing changes
	if status != "Confirmed":
		return f"Only a confirmed booking can be marked {outcome}; this one is {status}."
	if day > today:
		return f"The visit is on {format_day(str(day))}: it can be marked {outcome} from that day."
	return None


# Today's to-do, as the day plan and the workspace show it.
UPCOMING, IN_PROGRESS, DONE = "upcoming", "in progress", "done"
TODO_GROUPS = (UPCOMING, IN_PROGRESS, DONE, "no-show")


def todo_group(status: str, starts_at: datetime | None, now: datetime) -> str | None:
	"""Where a booking of today stands: to come, under way, done or a no-show (None: cancelled)."""
	if status == COMPLETED:
		return DONE
	if status == NO_SHOW:
		return "no-show"
	if status != "Confirmed":
		return None
	# begun and not yet marked done: under way (staff mark it when the crew is back)
	return IN_PROGRESS if starts_at and starts_at <= now else UPCOMING


def reminder_status(stored: str | None, send_status: str | None, confirmed: bool) -> str:
	"""A booking's reminder as staff read it: not yet, queued, sent, delivered, read, skipped
	(and why), or confirmed by the customer."""
	if confirmed:
		return "Confirmed by the customer"
	if not stored:
		return "Not yet"
	if stored.startswith(SKIPPED):
		return "Skipped: " + stored[len(SKIPPED) :]
	return send_status or "Queued"


def average_rating(ratings: Sequence[int]) -> float | None:
	rated = [r for r in ratings if r and 1 <= r <= 5]
	return round(sum(rated) / len(rated), 1) if rated else None


# ---------------------------------------------------------------- feedback

RATE_ROW = "rate:"  # a row of the rating list: "rate:WA-BKG-0001|4"
RATE, COMMENT = "rate", "comment"  # the question pending on the conversation: "rate:<booking>"
DEFAULT_FEEDBACK_DELAY_MINUTES = 60
FEEDBACK_MAX_AGE = timedelta(days=3)  # later than this after the visit, no request is sent
LOW_RATING = 2  # this or less: a person looks at it
RATING_TITLES = {5: "Excellent", 4: "Good", 3: "Okay", 2: "Poor", 1: "Very poor"}


def feedback_due(completed_at: datetime, now: datetime, delay_minutes: int) -> bool:
	due_at = completed_at + timedelta(minutes=max(delay_minutes, 0))
	return due_at <= now < completed_at + FEEDBACK_MAX_AGE


def feedback_request(booking_id: str, first_name: str = "", service: str = "") -> Reply:
	who = f" {first_name}" if first_name else ""
	what = service or "service"
	rows = tuple(
		ListRow(f"{RATE_ROW}{booking_id}|{n}", f"{n} - {RATING_TITLES[n]}", "⭐" * n) for n in sorted(RATING_TITLES, reverse=True)
	)
	body = f"Hi{who}, thank you for choosing us for your {what} ({booking_id}). How was it? Please rate it from 1 to 5 (5 is best)."
	return Reply(body, sections=(ListSection("Your rating", rows),), list_button="Rate us")


_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ek": 1, "teen": 3, "char": 4, "chaar": 4, "paanch": 5, "panch": 5}
_RATING_RE = re.compile(r"([1-5])(?:\s*(?:/\s*5|out\s+of\s+5|stars?|⭐+))?[\s.!]*", re.I)


def read_rating(text: str | None, button_id: str | None, booking_id: str) -> int | None:
	"""A rating for `booking_id`: its list row, "4", "4/5", "4 stars", "⭐⭐⭐⭐", "four", "paanch".
	Only a message that is a rating and nothing else (a sentence with a number in it is not)."""
	row = (button_id or "").strip()
	if row.startswith(RATE_ROW):
		booking, _, n = row[len(RATE_ROW) :].partition("|")
		return int(n) if booking == booking_id and n in ("1", "2", "3", "4", "5") else None
	said = read_indic((text or "")[:40]).strip()  # "५" is 5
	match = _RATING_RE.fullmatch(said)
	if match:
		return int(match.group(1))
	stars = said.replace("\ufe0f", "").replace(" ", "")
	if stars and set(stars) == {"⭐"} and len(stars) <= 5:
		return len(stars)
	word = said.casefold().rstrip(".!")
	for suffix in (" stars", " star"):
		word = word.removesuffix(suffix)
	return _WORDS.get(word)


def rating_reply(rating: int, first_name: str = "") -> Reply:
	who = f", {first_name}" if first_name else ""
	if rating <= LOW_RATING:
		return Reply(
			f"We are sorry it was not good{who}. A person from our team will get in touch. "
			"If you like, tell us what went wrong."
		)
	if rating == 3:
		return Reply(f"Thank you{who}. What could we do better? (optional: just write it here)")
	return Reply(f"Thank you{who}, glad you liked it! Anything you would like to add? (optional)")


def low_rating_reason(booking_id: str, rating: int) -> str:
	return f"The customer rated {booking_id} {rating}/5."


_NO_COMMENT_RE = re.compile(r"^\s*(?:no|nope|nahi|nahin|nhi|na|nothing|kuch\s+nahi|skip|no\s+thanks?|nothing\s+else)\s*[.!]*\s*$", re.I)


def is_no_comment(text: str | None) -> bool:
	return bool(_NO_COMMENT_RE.match((text or "")[:40]))


def comment_thanks() -> Reply:
	return Reply("Thank you, we have noted it.")


def pending_question(kind: str, booking_id: str) -> str:
	return f"{kind}:{booking_id}"
