"""The catalog's rules: offered services, prices, slots with room, holds, choosing from a list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from yawlit_bot.engine import catalog as c

ADDONS = {
	"eco": c.Addon("eco", "Eco Wash", 100, needs_water=True),
	"polish": c.Addon("polish", "Exterior Polishing", 2400, needs_electricity=True),
	"vacuum": c.Addon("vacuum", "Interior Vacuum", 200, needs_electricity=True),
	"old": c.Addon("old", "Old Add-on", 50, enabled=False),
}
CATALOG = c.Catalog(
	services=(
		c.Service("premium", "Premium Wash", {"Hatchback": 499, "Sedan": 599, "SUV": 599},
				  addons=("eco", "polish", "vacuum", "old"), included_addons=("vacuum",)),
		c.Service("basic", "Basic Wash", {"Hatchback": 299, "Sedan": 349}, addons=("eco",)),
		c.Service("driving", "SUV Driving Service", {"SUV": 1200}),
		c.Service("gone", "Retired Wash", {"Sedan": 10}, enabled=False),
	),
	addons=ADDONS,
)


def test_a_service_is_offered_only_for_vehicle_types_it_has_a_price_for():
	assert [s.service_name for s in c.Catalog.services_for(CATALOG, "Sedan")] == ["Basic Wash", "Premium Wash"]
	assert [s.service_name for s in CATALOG.services_for("suv")] == ["Premium Wash", "SUV Driving Service"]
	assert CATALOG.services_for("Bike") == []


def test_optional_addons_leave_out_included_and_disabled_ones():
	assert [a.addon_name for a in CATALOG.optional_addons("premium")] == ["Eco Wash", "Exterior Polishing"]
	assert [a.addon_name for a in CATALOG.included_addons("Premium Wash")] == ["Interior Vacuum"]


def test_price_breakdown_counts_each_addon_once_and_included_ones_free():
	price = c.price(CATALOG, "premium", "Sedan", ["eco", "Exterior Polishing", "eco", "vacuum"])
	assert price == c.Price(base=599, addons_total=2500, surcharges=0, total=3099)


def test_each_missing_utility_adds_the_surcharge_only_when_needed():
	# vacuum (included) needs electricity, eco needs water
	both = c.price(CATALOG, "premium", "Sedan", ["eco"], water_provided=False, electricity_provided=False, utility_surcharge=150)
	assert (both.surcharges, both.total) == (300, 599 + 100 + 300)
	basic = c.price(CATALOG, "basic", "Sedan", [], water_provided=False, electricity_provided=False, utility_surcharge=150)
	assert basic.surcharges == 0, "nothing chosen needs water or electricity"
	assert c.utilities_needed(CATALOG, "premium", ["eco"]) == c.Utilities(water=True, electricity=True)
	assert c.utilities_needed(CATALOG, "basic") == c.Utilities()


@pytest.mark.parametrize(
	"service,vehicle,addons,reason",
	[
		("nope", "Sedan", [], "no service"),
		("driving", "Sedan", [], "not offered for a Sedan"),
		("gone", "Sedan", [], "not offered at the moment"),
		("basic", "Sedan", ["polish"], "cannot be added"),
		("premium", "Sedan", ["old"], "cannot be added"),
		("premium", "Sedan", ["ghost"], "no add-on"),
	],
)
def test_what_cannot_be_priced_says_why(service, vehicle, addons, reason):
	with pytest.raises(c.CatalogError, match=reason):
		c.price(CATALOG, service, vehicle, addons)


def test_rupees_in_indian_grouping():
	assert [c.format_inr(n) for n in (0, 499, 1200, 120000, 12345678)] == ["₹0", "₹499", "₹1,200", "₹1,20,000", "₹1,23,45,678"]


SCHEDULE = c.Schedule(
	open_days=frozenset(range(6)),  # closed on Sundays
	capacity=2,
	days_ahead=7,
	closed_dates=frozenset({date(2026, 12, 1)}),
	capacity_on={date(2026, 12, 2): 4, date(2026, 12, 3): 0},
)
NOW = datetime(2026, 11, 30, 9, 30)  # a Monday, 09:30 in India


def test_slots_follow_opening_hours():
	slots = c.slots_on(SCHEDULE, date(2026, 11, 30))
	assert slots[0] == "06:00-07:00" and slots[-1] == "17:00-18:00" and len(slots) == 12
	half_hours = c.Schedule(opens=time(9), closes=time(11), slot_minutes=45)
	assert c.slots_on(half_hours, date(2026, 11, 30)) == ["09:00-09:45", "09:45-10:30"]


def test_closed_days_dates_and_zero_capacity_have_no_slots():
	assert c.slots_on(SCHEDULE, date(2026, 12, 6)) == []  # Sunday
	assert c.slots_on(SCHEDULE, date(2026, 12, 1)) == []  # closed date
	assert c.slots_on(SCHEDULE, date(2026, 12, 3)) == []  # capacity 0 that day


def test_available_slots_skip_started_and_full_ones_and_use_the_days_capacity():
	today = c.available_slots(SCHEDULE, NOW.date(), NOW, {"10:00-11:00": 2, "11:00-12:00": 1})
	assert today[0] == ("11:00-12:00", 1), "09:00 started, 10:00 full"
	festival = c.available_slots(SCHEDULE, date(2026, 12, 2), NOW, {"10:00-11:00": 2})
	assert ("10:00-11:00", 2) in festival, "4 bays that day"


def test_no_slots_outside_the_booking_window():
	assert c.available_slots(SCHEDULE, date(2026, 11, 29), NOW, {}) == []
	assert c.available_slots(SCHEDULE, NOW.date() + timedelta(days=8), NOW, {}) == []
	assert c.window_error(SCHEDULE, NOW.date() + timedelta(days=8), NOW.date()) == "We take bookings up to 7 days ahead."
	assert "closed" in c.window_error(SCHEDULE, date(2026, 12, 1), NOW.date())


def test_an_expired_hold_stops_counting_and_ones_own_hold_never_counts():
	holds = [("9191", NOW + timedelta(minutes=5)), ("9192", NOW - timedelta(seconds=1)), ("9193", NOW + timedelta(minutes=1))]
	assert c.seats_taken(1, holds, NOW) == 3
	assert c.seats_taken(1, holds, NOW, holder="9191") == 2
	assert c.seats_taken(0, holds, NOW + timedelta(minutes=2)) == 1


def test_slots_grouped_by_part_of_day():
	groups = c.group_by_day_part(["17:00-18:00", "06:00-07:00", "12:00-13:00", "15:00-16:00", "16:00-17:00"])
	assert groups == {
		"Morning": ["06:00-07:00"],
		"Afternoon": ["12:00-13:00", "15:00-16:00"],
		"Evening": ["16:00-17:00", "17:00-18:00"],
	}


def test_nearest_dates_with_room_skip_full_and_closed_days():
	full = {slot: 2 for slot in c.slots_on(SCHEDULE, date(2026, 12, 4))}
	found = c.nearest_dates_with_room(SCHEDULE, date(2026, 12, 3), NOW, {date(2026, 12, 4): full})
	# 12-02 (a day before) and 12-04 (full) and 12-01 (closed): next are 12-05 and 11-30 / 12-07
	assert found == [date(2026, 12, 2), date(2026, 12, 5), date(2026, 11, 30)]


@pytest.mark.parametrize(
	"text,index",
	[
		("2", 1), ("2.", 1), ("option 3", 2), ("#1", 0),
		("second one", 1), ("dusra wala", 1), ("the first", 0), ("last", 2),
		("Premium Wash", 1), ("premum wash", 1), ("premium wash chahiye", 1),
		("svc-basic", 0),
	],
)
def test_choosing_from_a_list(text, index):
	options = ["Basic Wash", "Premium Wash", "SUV Driving Service"]
	assert c.choose(text, options, ids=["svc-basic", "svc-premium", "svc-driving"]) == index


@pytest.mark.parametrize("text", ["7", "0", "something else entirely", "", "wash"])
def test_no_choice_when_nothing_matches(text):
	assert c.choose(text, ["Basic Wash", "Premium Wash", "SUV Driving Service"]) is None


def test_slot_ids_are_checked():
	assert c.slot_times("10:00-11:00") == (time(10), time(11))
	with pytest.raises(c.CatalogError):
		c.slot_times("10 am")


@pytest.mark.parametrize(
	"pincode,city,served",
	[
		("411004", None, True),  # prefix 4110
		("411 045", "Pune", True),
		("560001", "Bengaluru", False),
		(None, "pune", True),
		(None, "Mumbai", False),
		("400001", "Pune", True),  # the city is served
		(None, None, None),
	],
)
def test_area_served_by_pincode_prefix_or_city(pincode, city, served):
	assert c.area_served(pincode, city, c.split_list("4110, 4120\n"), c.split_list("Pune\nPimpri")) is served


def test_no_area_set_means_everywhere():
	assert c.area_served("560001", "Bengaluru", (), ()) is True
