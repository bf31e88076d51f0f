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
	"""On a site with no services yet: the sample add-ons and services, and the booking
	settings stored with their defaults (06:00-18:00, one-hour slots, 2 bays). Returns whether
	it created anything."""
	import frappe

	if not frappe.db.get_singles_dict("WA Booking Settings"):
		settings = frappe.get_single("WA Booking Settings")
		# Frappe fills a Time field that has a default with the current time: set them here.
		settings.update({"opens_at": "06:00:00", "closes_at": "18:00:00"})
		settings.save(ignore_permissions=True)  # the defaults, stored
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
