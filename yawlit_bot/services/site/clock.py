"""Time as the business sees it: bookings are made in India's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from yawlit_bot.engine.fields import TIMEZONE

INDIA = ZoneInfo(TIMEZONE)


def today_in_india() -> date:
	return datetime.now(INDIA).date()


def now_in_india() -> datetime:
	"""India's wall-clock time, naive (slot times are naive India times)."""
	return datetime.now(INDIA).replace(tzinfo=None)
