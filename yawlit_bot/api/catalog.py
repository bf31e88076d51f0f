"""The catalog, for staff and other systems (API key or session): services, add-ons, slots
with room and prices. WA Bot Manager or System Manager only; never Guest."""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import cint, getdate

from yawlit_bot.services.booking import catalog
from yawlit_bot.services.site.roles import BOT_ROLE

READER_ROLES = (BOT_ROLE, "System Manager")


def _checked(call, *args, **kwargs):
	# An explicit check rather than frappe.only_for, which tests skip.
	if not set(frappe.get_roles()) & set(READER_ROLES):
		frappe.throw(_("Only WA Bot Managers may read the catalog."), frappe.PermissionError)
	try:
		return call(*args, **kwargs)
	except catalog.CatalogError as exc:
		frappe.throw(_(str(exc)), title=_("Catalog"))


@frappe.whitelist(methods=["GET", "POST"])
def get_services(vehicle_type: str) -> list[dict]:
	"""Services offered for `vehicle_type`, each with its price for it, cheapest first."""
	return _checked(catalog.get_services, vehicle_type)


@frappe.whitelist(methods=["GET", "POST"])
def get_addons(service: str) -> list[dict]:
	"""Optional add-ons of `service` (those it includes are not listed)."""
	return _checked(catalog.get_addons, service)


@frappe.whitelist(methods=["GET", "POST"])
def get_available_slots(date: str, service: str, vehicle_type: str) -> list[dict]:
	"""Slots of `date` (YYYY-MM-DD) with room: `[{slot_id: "10:00-11:00", remaining: n}]`."""
	try:
		day = getdate(date)
	except Exception:
		frappe.throw(_("{0} is not a date (use YYYY-MM-DD).").format(frappe.bold(str(date)[:40])))
	return _checked(catalog.get_available_slots, day, service, vehicle_type)


@frappe.whitelist(methods=["GET", "POST"])
def calculate_price(
	service: str, vehicle_type: str, addons: str | list | None = None, water_provided=1, electricity_provided=1
) -> dict:
	"""`{base, addons_total, surcharges, total}` in INR; `addons` a JSON list of add-on names."""
	if isinstance(addons, str):
		try:
			addons = json.loads(addons) if addons.strip() else []
		except ValueError:
			frappe.throw(_("addons must be a JSON list of add-on names, like [\"Eco Wash\"]."))
	if not isinstance(addons or [], list) or not all(isinstance(a, str) for a in addons or []):
		frappe.throw(_("addons must be a JSON list of add-on names, like [\"Eco Wash\"]."))
	return _checked(
		catalog.calculate_price,
		service,
		vehicle_type,
		addons or [],
		water_provided=bool(cint(water_provided)),
		electricity_provided=bool(cint(electricity_provided)),
	)
