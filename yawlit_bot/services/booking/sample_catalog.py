"""A small catalog for a fresh site, so it books at once; staff edit or delete it. The data
imports without Frappe: the extraction eval runs its dialogues against it (`as_catalog`)."""

from __future__ import annotations

from yawlit_bot.engine.catalog import Addon, Catalog, Service

ADDONS = (
	# name, price (INR), needs water, needs electricity
	("Eco Wash", 100, 1, 0),
	("Interior Vacuum", 200, 0, 1),
	("Tyre Shine", 150, 0, 0),
	("Exterior Polishing", 2400, 0, 1),
)
SERVICES = (
	# name, minutes, {vehicle type: price}, [(add-on, included)], description
	("Basic Wash", 45, {"Hatchback": 299, "Sedan": 349, "SUV": 399, "MUV": 399},
	 [("Eco Wash", 0), ("Tyre Shine", 0)], "Exterior water wash and wipe-down."),
	("Foam Wash", 60, {"Hatchback": 399, "Sedan": 449, "SUV": 499, "MUV": 499},
	 [("Eco Wash", 0), ("Tyre Shine", 0), ("Interior Vacuum", 0)], "Snow-foam exterior wash, rinse and dry."),
	("Premium Wash", 60, {"Hatchback": 499, "Sedan": 599, "SUV": 599, "MUV": 649},
	 [("Interior Vacuum", 1), ("Tyre Shine", 0), ("Exterior Polishing", 0)], "Foam wash, interior vacuum and dashboard care."),
	("Interior Cleaning", 90, {"Hatchback": 799, "Sedan": 899, "SUV": 999, "MUV": 999},
	 [("Interior Vacuum", 1)], "Seats, carpets and dashboard deep-cleaned."),
)


def create_sample_catalog() -> bool:
	"""Opening hours that allow a slot (06:00-18:00 unless the admin set others), and on a site
	with no services yet the sample add-ons and services. Returns whether it created services."""
	import frappe

	from yawlit_bot.services.site.settings import repair_opening_hours

	repair_opening_hours()  # real opening hours, whatever the install left in the Time fields
	if frappe.db.count("WA Service"):
		return False
	for name, price, water, electricity in ADDONS:
		if not frappe.db.exists("WA Add-on", name):
			frappe.get_doc(
				{
					"doctype": "WA Add-on",
					"addon_name": name,
					"price": price,
					"needs_water": water,
					"needs_electricity": electricity,
				}
			).insert(ignore_permissions=True)
	for name, minutes, prices, addons, description in SERVICES:
		frappe.get_doc(
			{
				"doctype": "WA Service",
				"service_name": name,
				"duration_minutes": minutes,
				"description": description,
				"prices": [{"vehicle_type": kind, "price": price} for kind, price in prices.items()],
				"addons": [{"addon": addon, "included": included} for addon, included in addons],
			}
		).insert(ignore_permissions=True)
	return True


def as_catalog() -> Catalog:
	"""The sample as the engine's catalog, keyed by name (as the built-in backend keys them)."""
	addons = {
		name: Addon(name, name, price, needs_water=bool(water), needs_electricity=bool(electricity))
		for name, price, water, electricity in ADDONS
	}
	services = tuple(
		Service(
			name,
			name,
			prices,
			minutes,
			description,
			addons=tuple(addon for addon, included in chosen if not included),
			included_addons=tuple(addon for addon, included in chosen if included),
		)
		for name, minutes, prices, chosen, description in SERVICES
	)
	return Catalog(services, addons)
