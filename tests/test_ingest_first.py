"""When drain jobs stand aside for a flood of webhooks."""

from yawlit_bot.engine.ingest_first import (
	BUSY_STORES_PER_SECOND,
	MAX_PAUSE_SECONDS,
	MIN_BUSY_STORES,
	QUIET,
	SLOW_MS,
	TENTHS_KEPT,
	IngestWindow,
	flooding,
	keep_standing_aside,
	windows,
)

FLOOD = IngestWindow(150, 150 * 40.0)


def test_a_webhook_answering_in_time_never_makes_the_turns_wait():
	assert not flooding(QUIET, QUIET, was_flooding=False)
	quick = IngestWindow(200, 200 * 8.0)  # 200 stores a second at 8 ms each
	assert not flooding(quick, IngestWindow(40, 40 * 8.0, 0.2), was_flooding=False)


def test_a_few_customers_bursting_is_not_a_flood_however_slow():
	burst = IngestWindow(20, 20 * 90.0)
	assert not flooding(burst, QUIET, was_flooding=False)
	almost = IngestWindow(BUSY_STORES_PER_SECOND - 1, 2000.0 * BUSY_STORES_PER_SECOND)
	assert not flooding(almost, QUIET, was_flooding=True)
	# one customer's ten messages at once, each waiting for the one before: fast, slow, no flood
	ten_at_once = IngestWindow(10, 10 * 30.0, 0.12)
	assert MIN_BUSY_STORES > 10
	assert not flooding(IngestWindow(10, 300.0), ten_at_once, was_flooding=False)


def test_many_slow_stores_in_a_second_start_a_flood():
	slow_second = IngestWindow(BUSY_STORES_PER_SECOND, BUSY_STORES_PER_SECOND * (SLOW_MS + 1))
	assert flooding(slow_second, QUIET, was_flooding=False)


def test_a_flood_that_begins_is_seen_within_a_fifth_of_a_second():
	# 200 a second from nothing: 30 slow stores in the last 0.15 s, the whole second behind quiet
	assert flooding(QUIET, IngestWindow(30, 30 * 13.0, 0.15), was_flooding=False)
	assert not flooding(QUIET, IngestWindow(5, 5 * 30.0, 0.15), was_flooding=False), "a few slow stores so far"
	assert not flooding(QUIET, IngestWindow(30, 30 * 4.0, 0.15), was_flooding=False), "many, but quick"


def test_a_flood_lasts_while_the_stores_keep_coming_even_once_they_are_quick_again():
	quick_and_many = IngestWindow(150, 150 * 6.0)  # quick because the turns stood aside
	assert flooding(quick_and_many, QUIET, was_flooding=True)
	assert not flooding(quick_and_many, QUIET, was_flooding=False)
	few = IngestWindow(10, 10 * 6.0)
	assert not flooding(few, IngestWindow(2, 12.0, 0.15), was_flooding=True), "the flood is over"


def test_the_windows_are_the_last_whole_second_and_the_last_tenth_or_two():
	tenths = [(100, 100.0)] + [(n, n * 10.0) for n in range(1, 11)]  # oldest first, current last
	assert len(tenths) == TENTHS_KEPT
	second, lately = windows(tenths, into_current=0.05)
	assert second == IngestWindow(100 + 45, 100.0 + 450.0, 1.0), "the ten whole tenths before the current"
	assert (lately.stores, lately.total_ms) == (19, 190.0)
	assert abs(lately.seconds - 0.15) < 1e-9
	assert windows(tenths[1:], 0.05) == (QUIET, QUIET), "a figure missing reads as quiet"
	# a rate is a rate: the same stores over a longer span are less busy
	assert IngestWindow(MIN_BUSY_STORES, 0.0, 0.2).busy
	assert not IngestWindow(MIN_BUSY_STORES, 0.0, 1.0).busy


def test_a_job_stands_aside_only_so_long_before_a_turn():
	assert flooding(FLOOD, QUIET, was_flooding=False)
	assert keep_standing_aside(True, paused_seconds=0)
	assert keep_standing_aside(True, paused_seconds=MAX_PAUSE_SECONDS - 0.01)
	assert not keep_standing_aside(True, paused_seconds=MAX_PAUSE_SECONDS)
	few = IngestWindow(5, 50.0)
	assert not keep_standing_aside(flooding(few, few, was_flooding=True), paused_seconds=0)
