"""The Yawlit ERP backend: the same operations answered by Yawlit's ERP
(../shared/reference/yawlit-erp-api.md), in process when its app is installed on this site,
else over HTTP (`services/clients/yawlit_erp_client.py`)."""

from __future__ import annotations

from datetime import date

import frappe

from yawlit_bot.engine.catalog import Addon, Catalog, Service, slot_times
from yawlit_bot.engine.fields import VEHICLE_TYPES
from yawlit_bot.engine.profile import Place, Profile, Vehicle
from yawlit_bot.services.clients.yawlit_erp_client import (
	METHOD_PREFIX,
	ErpError,
	ErpOutcomeUnknown,
	ErpUnavailable,
	call,
	write,
)
from yawlit_bot.services.site.clock import now_in_india
from yawlit_bot.services.site.settings import BookingSettings

ERP_APP = "yawlit_automotive_services"
DEFAULT_MINUTES = 60  # the ERP does not say how long a service takes


def in_process() -> bool:
	"""Yawlit's app is installed on this very site: its methods are called directly."""
	return ERP_APP in frappe.get_installed_apps()


def _call(settings: BookingSettings, method: str, *, writes: bool = False, **params) -> dict:
	if in_process():
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
	return (write if writes else call)(settings.erp, method, **params)


class SlotTaken(ErpError):
	"""The chosen time has no room left in the ERP."""


def _same(a: str | None, b: str | None) -> bool:
	return "".join(ch for ch in str(a or "").upper() if ch.isalnum()) == "".join(
		ch for ch in str(b or "").upper() if ch.isalnum()
	)


def _prepare(settings: BookingSettings, method: str, **params) -> dict:
	"""A write before the booking (a car, an address): if its answer is lost, nothing is booked
	yet, so the customer may simply try again."""
	try:
		return _call(settings, method, writes=True, **params)
	except ErpOutcomeUnknown as exc:
		raise ErpUnavailable(str(exc)) from None


def create_booking(settings: BookingSettings, values: dict, service_id: str, addon_ids: list[str]) -> dict:
	"""Book in Yawlit's ERP: the customer's car and address found in their profile (or added),
	the slot's ERP name for the chosen time, then `create_booking_by_phone`, sent once. Returns
	`{booking_id, total_amount}`. A full slot or any refusal raises ErpError with the ERP's
	reason; no answer in time, ErpOutcomeUnknown (it may be booked: never sent again blindly)."""
	phone = str(values.get("phone") or "")[-10:]
	try:
		profile = _call(settings, "customer_portal.get_profile_by_phone", phone_number=phone).get("profile") or {}
	except ErpError as exc:
		if "not found" not in str(exc).lower():
			raise
		profile = {}
	vehicle_id = next(
		(v.get("name") for v in profile.get("vehicles") or [] if _same(v.get("vehicle_number"), values.get("vehicle_plate"))),
		None,
	) or _prepare(
		settings,
		"customer_portal.add_vehicle",
		phone_number=phone,
		vehicle_data={
			"vehicle_make": values.get("vehicle_brand"),
			"vehicle_model": values.get("vehicle_model"),
			"vehicle_number": values.get("vehicle_plate"),
			"vehicle_type": values.get("vehicle_type"),
		},
	).get("name")
	address_id = next(
		(
			a.get("name")
			for a in profile.get("addresses") or []
			# the whole address, not its first line: "Flat 12" in another building is another place
			if str(a.get("pincode") or "") == str(values.get("pincode") or "")
			and _same(", ".join(filter(None, (a.get("address_line1"), a.get("address_line2")))), values.get("address"))
		),
		None,
	) or _prepare(
		settings,
		"customer_portal.add_address",
		phone_number=phone,
		address_data={
			"address_line1": str(values.get("address") or "").split(",")[0].strip(),
			"address_line2": ", ".join(part.strip() for part in str(values.get("address") or "").split(",")[1:]),
			"city": values.get("city") or "",
			"state": "",
			"pincode": values.get("pincode"),
			"is_primary": 0,
		},
	).get("name")
	slots = _call(
		settings,
		"booking.get_available_slots_enhanced",
		date_str=str(values.get("appointment_date")),
		service_id=service_id,
		vehicle_type=values.get("vehicle_type"),
	).get("slots") or []
	slot = next((s for s in slots if s.get("slot_id") == values.get("time_slot")), None)
	if slot is None or int(slot.get("available_capacity") or 0) <= 0:
		raise SlotTaken(f"Sorry, {values.get('time_slot')} has just been taken.")
	answer = _call(
		settings,
		"booking.create_booking_by_phone",
		writes=True,
		phone_number=phone,
		product_id=service_id,
		booking_date=str(values.get("appointment_date")),
		slot_id=slot.get("name"),
		vehicle_id=vehicle_id,
		address_id=address_id,
		electricity_provided=int(values.get("electricity_provided") != "No"),
		water_provided=int(values.get("water_provided") != "No"),
		addon_ids=[{"addon": addon, "quantity": 1} for addon in addon_ids],
		payment_mode="Cash",
	)
	if not answer.get("booking_id"):
		raise ErpOutcomeUnknown("Yawlit's ERP answered without a booking id.")
	return {"booking_id": answer["booking_id"], "total_amount": answer.get("total_amount")}


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
	# An add-on a service includes comes without its needs; another service may offer it as an
	# option, with them.
	for addon_id, addon in list(addons.items()):
		known = next((a for a in addons.values() if a.addon_name == addon.addon_name and (a.needs_water or a.needs_electricity)), None)
		if known and not (addon.needs_water or addon.needs_electricity):
			addons[addon_id] = Addon(addon.addon, addon.addon_name, addon.price, known.needs_water, known.needs_electricity)
	catalog = Catalog(tuple(services.values()), addons)
	frappe.cache.set_value(key, catalog, expires_in_sec=CATALOG_SECONDS)
	frappe.cache.set_value(f"{key}|last-good", catalog)  # for a turn while the ERP is down
	return catalog


def last_good_catalog(settings: BookingSettings) -> Catalog | None:
	"""The ERP's catalog as last read, for offering while the ERP cannot answer (nothing is
	booked from it: booking asks the ERP itself)."""
	key = f"yawlit_bot|erp-catalog|{settings.erp.base_url if settings.erp else 'in-process'}"
	return frappe.cache.get_value(f"{key}|last-good")


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
