"""Dates and time slots from Indian English and Hinglish."""

from __future__ import annotations

from datetime import date

import pytest

from yawlit_bot.engine.dates import find_date, find_out_of_hours_time, parse_date, parse_time_slot

WED = date(2026, 11, 25)  # Wednesday
MON = date(2026, 11, 30)  # Monday
SUN = date(2026, 11, 29)  # Sunday
NEW_YEARS_EVE_EVE = date(2026, 12, 30)  # Wednesday, two days before the year turns
LEAP_WINTER = date(2027, 12, 1)  # the next February (2028) has a 29th


@pytest.mark.parametrize(
	"text, today, expected",
	[
		# relative words
		("today", WED, date(2026, 11, 25)),
		("aaj", WED, date(2026, 11, 25)),
		("aaj shaam", WED, date(2026, 11, 25)),
		("tonight", WED, date(2026, 11, 25)),
		("tomorrow", WED, date(2026, 11, 26)),
		("Tomorrow 10 am", WED, date(2026, 11, 26)),
		("tmrw", WED, date(2026, 11, 26)),
		("tmr", WED, date(2026, 11, 26)),
		("kal", WED, date(2026, 11, 26)),
		("kal subah", WED, date(2026, 11, 26)),
		("day after tomorrow", WED, date(2026, 11, 27)),
		("parso", WED, date(2026, 11, 27)),
		("parson", WED, date(2026, 11, 27)),
		("kal", NEW_YEARS_EVE_EVE, date(2026, 12, 31)),
		("parso", NEW_YEARS_EVE_EVE, date(2027, 1, 1)),
		("in 3 days", WED, date(2026, 11, 28)),
		("3 din baad", WED, date(2026, 11, 28)),
		("do din baad", WED, date(2026, 11, 27)),
		("in a week", WED, date(2026, 12, 2)),
		("in 3 days", NEW_YEARS_EVE_EVE, date(2027, 1, 2)),
		# weekdays: bare and "this" include today, "next" never does
		("monday", WED, date(2026, 11, 30)),
		("next Monday", WED, date(2026, 11, 30)),
		("this friday", WED, date(2026, 11, 27)),
		("on sat", WED, date(2026, 11, 28)),
		("sun 10 am", WED, date(2026, 11, 29)),
		("wednesday", WED, date(2026, 11, 25)),
		("next wednesday", WED, date(2026, 12, 2)),
		("tuesday", WED, date(2026, 12, 1)),
		("monday", MON, date(2026, 11, 30)),
		("next monday", MON, date(2026, 12, 7)),
		("sunday", MON, date(2026, 12, 6)),
		("saturday", SUN, date(2026, 12, 5)),
		("this sunday", SUN, date(2026, 11, 29)),
		("coming sunday", SUN, date(2026, 12, 6)),
		("friday", NEW_YEARS_EVE_EVE, date(2027, 1, 1)),
		("somvar", WED, date(2026, 11, 30)),
		("somwar ko", WED, date(2026, 11, 30)),
		("mangalvar", WED, date(2026, 12, 1)),
		("budhvar", WED, date(2026, 11, 25)),
		("guruvar", WED, date(2026, 11, 26)),
		("shukravar", WED, date(2026, 11, 27)),
		("shanivar", WED, date(2026, 11, 28)),
		("ravivar", WED, date(2026, 11, 29)),
		("itvaar", WED, date(2026, 11, 29)),
		("agle somvar", MON, date(2026, 12, 7)),
		("wensday", MON, date(2026, 12, 2)),
		# day and month, month names
		("1st Dec", WED, date(2026, 12, 1)),
		("Dec 1", WED, date(2026, 12, 1)),
		("1 december", WED, date(2026, 12, 1)),
		("December 1st, 2026", WED, date(2026, 12, 1)),
		("25th of december", WED, date(2026, 12, 25)),
		("on 1st jan", WED, date(2027, 1, 1)),
		("1 jan", NEW_YEARS_EVE_EVE, date(2027, 1, 1)),
		("30 dec", NEW_YEARS_EVE_EVE, date(2026, 12, 30)),
		("29 dec", NEW_YEARS_EVE_EVE, date(2027, 12, 29)),  # passed this year: next year
		("15 mar 2027", WED, date(2027, 3, 15)),
		# numeric
		("25/12", WED, date(2026, 12, 25)),
		("25-12-2026", WED, date(2026, 12, 25)),
		("25.12.26", WED, date(2026, 12, 25)),
		("25/12/2026", WED, date(2026, 12, 25)),
		("2026-12-25", WED, date(2026, 12, 25)),
		("5/1", WED, date(2027, 1, 5)),
		("25/11", WED, date(2026, 11, 25)),
		("24/11", WED, date(2027, 11, 24)),  # yesterday: rolls a year (range check happens later)
		("25/01/2026", WED, date(2026, 1, 25)),  # explicit year kept even though past
		("12-12", WED, date(2026, 12, 12)),
		("15-8", WED, date(2027, 8, 15)),
		("29/02", LEAP_WINTER, date(2028, 2, 29)),
		# day of month alone
		("on the 28th", WED, date(2026, 11, 28)),
		("on 5th", WED, date(2026, 12, 5)),
		("28 tarikh ko", WED, date(2026, 11, 28)),
		("on the 31st", WED, date(2026, 12, 31)),  # no 31 November
		# the first phrase wins
		("kal nahi, parso", WED, date(2026, 11, 26)),
		("parso ya kal", WED, date(2026, 11, 27)),
		("I am Ravi, MH12AB1234, 1st Dec at 10", WED, date(2026, 12, 1)),
	],
)
def test_parse_date(text, today, expected):
	assert parse_date(text, today) == expected


@pytest.mark.parametrize(
	"text",
	[
		"31/02",
		"31/02/2027",
		"30 feb",
		"29/02",  # today is in 2026: neither 2026 nor 2027 has a 29 February
		"31/04",
		"32/12",
		"10/13",
	],
)
def test_impossible_dates_give_none(text):
	assert parse_date(text, WED) is None
	assert find_date(text, WED) is not None  # found as a date phrase, so the caller can say why


@pytest.mark.parametrize(
	"text",
	[
		"10-11",
		"10-11 am",
		"4-5 pm",
		"10:00-11:00",
		"10.30 am",
		"at 10.30",
		"MH12AB1234",
		"MH 12 AB 1234",
		"MH-12-AB-1234",
		"22BH1234AB",
		"9876543210",
		"98765 43210",
		"98765-43210",
		"987-654-3210",
		"+91 98765 43210",
		"411001",
		"411 001",
		"pin 411038",
		"10",
		"25",
		"1.5 litres",
		"H.No. 12/3, Kothrud",
		"Flat 4/201",
		"1st floor, Baner",
		"2-3 days",
		"I may come",
		"good morning",
		"",
		None,
		"raat ko",
		"Sunil",
		"Sundar Nagar",
		"Kalyan",
		"sunset",
	],
)
def test_not_dates(text):
	assert parse_date(text, WED) is None


@pytest.mark.parametrize(
	"text, slot",
	[
		("10 am", "10:00-11:00"),
		("10am", "10:00-11:00"),
		("10 AM", "10:00-11:00"),
		("10 a.m.", "10:00-11:00"),
		("10:00", "10:00-11:00"),
		("10:00-11:00", "10:00-11:00"),
		("10:00 - 11:00", "10:00-11:00"),
		("10-11 am", "10:00-11:00"),
		("10am-11am", "10:00-11:00"),
		("10 to 11", "10:00-11:00"),
		("10 se 11", "10:00-11:00"),
		("10-11", "10:00-11:00"),
		("between 3 and 4 pm", "15:00-16:00"),
		("4-5 pm", "16:00-17:00"),
		("11-12 pm", "11:00-12:00"),
		("subah 10 baje", "10:00-11:00"),
		("shaam 5 baje", "17:00-18:00"),
		("dopahar 2 baje", "14:00-15:00"),
		("2 pm", "14:00-15:00"),
		("2 PM", "14:00-15:00"),
		("14:00", "14:00-15:00"),
		("17:00", "17:00-18:00"),
		("5:30 pm", "17:00-18:00"),
		("10.30 am", "10:00-11:00"),
		("6 am", "06:00-07:00"),
		("12 noon", "12:00-13:00"),
		("noon", "12:00-13:00"),
		("3 o'clock", "15:00-16:00"),
		("5 baje", "17:00-18:00"),  # 1-5 without am/pm: afternoon
		("7 baje", "07:00-08:00"),  # 6-11 without am/pm: morning
		("morning 10", "10:00-11:00"),
		("5 in the evening", "17:00-18:00"),
		("kal 4 baje", "16:00-17:00"),
		("8 pm ya 10 am", "10:00-11:00"),  # the first time inside working hours
		("kal 10 baje se 11 baje tak", "10:00-11:00"),
		("25/12 at 3 pm", "15:00-16:00"),
	],
)
def test_parse_time_slot(text, slot):
	assert parse_time_slot(text) == slot
	assert find_out_of_hours_time(text) is False


@pytest.mark.parametrize(
	"text",
	[
		"raat 9 baje",
		"raat 10 baje",
		"8 pm",
		"6 pm",
		"6-7 pm",
		"18:00",
		"21:30",
		"5 am",
		"early morning 5 baje",
		"12 am",
		"05:00",
		"shaam 7 baje",
		"evening 7",
		"kal raat 8 baje",
		"tonight",
		"aaj raat",
		"raat ko",
		"midnight",
	],
)
def test_out_of_hours(text):
	assert parse_time_slot(text) is None
	assert find_out_of_hours_time(text) is True


@pytest.mark.parametrize(
	"text",
	[
		"10",
		"at 5",
		"2 cars",
		"2-3 days",
		"flat 10-11",
		"MH 02 AM 1234",
		"UP 14 PM 5678",
		"9876543210",
		"411001",
		"25/12",
		"10-11-2026",
		"good morning",
		"gud evening sir",
		"Good night",
		"I have 2 BHK",
		"in 3 days",
		"",
		None,
	],
)
def test_no_time(text):
	assert parse_time_slot(text) is None
	assert find_out_of_hours_time(text) is False


def test_date_and_slot_from_one_phrase():
	assert parse_date("kal subah", WED) == date(2026, 11, 26)
	assert parse_time_slot("kal subah") is None  # the hour is asked, not guessed
	assert parse_date("parso shaam 5 baje", WED) == date(2026, 11, 27)
	assert parse_time_slot("parso shaam 5 baje") == "17:00-18:00"


def test_find_date_reports_position_and_year():
	match = find_date("book it for 25/12/2026 please", WED)
	assert match is not None and match.explicit_year
	assert "book it for 25/12/2026 please"[match.start : match.end] == "25/12/2026"
	assert find_date("no date here", WED) is None


def test_every_day_of_a_year_rolls_forward_correctly():
	# "d/m" never lands before today and is at most a year ahead.
	today = date(2026, 3, 1)
	for month in range(1, 13):
		for day in (1, 15, 28):
			found = parse_date(f"{day}/{month}", today)
			assert found is not None and today <= found < date(2027, 3, 1)
