"""The Yawlit ERP backend: the same operations answered by Yawlit's ERP
(../shared/reference/yawlit-erp-api.md), in process when its app is installed on this site,
else over HTTP (`services/yawlit_erp_client.py`)."""

from __future__ import annotations

from datetime import date

import frappe

from yawlit_bot.engine.catalog import slot_times
from yawlit_bot.services.clock import now_in_india
from yawlit_bot.services.settings import BookingSettings
from yawlit_bot.services.yawlit_erp_client import METHOD_PREFIX, ErpError, call

ERP_APP = "yawlit_automotive_services"
DEFAULT_MINUTES = 60  # the ERP does not say how long a service takes


def _call(settings: BookingSettings, method: str, **params) -> dict:
	if ERP_APP in frappe.get_installed_apps():
		try:
			answer = frappe.get_attr(METHOD_PREFIX + method)(**params)
		except Exception as exc:
			frappe.clear_last_message()
			raise ErpError(f"Yawlit's ERP refused the request: {exc}"[:300]) from None
		if not isinstance(answer, dict) or answer.get("success") is False:
			reason = answer.get("message") if isinstance(answer, dict) else "an unreadable answer"
			raise ErpError(f"Yawlit's ERP refused the request: {reason}"[:300])
		return answer
	if not settings.erp or not settings.erp.base_url:
		raise ErpError("Yawlit's ERP is not set up: set its URL, API key and secret in WA Booking Settings.")
	return call(settings.erp, method, **params)


def get_services(settings: BookingSettings, vehicle_type: str) -> list[dict]:
	answer = _call(
		settings, "customer_portal.get_filtered_services", category="", frequency_type="One-Time", vehicle_type=vehicle_type
	)
	return [
		{
			"service": row.get("name"),
			"service_name": row.get("product_name"),
			"price": row.get("base_price"),
			"duration_minutes": DEFAULT_MINUTES,
			"included_addons": [a.get("addon_name") for a in row.get("included_addons") or []],
		}
		for row in answer.get("services") or []
	]


def _optional_addons(settings: BookingSettings, service: str) -> list[dict]:
	return _call(settings, "booking.get_optional_addons", product_id=service).get("optional_addons") or []


def get_addons(settings: BookingSettings, service: str) -> list[dict]:
	return [
		{"addon": row.get("name"), "addon_name": row.get("addon_name"), "price": row.get("unit_price")}
		for row in _optional_addons(settings, service)
	]


def get_available_slots(settings: BookingSettings, day: date, service: str, vehicle_type: str) -> list[dict]:
	answer = _call(
		settings,
		"booking.get_available_slots_enhanced",
		date_str=day.isoformat(),
		service_id=service,
		vehicle_type=vehicle_type,
	)
	now = now_in_india()
	result = []
	for row in answer.get("slots") or []:
		remaining = int(row.get("available_capacity") or 0)
		try:
			start, _end = slot_times(row.get("slot_id"))
		except ValueError:
			continue  # a slot this bot cannot read is not offered
		if remaining > 0 and (day > now.date() or (day == now.date() and start > now.time())):
			result.append({"slot_id": row.get("slot_id"), "remaining": remaining})
	return result


def calculate_price(
	settings: BookingSettings,
	service: str,
	vehicle_type: str,
	addons: list[str],
	water_provided: bool,
	electricity_provided: bool,
) -> dict:
	# The ERP prices add-ons by id; staff and the bot may name them.
	by_name = {row.get("addon_name"): row.get("name") for row in _optional_addons(settings, service)} if addons else {}
	ids = [by_name.get(addon, addon) for addon in addons]
	answer = _call(
		settings,
		"booking.calculate_booking_price",
		product_id=service,
		addon_ids=[{"addon": addon, "quantity": 1} for addon in ids],
		electricity_provided=int(electricity_provided),
		water_provided=int(water_provided),
		payment_mode="Cash",
	)
	return {
		"base": answer.get("base_price"),
		"addons_total": answer.get("addons_total"),
		"surcharges": answer.get("total_surcharges"),
		"total": answer.get("total_amount"),
	}
