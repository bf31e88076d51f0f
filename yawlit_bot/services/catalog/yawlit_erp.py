"""The Yawlit ERP backend: the same operations answered by Yawlit's ERP
(../shared/reference/yawlit-erp-api.md), in process when its app is installed on this site,
else over HTTP (`services/yawlit_erp_client.py`)."""

from __future__ import annotations

from datetime import date

import frappe

from yawlit_bot.engine.catalog import Addon, Catalog, Service, slot_times
from yawlit_bot.engine.fields import VEHICLE_TYPES
from yawlit_bot.engine.profile import Place, Profile, Vehicle
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


def get_profile(settings: BookingSettings, phone: str) -> Profile | None:
	"""The customer's profile in the ERP by their 10-digit number; None when it has none."""
	try:
		answer = _call(settings, "customer_portal.get_profile_by_phone", phone_number=phone[-10:])
	except ErpError as exc:
		if "not found" in str(exc).lower():
			return None
		raise
	profile = answer.get("profile") or {}
	if not profile:
		return None
	first, _, last = (profile.get("full_name") or "").strip().partition(" ")
	vehicles = sorted(profile.get("vehicles") or [], key=lambda v: not v.get("is_primary"))
	return Profile(
		first_name=first,
		last_name=last.strip(),
		email=profile.get("email") or "",
		vehicles=tuple(
			Vehicle(v.get("vehicle_make") or "", v.get("vehicle_model") or "", v.get("vehicle_type") or "", v.get("vehicle_number") or "")
			for v in vehicles
		),
		places=tuple(
			Place(
				", ".join(filter(None, (a.get("address_line1"), a.get("address_line2")))),
				str(a.get("pincode") or ""),
				a.get("city") or "",
			)
			for a in profile.get("addresses") or []
		),
	)


CATALOG_SECONDS = 300  # how long the conversation uses the ERP's catalog before asking again


def load_catalog(settings: BookingSettings) -> Catalog:
	"""The ERP's services (one product per vehicle type, each with its price) and add-ons as the
	engine's catalog, for the conversation; kept a few minutes in the site's cache, so a turn
	does not make a dozen calls."""
	key = f"yawlit_bot|erp-catalog|{settings.erp.base_url if settings.erp else 'in-process'}"
	cached = frappe.cache.get_value(key)
	if cached is not None:
		return cached
	services: dict[str, Service] = {}
	addons: dict[str, Addon] = {}
	for vehicle_type in VEHICLE_TYPES:
		answer = _call(
			settings, "customer_portal.get_filtered_services", category="", frequency_type="One-Time", vehicle_type=vehicle_type
		)
		for row in answer.get("services") or []:
			service_id = row.get("name")
			if not service_id:
				continue
			included = []
			for addon in row.get("included_addons") or []:
				addons.setdefault(
					addon.get("addon"),
					Addon(addon.get("addon"), addon.get("addon_name") or addon.get("addon"), int(addon.get("unit_price") or 0)),
				)
				included.append(addon.get("addon"))
			earlier = services.get(service_id)
			prices = {**(earlier.prices if earlier else {}), vehicle_type: int(row.get("base_price") or 0)}
			services[service_id] = Service(
				service_id,
				row.get("product_name") or service_id,
				prices,
				DEFAULT_MINUTES,
				row.get("description") or "",
				included_addons=tuple(included),
			)
	for service_id, service in list(services.items()):
		optional = []
		for row in _optional_addons(settings, service_id):
			addon = Addon(
				row.get("name"),
				row.get("addon_name") or row.get("name"),
				int(row.get("unit_price") or 0),
				needs_water=bool(row.get("requires_water")),
				needs_electricity=bool(row.get("requires_electricity")),
			)
			addons[addon.addon] = addon
			optional.append(addon.addon)
		services[service_id] = Service(
			service.service,
			service.service_name,
			service.prices,
			service.duration_minutes,
			service.description,
			addons=tuple(optional),
			included_addons=service.included_addons,
		)
	catalog = Catalog(tuple(services.values()), addons)
	frappe.cache.set_value(key, catalog, expires_in_sec=CATALOG_SECONDS)
	return catalog


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
