"""The booking a confirmed scratchpad becomes, and what the catalog says about it first: the
slot must have room (`services/slots.py`, under the slot's lock) and the price is taken from
the catalog when it can price it."""

from __future__ import annotations

import frappe
from frappe.utils import getdate

from yawlit_bot.engine import catalog as rules
from yawlit_bot.engine.catalog import CatalogError, area_served
from yawlit_bot.engine.conversation import (
	Decision,
	SlotCheck,
	State,
	asks_time,
	needs_slot_check,
	offer_times,
	settle,
)
from yawlit_bot.engine.fields import ALL_FIELDS
from yawlit_bot.engine.offer import Offer, chosen_addons
from yawlit_bot.services import catalog, slots
from yawlit_bot.services.clock import now_in_india
from yawlit_bot.services.settings import BookingSettings, booking_settings


def price_of(values: dict, offer: Offer | None = None) -> dict | None:
	"""The catalog's price for the scratchpad's service, vehicle, add-ons and the utilities the
	customer can provide; None when the catalog cannot price it (a service it does not know)."""
	service, vehicle_type = values.get("service_type"), values.get("vehicle_type")
	if not (service and vehicle_type):
		return None
	try:
		if offer is not None:  # the catalog's id for the name the customer chose
			service = offer.catalog.service(service).service
		return catalog.calculate_price(
			service,
			vehicle_type,
			chosen_addons(values),
			water_provided=values.get("water_provided") != "No",
			electricity_provided=values.get("electricity_provided") != "No",
		)
	except CatalogError:
		return None


def free_times(day_value, values: dict, conversation: str, settings: BookingSettings, offer: Offer | None) -> SlotCheck:
	"""The slots of the day with room for this customer (their own hold counts as free), or,
	none left, why and the nearest dates with room."""
	now = now_in_india()
	try:
		day = getdate(day_value)
	except Exception:
		return SlotCheck(False, "Please tell me the date again.")
	if settings.backend == catalog.BUILT_IN:
		problem = rules.window_error(settings.schedule, day, now.date()) or ""
		return slots.alternatives(settings, day, conversation, now, problem)
	try:  # Yawlit's ERP: its own slots for the day; it does not say which other dates have room
		service = values.get("service_type")
		if offer is not None and service:
			service = offer.catalog.service(service).service
		free = [row["slot_id"] for row in catalog.get_available_slots(day, service, values.get("vehicle_type"))]
	except CatalogError as exc:
		return SlotCheck(False, str(exc))
	return SlotCheck(False, "" if free else "Sorry, that day has no free slot.", tuple(free))


def settle_with_catalog(
	decision: Decision, conversation: str, offer: Offer | None = None
) -> tuple[Decision, dict | None, slots.Slot | None]:
	"""The engine's decision once the catalog has answered: the time asked as a list of the
	day's free slots; an address outside the area served told as soon as it is given; when the
	summary is shown or the booking made, the slot checked under its lock (a full one caught
	here, with alternatives) and the price added. Returns the decision, the price and the
	locked slot (when it has room)."""
	day = asks_time(decision)
	if day:
		settings = booking_settings()
		return offer_times(decision, free_times(day, decision.values, conversation, settings, offer)), None, None
	place_given = bool({"pincode", "city"} & set(decision.changed))
	if not (needs_slot_check(decision) or place_given):
		return decision, None, None
	settings = booking_settings()
	values = decision.values
	served = area_served(values.get("pincode"), values.get("city"), settings.served_pincodes, settings.served_cities)
	if served is False:  # told as soon as we know; nothing held or booked for it
		return settle(decision, None, served=False), None, None
	if not needs_slot_check(decision):
		return decision, None, None
	check, row = None, None
	if settings.backend == catalog.BUILT_IN:
		values = decision.values
		check, row = slots.check_slot(
			values.get("appointment_date"), values.get("time_slot"), conversation, settings=settings
		)
	price = price_of(decision.values, offer)
	settled = settle(decision, check, price)
	return settled, price, row if check and check.available else None


def keep_seat(decision: Decision, row: slots.Slot | None, conversation: str) -> None:
	"""The summary was shown: its slot is kept for this customer a few minutes (others see it as
	taken; an expired hold simply stops counting), and a seat they held in another slot is let
	go. A customer who cancels lets their seat go at once."""
	if row is not None and decision.state is State.CONFIRMING:
		slots.hold(row, conversation, booking_settings().hold_minutes)
		slots.release_holds([conversation], keep=row.name)
	elif decision.state is State.CANCELLED:
		slots.release_holds([conversation])


def create_booking(scratchpad, price: dict | None = None, row: slots.Slot | None = None) -> str:
	"""Create the booking for `scratchpad` once; a second call returns the first booking. `row`:
	the slot, checked and locked by `settle_with_catalog` in this transaction."""
	existing = frappe.db.get_value("WA Service Booking", {"scratchpad": scratchpad.name})
	if existing:
		return existing
	service = scratchpad.get("service_type")
	booking = frappe.get_doc(
		{
			"doctype": "WA Service Booking",
			"scratchpad": scratchpad.name,
			"conversation": scratchpad.conversation,
			"status": "Confirmed",
			**{name: scratchpad.get(name) for name in ALL_FIELDS},
			"service": service if service and frappe.db.exists("WA Service", service) else None,
			**(
				{
					"base_price": price["base"],
					"addons_total": price["addons_total"],
					"surcharges": price["surcharges"],
					"total_amount": price["total"],
				}
				if price
				else {}
			),
		}
	)
	booking.flags.seat_taken = row is not None  # taken below, under the lock the turn holds
	booking.insert(ignore_permissions=True)
	if row is not None:
		slots.take_seat(row, scratchpad.conversation)
	return booking.name
