from datetime import date

from booking_data import FULL, TODAY

from yawlit_bot.engine.fields import ALL_FIELDS, DETAIL_FIELDS, REQUIRED_FIELDS, UTILITY_FIELDS
from yawlit_bot.engine.merge import completeness, is_complete, merge_fields, missing_required


def test_sixteen_fields_twelve_required():
	assert len(DETAIL_FIELDS) == 16
	assert ALL_FIELDS == DETAIL_FIELDS + UTILITY_FIELDS  # water / electricity, asked only when needed
	assert len(REQUIRED_FIELDS) == 12


def test_editing_phone_never_clears_name():
	result = merge_fields(FULL, {"phone": "9876543210", "first_name": None, "last_name": ""}, TODAY)
	assert result.values["phone"] == "919876543210"
	assert (result.values["first_name"], result.values["last_name"]) == ("Ravi", "Kumar")
	assert result.changed == {"phone": "919876543210"}


def test_invalid_value_never_replaces_valid():
	result = merge_fields(FULL, {"vehicle_plate": "MH12AB12345", "pincode": "4110"}, TODAY)
	assert result.values["vehicle_plate"] == "MH12AB1234"
	assert result.values["pincode"] == "411045"
	assert set(result.rejected) == {"vehicle_plate", "pincode"}
	assert not result.changed


def test_newer_valid_value_replaces():
	result = merge_fields(FULL, {"time_slot": "16:00-17:00"}, TODAY)
	assert result.values["time_slot"] == "16:00-17:00"
	assert result.changed == {"time_slot": "16:00-17:00"}


def test_unknown_fields_ignored():
	result = merge_fields({}, {"is_admin": "1"}, TODAY)
	assert "is_admin" not in result.values


def test_completeness_counts_valid_of_sixteen():
	assert completeness({}, TODAY) == 0.0
	assert completeness(FULL, TODAY) == 75.0
	assert (
		completeness({**FULL, "email": "a@b.co", "city": "Pune", "addons": "Eco Wash", "notes": "x"}, TODAY)
		== 100.0
	)
	assert completeness({**FULL, "pincode": "bad"}, TODAY) == 68.8


def test_twelve_required_valid_confirms():
	assert is_complete(FULL, TODAY)
	assert missing_required(FULL, TODAY) == []


def test_seventy_five_percent_with_a_required_missing_does_not_confirm():
	# 8 required + 4 optional = 12 of 16 filled: the seed's 75%, yet four required are missing
	dropped = ("address", "pincode", "vehicle_plate", "time_slot")
	values = {
		**{k: v for k, v in FULL.items() if k not in dropped},
		"email": "a@b.co",
		"city": "Pune",
		"addons": "Eco Wash",
		"notes": "n",
	}
	assert completeness(values, TODAY) == 75.0
	assert not is_complete(values, TODAY)
	assert missing_required(values, TODAY) == list(dropped)
	# 11 required + 4 optional: one required missing still blocks confirmation
	values = {**values, "pincode": "411045", "vehicle_plate": "MH12AB1234", "time_slot": "10:00-11:00"}
	assert missing_required(values, TODAY) == ["address"]
	assert not is_complete(values, TODAY)


def test_stale_date_is_missing_again():
	assert missing_required(FULL, date(2026, 11, 27)) == ["appointment_date"]
