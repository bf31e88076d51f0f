"""A typed time lands in the business's slot that holds it, whatever the slot length; a part of
the day offers that part's free slots; a time that does not fit keeps the date; closed and full
days are said plainly with the next open day's slots (issue 22)."""

from datetime import time

import pytest

from yawlit_bot.engine.catalog import Schedule, in_day_part, nearest_slots, schedule_slots, slot_holding
from yawlit_bot.engine.dates import find_day_part, parse_start_time
from yawlit_bot.engine.indic import read_indic
from yawlit_bot.testing.slot_eval import load, run


@pytest.mark.parametrize(
	"said,start",
	[
		("10 baje", time(10, 0)),
		("10:30", time(10, 30)),
		("saade das", time(10, 30)),
		("saade das baje", time(10, 30)),
		("sham 5 baje", time(17, 0)),
		("sawa 9 baje", time(9, 15)),
		("paune 11", time(10, 45)),
		("dhai baje", time(14, 30)),
		("half past 10", time(10, 30)),
		("gyarah baje", time(11, 0)),
		("साढ़े दस बजे", time(10, 30)),
		("दस बजे", time(10, 0)),
		("kal do baje", time(14, 0)),
	],
)
def test_a_time_as_said_keeps_its_minutes(said, start):
	assert parse_start_time(read_indic(said)) == start


@pytest.mark.parametrize("said", ["kar do please", "no 5 MG road", "do gaadi hai", "das din baad"])
def test_words_that_are_no_time_are_not_read_as_one(said):
	assert parse_start_time(read_indic(said)) is None


@pytest.mark.parametrize(
	"said,part",
	[
		("kal subah", "Morning"),
		("dopahar mein", "Afternoon"),
		("evening", "Evening"),
		("after 4", "after 16:00"),
		("4 baje ke baad", "after 16:00"),
		("good morning, kal", None),
		("kal subah 10 baje", None),  # an hour said: the slot, not a part of the day
	],
)
def test_parts_of_the_day(said, part):
	assert find_day_part(said) == part


@pytest.mark.parametrize(
	"minutes,said,slot",
	[
		(30, time(10, 0), "10:00-10:30"),
		(30, time(10, 30), "10:30-11:00"),
		(60, time(10, 30), "10:00-11:00"),
		(90, time(10, 0), "09:00-10:30"),
		(90, time(10, 30), "10:30-12:00"),
		(90, time(17, 0), "16:30-18:00"),
		(120, time(11, 0), "10:00-12:00"),
		(120, time(18, 0), None),  # past closing
		(120, time(5, 0), None),  # before opening
	],
)
def test_a_time_lands_in_the_slot_that_holds_it(minutes, said, slot):
	assert slot_holding(schedule_slots(Schedule(slot_minutes=minutes)), said) == slot


def test_the_nearest_free_slots_are_offered_in_time_order():
	free = schedule_slots(Schedule(slot_minutes=60))
	assert nearest_slots(free, time(10, 0), 3) == ("09:00-10:00", "10:00-11:00", "11:00-12:00")
	assert in_day_part(free, "after 16:00") == ("16:00-17:00", "17:00-18:00")


@pytest.mark.parametrize("name", ["slot_dialogues.jsonl", "heldout_slot_dialogues.jsonl"])
def test_the_labelled_slot_dialogues_are_all_right(name):
	"""Every slot length, Hinglish and Devanagari times, full slots, full and closed days, the
	time changed after the summary: the first set 0.46 jointly before; the held-out set,
	written apart from the rules, 0.91 on its first run (its three misses fixed since)."""
	wrong = [(r.id, r.problems) for r in map(run, load(name))]
	wrong = [w for w in wrong if w[1]]
	assert not wrong, wrong
	assert len(load(name)) >= 40
