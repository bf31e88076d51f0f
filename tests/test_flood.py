"""Reply throttling for a customer flooding the bot (engine/flood.py)."""

from yawlit_bot.engine import replies
from yawlit_bot.engine.flood import DEFAULT_REPLY_LIMIT, throttle_replies

ASK = replies.Reply("What is your name?")
BOOKED = replies.booking_confirmed("YB-1", {"first_name": "Ravi"})
STOPPED = replies.opted_out()


def test_up_to_the_limit_everything_goes():
	result = throttle_replies([ASK], messages_in_window=10, limit=10)
	assert result.send == [ASK] and result.held_back == 0


def test_the_first_message_over_the_limit_gets_one_notice():
	result = throttle_replies([ASK], messages_in_window=11, limit=10)
	assert result.send == [replies.slow_down()]
	assert result.held_back == 1


def test_further_messages_get_nothing_not_even_the_notice_again():
	result = throttle_replies([ASK, ASK], messages_in_window=12, limit=10)
	assert result.send == [] and result.held_back == 2


def test_a_booking_confirmation_always_goes():
	result = throttle_replies([BOOKED], messages_in_window=50, limit=10, essential=[BOOKED])
	assert result.send == [BOOKED] and result.held_back == 0
	at_limit = throttle_replies([ASK, BOOKED], messages_in_window=11, limit=10, essential=[BOOKED])
	assert at_limit.send == [replies.slow_down(), BOOKED] and at_limit.held_back == 1


def test_stop_is_answered_without_a_notice_even_in_a_flood():
	assert throttle_replies([STOPPED], messages_in_window=11, limit=10, essential=[STOPPED]).send == [STOPPED]


def test_a_missing_or_silly_limit_falls_back_to_a_sane_one():
	assert throttle_replies([ASK], messages_in_window=DEFAULT_REPLY_LIMIT, limit=0).send == [ASK]
	assert throttle_replies([ASK], messages_in_window=5, limit=-3).held_back == 1


def test_a_booking_confirmation_and_opt_answers_are_essential_by_themselves():
	from yawlit_bot.engine.replies import booking_confirmed, opted_in, opted_out

	booked = booking_confirmed("BK-1", {"service_type": "Basic Wash"})
	result = throttle_replies([booked, opted_out(), opted_in()], messages_in_window=50, limit=10)
	assert result.send == [booked, opted_out(), opted_in()]
	assert result.held_back == 0
