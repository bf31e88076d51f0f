"""The catalog boundary: the operations the turn, Desk and other systems call, whichever
backend answers (`WA Booking Settings` > Catalog Backend). The built-in backend reads the
`WA Service` and `WA Add-on` lists and this site's bookings (`builtin.py`); the Yawlit ERP
backend asks Yawlit's ERP (`yawlit_erp.py`). The rules themselves are the engine's
(`engine/catalog.py`). Every failure is a `CatalogError` whose text says what went wrong."""

from __future__ import annotations

from datetime import date

import frappe

from yawlit_bot.engine import catalog as rules
from yawlit_bot.engine.catalog import CatalogError
from yawlit_bot.engine.offer import Offer
from yawlit_bot.engine.profile import Profile
from yawlit_bot.services.booking.catalog import builtin, yawlit_erp
from yawlit_bot.services.site.clock import now_in_india
from yawlit_bot.services.site.settings import booking_settings

__all__ = [
	"CatalogError", "get_services", "get_addons", "get_available_slots", "calculate_price", "load_offer", "get_profile",
]
YAWLIT_ERP, BUILT_IN = "Yawlit ERP", "Built-in"


def load_offer() -> Offer | None:
	"""The catalog the conversation offers from, as the engine reads it. None when the ERP
	cannot be reached: the turn then goes on with the kinds of service the rules know, and
	the price and slot steps say what failed."""
	settings = booking_settings()
	try:
		catalog = yawlit_erp.load_catalog(settings) if settings.backend == YAWLIT_ERP else builtin.cached_catalog()
	except CatalogError:
		frappe.log_error(title="yawlit_bot: the catalog could not be read", defer_insert=True)
		catalog = yawlit_erp.last_good_catalog(settings) if settings.backend == YAWLIT_ERP else None
		if catalog is None:
			return None
	# built in, the opening hours' slots (any length) read a typed time; the ERP keeps its own
	slots = rules.schedule_slots(settings.schedule) if settings.backend != YAWLIT_ERP else ()
	return Offer(catalog, settings.utility_surcharge, slots)


def get_profile(phone: str, simulated: bool = False) -> Profile | None:
	"""A returning customer's details (Yawlit's ERP: its profile; built-in: their last booking
	here). None when unknown, or when the ERP cannot be reached (the customer is simply asked).
	A simulated customer is never looked up in the ERP: the number may be a real customer's."""
	settings = booking_settings()
	try:
		if settings.backend == YAWLIT_ERP:
			if simulated:
				return None
			return yawlit_erp.get_profile(settings, phone)
		return builtin.profile_from_last_booking(phone)
	except CatalogError:
		frappe.log_error(title="yawlit_bot: the customer's profile could not be read", defer_insert=True)
		return None


def get_services(vehicle_type: str) -> list[dict]:
	"""Services offered for `vehicle_type`, each with its price for it."""
	settings = booking_settings()
	if settings.backend == YAWLIT_ERP:
		return yawlit_erp.get_services(settings, vehicle_type)
	catalog = builtin.load_catalog()
	return [
		{
			"service": service.service,
			"service_name": service.service_name,
			"price": service.price_for(vehicle_type),
			"duration_minutes": service.duration_minutes,
			"included_addons": [addon.addon_name for addon in catalog.included_addons(service.service)],
		}
		for service in catalog.services_for(vehicle_type)
	]


def get_addons(service: str) -> list[dict]:
	"""The optional add-ons of `service` (not those it includes)."""
	settings = booking_settings()
	if settings.backend == YAWLIT_ERP:
		return yawlit_erp.get_addons(settings, service)
	return [
		{"addon": addon.addon, "addon_name": addon.addon_name, "price": addon.price}
		for addon in builtin.load_catalog().optional_addons(service)
	]


def get_available_slots(day: date, service: str, vehicle_type: str) -> list[dict]:
	"""Slots of `day` with room for this service and vehicle, none started (India time), none
	on a closed day or outside the booking window."""
	settings = booking_settings()
	if settings.backend == YAWLIT_ERP:
		return yawlit_erp.get_available_slots(settings, day, service, vehicle_type)
	chosen = builtin.load_catalog().service(service)
	if not chosen.enabled or chosen.price_for(vehicle_type) is None:
		raise CatalogError(f"{chosen.service_name} is not offered for a {vehicle_type or 'vehicle of unknown type'}.")
	now = now_in_india()
	taken = builtin.seats_taken_on(day)
	return [
		{"slot_id": slot, "remaining": remaining}
		for slot, remaining in rules.available_slots(settings.schedule, day, now, taken)
	]


def calculate_price(
	service: str,
	vehicle_type: str,
	addons: list[str] | tuple[str, ...] = (),
	water_provided: bool = True,
	electricity_provided: bool = True,
	known: rules.Catalog | None = None,
) -> dict:
	"""`{base, addons_total, surcharges, total}` in INR. `known`: the built-in catalog the
	caller already read (the turn's), so it is not read again."""
	settings = booking_settings()
	if settings.backend == YAWLIT_ERP:
		return yawlit_erp.calculate_price(
			settings, service, vehicle_type, list(addons), water_provided, electricity_provided
		)
	price = rules.price(
		known or builtin.load_catalog(),
		service,
		vehicle_type,
		addons,
		water_provided=water_provided,
		electricity_provided=electricity_provided,
		utility_surcharge=settings.utility_surcharge,
	)
	return price.as_dict()
