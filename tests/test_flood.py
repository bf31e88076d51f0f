"""Reply throttling for a customer flooding the bot (engine/flood.py)."""

from yawlit_bot.engine import replies
from yawlit_bot.engine.flood import DEFAULT_REPLY_LIMIT, throttle_replies

ASK = replies.Reply("What is your name?")
BOOKED = replies.booking_confirmed("YB-1", {"first_name": "Ravi"})


def test_under_the_limit_everything_goes():
	result = throttle_replies([ASK], recent_replies=3, limit=10)
	assert result.send == [ASK] and result.held_back == 0


def test_the_reply_that_reaches_the_limit_becomes_one_notice():
	result = throttle_replies([ASK], recent_replies=10, limit=10)
	assert result.send == [replies.slow_down()]
	assert result.held_back == 1


def test_past_the_limit_nothing_goes_not_even_the_notice_again():
	result = throttle_replies([ASK, ASK], recent_replies=11, limit=10)
	assert result.send == [] and result.held_back == 2


def test_a_booking_confirmation_always_goes():
	result = throttle_replies([BOOKED], recent_replies=50, limit=10, essential=[BOOKED])
	assert result.send == [BOOKED] and result.held_back == 0
	at_limit = throttle_replies([ASK, BOOKED], recent_replies=10, limit=10, essential=[BOOKED])
	assert at_limit.send == [replies.slow_down(), BOOKED] and at_limit.held_back == 1


def test_a_missing_or_silly_limit_falls_back_to_a_sane_one():
	assert throttle_replies([ASK], recent_replies=DEFAULT_REPLY_LIMIT - 1, limit=0).send == [ASK]
	assert throttle_replies([ASK], recent_replies=5, limit=-3).held_back == 1
