"""The built-in backend: the catalog from `WA Service` / `WA Add-on`, seats from this site's
bookings."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import cint, flt

from yawlit_bot.engine.catalog import Addon, Catalog, Service
from yawlit_bot.engine.profile import Place, Profile, Vehicle
from yawlit_bot.services.booking.slots import taken_on
from yawlit_bot.services.site.clock import now_in_india

CATALOG_KEY = "yawlit_bot|builtin-catalog"


CATALOG_SECONDS = 300


def cached_catalog() -> Catalog:
	"""The catalog as every turn reads it: kept in the site's cache for a few minutes, and
	forgotten when a service or add-on is saved, renamed or deleted (`forget_catalog`)."""
	catalog = frappe.cache.get_value(CATALOG_KEY)
	if catalog is None:
		catalog = load_catalog()
		frappe.cache.set_value(CATALOG_KEY, catalog, expires_in_sec=CATALOG_SECONDS)
	return catalog


def forget_catalog() -> None:
	"""Now, and again once the change commits: a turn reading meanwhile may have cached the
	catalog as it was."""
	frappe.cache.delete_value(CATALOG_KEY)
	frappe.db.after_commit.add(lambda: frappe.cache.delete_value(CATALOG_KEY))


class ForgetsCatalog:
	"""For the controllers of `WA Service` and `WA Add-on`: a change shows at the next message."""

	def on_update(self):
		forget_catalog()

	def on_trash(self):
		forget_catalog()

	def after_rename(self, *_args, **_kwargs):
		forget_catalog()


def load_catalog() -> Catalog:
	"""Every service and add-on (disabled ones too: the rules say what is offered), in one read
	per table."""
	addons = {
		row.name: Addon(
			addon=row.name,
			addon_name=row.addon_name,
			price=int(flt(row.price)),
			needs_water=bool(row.needs_water),
			needs_electricity=bool(row.needs_electricity),
			enabled=bool(row.enabled),
		)
		for row in frappe.get_all(
			"WA Add-on", fields=["name", "addon_name", "price", "needs_water", "needs_electricity", "enabled"]
		)
	}
	prices: dict[str, dict[str, int]] = {}
	for row in frappe.get_all(
		"WA Service Price", filters={"parenttype": "WA Service"}, fields=["parent", "vehicle_type", "price"]
	):
		prices.setdefault(row.parent, {})[row.vehicle_type] = int(flt(row.price))
	optional: dict[str, list[str]] = {}
	included: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"WA Service Add-on",
		filters={"parenttype": "WA Service"},
		fields=["parent", "addon", "included"],
		order_by="idx asc",
	):
		(included if row.included else optional).setdefault(row.parent, []).append(row.addon)
	services = tuple(
		Service(
			service=row.name,
			service_name=row.service_name,
			prices=prices.get(row.name, {}),
			duration_minutes=cint(row.duration_minutes) or 60,
			description=row.description or "",
			addons=tuple(optional.get(row.name, [])),
			included_addons=tuple(included.get(row.name, [])),
			enabled=bool(row.enabled),
		)
		for row in frappe.get_all(
			"WA Service",
			fields=["name", "service_name", "duration_minutes", "description", "enabled"],
			order_by="service_name asc",
		)
	)
	return Catalog(services=services, addons=addons)


def profile_from_last_booking(phone: str) -> Profile | None:
	"""What this customer gave for their last booking here (completed or still confirmed: a
	booking not yet marked done holds the same car and address)."""
	rows = frappe.get_all(
		"WA Service Booking",
		filters={"conversation": phone, "status": ("in", ("Completed", "Confirmed"))},
		fields=[
			"first_name", "last_name", "email", "vehicle_brand", "vehicle_model", "vehicle_type",
			"vehicle_plate", "address", "pincode", "city",
		],
		order_by="appointment_date desc, creation desc",
		limit=1,
	)
	if not rows:
		return None
	row = rows[0]
	return Profile(
		first_name=row.first_name or "",
		last_name=row.last_name or "",
		email=row.email or "",
		vehicles=(Vehicle(row.vehicle_brand or "", row.vehicle_model or "", row.vehicle_type or "", row.vehicle_plate or ""),),
		places=(Place(row.address or "", row.pincode or "", row.city or ""),) if row.address else (),
	)


def seats_taken_on(day: date) -> dict[str, int]:
	"""Seats taken per slot on `day`: bookings and live holds (`services/booking/slots.py`)."""
	return taken_on(day, None, now_in_india())
