"""The booking a confirmed scratchpad becomes, and what the catalog says about it first: the
slot must have room (`services/slots.py`, under the slot's lock) and the price is taken from
the catalog when it can price it."""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.utils import getdate

from yawlit_bot.engine import catalog as rules
from yawlit_bot.engine.catalog import CatalogError, area_served
from yawlit_bot.engine.conversation import (
	REFUSED,
	UNAVAILABLE,
	Decision,
	SlotCheck,
	State,
	asks_time,
	booking_not_made,
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


ERP_BOOKED, ERP_TO_CHECK = "Booked", "To check (no answer in time)"


@dataclass(frozen=True)
class ErpBooking:
	"""What Yawlit's ERP answered to the booking: its id, or None when no answer came in time
	(it may have booked: a person checks; it is never sent again)."""

	booking_id: str | None


ERP_MEMORY_SECONDS = 7 * 86400


def book_in_erp(decision: Decision, scratchpad: str, offer: Offer | None) -> tuple[Decision, ErpBooking | None]:
	"""With Yawlit's ERP as the backend, the booking is made there first, once per scratchpad:
	what the ERP answered is remembered (site cache) before this turn commits, so a retried turn
	uses that answer instead of booking again, and a call that got no answer is never repeated.
	A slot taken meanwhile, a refusal or an ERP that cannot be reached: nothing booked, the
	customer told (`booking_not_made`)."""
	from yawlit_bot.services.catalog.yawlit_erp import SlotTaken, create_booking as erp_create
	from yawlit_bot.services.yawlit_erp_client import ErpOutcomeUnknown, ErpUnavailable

	settings = booking_settings()
	if not decision.create_booking or settings.backend != catalog.YAWLIT_ERP:
		return decision, None
	if frappe.db.exists("WA Service Booking", {"scratchpad": scratchpad}):
		return decision, None  # made already (Confirm twice): `create_booking` returns it
	key = f"yawlit_bot|erp-booking|{scratchpad}"
	remembered = frappe.cache.get_value(key)
	if remembered is not None:
		return decision, ErpBooking(remembered.get("booking_id"))
	values = decision.values
	try:
		chosen = offer.catalog.service(values.get("service_type")) if offer else None
		service_id = chosen.service if chosen else values.get("service_type")
		addon_ids = [offer.catalog.addon(name).addon for name in chosen_addons(values)] if offer else []
	except CatalogError as exc:
		return booking_not_made(decision, REFUSED, str(exc)), None
	frappe.cache.set_value(key, {"booking_id": None}, expires_in_sec=ERP_MEMORY_SECONDS)  # sent
	try:
		answer = erp_create(settings, values, service_id, addon_ids)
	except ErpOutcomeUnknown:
		frappe.log_error(title="yawlit_bot: a booking to check in Yawlit's ERP (no answer in time)", defer_insert=True)
		return decision, ErpBooking(None)
	except SlotTaken as exc:
		frappe.cache.delete_value(key)
		free = free_times(values.get("appointment_date"), values, scratchpad, settings, offer)
		return booking_not_made(decision, REFUSED, str(exc), SlotCheck(False, str(exc), free.free_slots)), None
	except ErpUnavailable as exc:
		frappe.cache.delete_value(key)
		return booking_not_made(decision, UNAVAILABLE, str(exc)), None
	except CatalogError as exc:
		frappe.cache.delete_value(key)
		return booking_not_made(decision, REFUSED, str(exc)), None
	frappe.cache.set_value(key, {"booking_id": answer["booking_id"]}, expires_in_sec=ERP_MEMORY_SECONDS)
	return decision, ErpBooking(answer["booking_id"])


def keep_seat(decision: Decision, row: slots.Slot | None, conversation: str) -> None:
	"""The summary was shown: its slot is kept for this customer a few minutes (others see it as
	taken; an expired hold simply stops counting), and a seat they held in another slot is let
	go. A customer who cancels lets their seat go at once."""
	if row is not None and decision.state is State.CONFIRMING:
		slots.hold(row, conversation, booking_settings().hold_minutes)
		slots.release_holds([conversation], keep=row.name)
	elif decision.state is State.CANCELLED:
		slots.release_holds([conversation])


def create_booking(
	scratchpad, price: dict | None = None, row: slots.Slot | None = None, erp: ErpBooking | None = None
) -> str:
	"""Create the booking for `scratchpad` once; a second call returns the first booking. `row`:
	the slot, checked and locked by `settle_with_catalog` in this transaction; `erp`: what
	Yawlit's ERP answered (`book_in_erp`)."""
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
	if erp is not None:
		booking.erp_booking_id = erp.booking_id
		booking.erp_status = ERP_BOOKED if erp.booking_id else ERP_TO_CHECK
	booking.flags.seat_taken = row is not None  # taken below, under the lock the turn holds
	booking.insert(ignore_permissions=True)
	if row is not None:
		slots.take_seat(row, scratchpad.conversation)
	return booking.name
