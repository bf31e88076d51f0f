"""The drain jobs' pause while the webhook is slow."""

from yawlit_bot.engine.ingest_first import MAX_SECONDS, yield_seconds


def test_a_webhook_answering_in_time_never_slows_the_turns():
	assert yield_seconds(0, 0) == 0
	assert yield_seconds(200, 200 * 8.0) == 0  # 200 stores a second at 8 ms each
	assert yield_seconds(20, 20 * 90.0) == 0  # a burst of a few customers' messages: not a flood


def test_the_slower_the_webhook_the_longer_the_pause_up_to_a_bound():
	assert yield_seconds(50, 50 * 25.0) == 0.1
	assert 0 < yield_seconds(50, 50 * 18.0) < yield_seconds(50, 50 * 30.0) < MAX_SECONDS
	assert yield_seconds(60, 60 * 2000.0) == MAX_SECONDS
