"""When drain jobs stand aside for a flood of webhooks."""

from yawlit_bot.engine.ingest_first import (
	BUSY_STORES,
	MAX_PAUSE_SECONDS,
	SLOW_MS,
	IngestSecond,
	flooding,
	keep_standing_aside,
)

QUIET = IngestSecond(0, 0.0)
FLOOD = IngestSecond(150, 150 * 40.0)


def test_a_webhook_answering_in_time_never_makes_the_turns_wait():
	assert not flooding(QUIET, QUIET, was_flooding=False)
	quick = IngestSecond(200, 200 * 8.0)  # 200 stores a second at 8 ms each
	assert not flooding(quick, quick, was_flooding=False)


def test_a_few_customers_bursting_is_not_a_flood_however_slow():
	burst = IngestSecond(20, 20 * 90.0)
	assert not flooding(burst, burst, was_flooding=False)
	almost = IngestSecond(BUSY_STORES - 1, 2000.0 * BUSY_STORES)
	assert not flooding(almost, almost, was_flooding=True)


def test_many_slow_stores_start_a_flood():
	assert flooding(IngestSecond(BUSY_STORES, BUSY_STORES * (SLOW_MS + 1)), QUIET, was_flooding=False)


def test_a_flood_that_begins_is_seen_before_its_first_second_is_over():
	assert flooding(QUIET, IngestSecond(BUSY_STORES, BUSY_STORES * 30.0), was_flooding=False)
	assert not flooding(QUIET, IngestSecond(10, 10 * 30.0), was_flooding=False), "a few slow stores so far"


def test_a_flood_lasts_while_the_stores_keep_coming_even_once_they_are_quick_again():
	quick_and_many = IngestSecond(150, 150 * 6.0)  # quick because the turns stood aside
	assert flooding(quick_and_many, QUIET, was_flooding=True)
	assert not flooding(quick_and_many, QUIET, was_flooding=False)
	few = IngestSecond(10, 10 * 6.0)
	assert not flooding(few, few, was_flooding=True), "the flood is over"


def test_a_job_stands_aside_only_so_long_before_a_turn():
	assert flooding(FLOOD, QUIET, was_flooding=False)
	assert keep_standing_aside(True, paused_seconds=0)
	assert keep_standing_aside(True, paused_seconds=MAX_PAUSE_SECONDS - 0.01)
	assert not keep_standing_aside(True, paused_seconds=MAX_PAUSE_SECONDS)
	few = IngestSecond(5, 50.0)
	assert not keep_standing_aside(flooding(few, few, was_flooding=True), paused_seconds=0)
