"""Yawlit's ERP client against the local stand-in of its API (real HTTP, no frappe)."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from yawlit_bot.services.clients import yawlit_erp_client as erp
from yawlit_bot.testing.yawlit_erp_standin import YawlitErpStandin


@pytest.fixture()
def standin():
	server = YawlitErpStandin(key="k", secret="s3cret").start()
	yield server
	server.stop()


def config(standin, secret="s3cret", timeout=2):
	return erp.ErpConfig(standin.base_url, "k", secret, timeout)


def test_answers_come_out_of_frappes_message_wrapper(standin):
	answer = erp.call(config(standin), "customer_portal.get_filtered_services", vehicle_type="Sedan", frequency_type="One-Time")
	assert [s["product_name"] for s in answer["services"]] == ["Sedan Premium"]
	assert standin.calls[-1].body == {"vehicle_type": "Sedan", "frequency_type": "One-Time"}


def test_price_sends_addon_ids_as_the_api_expects(standin):
	answer = erp.call(
		config(standin),
		"booking.calculate_booking_price",
		product_id="PROD-SED-PREM",
		addon_ids=[{"addon": "ADDON-ECO", "quantity": 1}],
		water_provided=0,
		electricity_provided=1,
	)
	assert (answer["base_price"], answer["addons_total"], answer["total_surcharges"], answer["total_amount"]) == (599, 100, 150, 849)


def test_a_refusal_says_why_and_is_not_retried(standin):
	with pytest.raises(erp.ErpError, match="Cannot book for past dates"):
		erp.call(config(standin), "booking.get_available_slots_enhanced", date_str=str(date.today() - timedelta(days=1)))
	assert len(standin.calls) == 1


def test_a_frappe_error_is_read_from_server_messages(standin):
	with pytest.raises(erp.ErpError, match="Method booking.nope not found"):
		erp.call(config(standin), "booking.nope")


def test_a_wrong_secret_is_an_auth_error_without_the_secret(standin):
	with pytest.raises(erp.ErpAuthError) as raised:
		erp.call(config(standin, secret="wrong-secret"), "booking.get_optional_addons", product_id="PROD-SED-PREM")
	assert "wrong-secret" not in str(raised.value) and "check the ERP settings" in str(raised.value)
	assert "wrong-secret" not in repr(config(standin, secret="wrong-secret"))


def test_5xx_is_retried_then_reported(standin):
	standin.configure(fail_next=2)
	assert erp.call(config(standin), "booking.get_optional_addons", product_id="PROD-SED-PREM")["success"]
	assert [c.status for c in standin.calls] == [500, 500, 200]
	standin.configure(fail_next=5)
	with pytest.raises(erp.ErpUnavailable, match="HTTP 500"):
		erp.call(config(standin), "booking.get_optional_addons", product_id="PROD-SED-PREM")


def test_no_answer_in_time_is_retried_then_reported(standin):
	standin.configure(hang_next=3, hang_seconds=1.5)
	with pytest.raises(erp.ErpUnavailable, match="did not answer in time"):
		erp.call(config(standin, timeout=0.5), "booking.get_optional_addons", product_id="PROD-SED-PREM")


def test_unreachable_is_reported():
	dead = erp.ErpConfig("http://127.0.0.1:9", "k", "s", 1)
	with pytest.raises(erp.ErpUnavailable, match="cannot be reached"):
		erp.call(dead, "booking.get_optional_addons", product_id="x")


def test_a_url_without_scheme_is_a_settings_error_not_an_outage():
	with pytest.raises(erp.ErpError, match="not a web address") as raised:
		erp.call(erp.ErpConfig("erp.yawlit.com", "k", "s", 1), "booking.get_optional_addons", product_id="x")
	assert not isinstance(raised.value, erp.ErpUnavailable)


def _book(standin, cfg, day):
	erp.write(cfg, "customer_portal.add_vehicle", phone_number="9812345678", vehicle_data={"vehicle_number": "MH12AB1234"})
	erp.write(
		cfg, "customer_portal.add_address", phone_number="9812345678", address_data={"address_line1": "Flat 4", "pincode": "411045"}
	)
	return erp.write(
		cfg,
		"booking.create_booking_by_phone",
		phone_number="9812345678",
		product_id="PROD-SED-PREM",
		booking_date=day.isoformat(),
		slot_id=f"SLOT-{day:%Y%m%d}-10",
		vehicle_id="VEH-001-9812345678",
		address_id="ADDR-001-9812345678",
		electricity_provided=1,
		water_provided=1,
		addon_ids=[],
		payment_mode="Cash",
	)


def test_a_booking_is_written_once_and_an_answer_too_late_is_never_sent_again(standin):
	day = date.today() + timedelta(days=2)
	answer = _book(standin, config(standin), day)
	assert answer["booking_id"] == "BKG-00001" and len(standin.bookings) == 1
	standin.configure(hang_after_booking_next=1, hang_seconds=1.5)
	with pytest.raises(erp.ErpOutcomeUnknown, match="may have been made"):
		_book(standin, config(standin, timeout=0.5), day)
	assert len(standin.bookings) == 2  # the ERP booked; the write was not repeated
	deadline = time.monotonic() + 10  # the stand-in records a call once it has answered it
	while len(standin.calls) < 6 and time.monotonic() < deadline:
		time.sleep(0.05)
	assert [c.method for c in standin.calls].count("booking.create_booking_by_phone") == 2


def test_a_write_that_failed_on_the_erp_side_is_reported_not_repeated(standin):
	standin.configure(fail_next=1, fail_status=500)
	with pytest.raises(erp.ErpUnavailable):
		erp.write(config(standin), "customer_portal.add_vehicle", phone_number="9812345678", vehicle_data={"vehicle_number": "X"})
	assert len(standin.calls) == 1


def test_a_write_to_an_erp_that_is_not_listening_is_tried_again_then_reported():
	with pytest.raises(erp.ErpUnavailable, match="cannot be reached"):
		erp.write(erp.ErpConfig("http://127.0.0.1:9", "k", "s", 1), "booking.create_booking_by_phone")


def test_a_full_slot_is_refused_with_the_reason(standin):
	day = date.today() + timedelta(days=2)
	standin.book(day, "10:00-11:00", seats=2)
	with pytest.raises(erp.ErpError, match="fully booked"):
		_book(standin, config(standin), day)


def test_a_proxys_gateway_error_on_a_write_may_have_booked(standin):
	standin.configure(fail_next=1, fail_status=504)
	with pytest.raises(erp.ErpOutcomeUnknown, match="may have been made"):
		erp.write(config(standin), "customer_portal.add_vehicle", phone_number="9812345678", vehicle_data={"vehicle_number": "X"})
	assert len(standin.calls) == 1
