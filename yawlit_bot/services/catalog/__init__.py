"""The catalog boundary: the operations the turn, Desk and other systems call, whichever
backend answers. The built-in backend reads the `WA Service` and `WA Add-on` lists and the
bookings on this site (`builtin.py`); the rules themselves are the engine's
(`engine/catalog.py`)."""

from __future__ import annotations

from datetime import date

from yawlit_bot.engine import catalog as rules
from yawlit_bot.engine.catalog import CatalogError
from yawlit_bot.services.catalog import builtin
from yawlit_bot.services.clock import now_in_india
from yawlit_bot.services.settings import booking_settings

__all__ = ["CatalogError", "get_services", "get_addons", "get_available_slots", "calculate_price"]


def get_services(vehicle_type: str) -> list[dict]:
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
	catalog = builtin.load_catalog()
	return [
		{"addon": addon.addon, "addon_name": addon.addon_name, "price": addon.price}
		for addon in catalog.optional_addons(service)
	]


def get_available_slots(day: date, service: str, vehicle_type: str) -> list[dict]:
	"""Slots of `day` with room for this service and vehicle, none started (India time), none
	on a closed day or outside the booking window."""
	catalog = builtin.load_catalog()
	chosen = catalog.service(service)
	if not chosen.enabled or chosen.price_for(vehicle_type) is None:
		raise CatalogError(f"{chosen.service_name} is not offered for a {vehicle_type or 'vehicle of unknown type'}.")
	settings = booking_settings()
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
) -> dict:
	price = rules.price(
		builtin.load_catalog(),
		service,
		vehicle_type,
		addons,
		water_provided=water_provided,
		electricity_provided=electricity_provided,
		utility_surcharge=booking_settings().utility_surcharge,
	)
	return price.as_dict()
