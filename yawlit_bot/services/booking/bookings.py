"""The booking a confirmed scratchpad becomes, and what the catalog says about it first: the
slot must have room (`services/booking/slots.py`, under the slot's lock) and the price is taken from
the catalog when it can price it."""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate

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
from yawlit_bot.services.booking import catalog, slots
from yawlit_bot.services.campaigns.results import campaign_from
from yawlit_bot.services.site.clock import now_in_india
from yawlit_bot.services.site.settings import BookingSettings, booking_settings


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
			known=offer.catalog if offer is not None else None,
		)
	except CatalogError:
		return None


def free_times(
	day_value, values: dict, conversation: str, settings: BookingSettings, offer: Offer | None
) -> SlotCheck | None:
	"""The slots of the day with room for this customer (their own hold counts as free), or,
	none left, why and the nearest dates with room. None when the ERP cannot say (the time is
	then asked in words, and the date the customer gave stays)."""
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
	except CatalogError:
		return None
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
		free = free_times(day, decision.values, conversation, booking_settings(), offer)
		return (offer_times(decision, free) if free else decision), None, None
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


ERP_MEMORY_SECONDS = 30 * 86400
SENT = "sent"  # remembered before the call: from then on its outcome is unknown until answered


class ErpMemory:
	"""What Yawlit's ERP answered to a scratchpad's booking, kept on the queue's Redis (not the
	cache, which `bench clear-cache` and memory pressure empty, and which Frappe also keeps per
	request): read fresh, written before the turn commits, so a retried turn never books twice."""

	def __init__(self, scratchpad: str):
		from frappe.utils.background_jobs import get_redis_conn

		self.redis = get_redis_conn()
		self.key = f"{frappe.local.site}|yawlit_bot|erp-booking|{scratchpad}"

	def read(self) -> str | None:
		value = self.redis.get(self.key)
		return value.decode() if isinstance(value, bytes) else value

	def write(self, value: str) -> None:
		self.redis.set(self.key, value, ex=ERP_MEMORY_SECONDS)

	def forget(self) -> None:
		self.redis.delete(self.key)


def book_in_erp(decision: Decision, scratchpad: str, offer: Offer | None) -> tuple[Decision, ErpBooking | None]:
	"""With Yawlit's ERP as the backend, the booking is made there first, once per scratchpad.
	Over HTTP what the ERP answered is remembered (`ErpMemory`) before this turn commits, so a
	retried turn uses that answer instead of booking again, and a call that got no answer is
	never repeated. In process the ERP writes in this turn's own transaction: a failed call is
	rolled back to a savepoint, a failed turn takes the ERP's booking with it. A slot taken
	meanwhile, a refusal or an ERP that cannot be reached: nothing booked, the customer told
	(`booking_not_made`)."""
	from yawlit_bot.services.booking.catalog.yawlit_erp import SlotTaken, in_process
	from yawlit_bot.services.booking.catalog.yawlit_erp import create_booking as erp_create
	from yawlit_bot.services.clients.yawlit_erp_client import ErpOutcomeUnknown, ErpUnavailable

	settings = booking_settings()
	if not decision.create_booking or settings.backend != catalog.YAWLIT_ERP:
		return decision, None
	if frappe.db.exists("WA Service Booking", {"scratchpad": scratchpad}):
		return decision, None  # made already (Confirm twice): `create_booking` returns it
	values = decision.values
	if offer is None:  # the ERP's catalog could not be read: never book a guessed product
		return booking_not_made(decision, UNAVAILABLE, "Sorry, our booking system is not answering right now."), None
	local = in_process()
	memory = None if local else ErpMemory(scratchpad)
	remembered = memory.read() if memory else None
	if remembered:
		return decision, ErpBooking(None if remembered == SENT else remembered)
	try:
		chosen = offer.catalog.service(values.get("service_type"))
		addon_ids = [offer.catalog.addon(name).addon for name in chosen_addons(values)]
	except CatalogError as exc:
		return booking_not_made(decision, REFUSED, str(exc)), None
	if memory:
		memory.write(SENT)
	else:
		frappe.db.savepoint("yawlit_erp_booking")
	try:
		answer = erp_create(settings, values, chosen.service, addon_ids)
	except ErpOutcomeUnknown:
		frappe.log_error(title="yawlit_bot: a booking to check in Yawlit's ERP (no answer in time)", defer_insert=True)
		return decision, ErpBooking(None)
	except CatalogError as exc:
		if memory:
			memory.forget()
		else:
			frappe.db.rollback(save_point="yawlit_erp_booking")
		if isinstance(exc, SlotTaken):
			free = free_times(values.get("appointment_date"), values, scratchpad, settings, offer)
			slot = SlotCheck(False, str(exc), free.free_slots if free else ())
			return booking_not_made(decision, REFUSED, str(exc), slot), None
		kind = UNAVAILABLE if isinstance(exc, ErpUnavailable) else REFUSED
		return booking_not_made(decision, kind, str(exc)), None
	if memory:
		memory.write(answer["booking_id"])
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
			"campaign": campaign_from(scratchpad.conversation),  # what brought the customer back, if a campaign did
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


def upcoming_bookings(conversation: str, settings) -> tuple:
	"""The bookings this WhatsApp conversation made that are confirmed and have not begun,
	soonest first (at most ten): what "cancel my booking" may be about. By the conversation, not
	the phone typed in the booking (which may be another contact's number)."""
	from yawlit_bot.engine.upcoming import Upcoming

	now = now_in_india()
	rows = frappe.db.sql(
		"""select name, appointment_date, time_slot, service_type, starts_at, evening_reminder, morning_reminder
		from `tabWA Service Booking`
		where conversation = %s and status = 'Confirmed' and appointment_date >= %s
		order by starts_at, name limit 10""",
		(conversation, now.date()),
		as_dict=True,
	)
	changeable = settings.backend == catalog.BUILT_IN  # Yawlit's ERP takes no cancellation from the bot
	return tuple(
		Upcoming(
			row.name,
			str(row.appointment_date),
			row.time_slot or "",
			row.service_type or "",
			(get_datetime(row.starts_at) - now).total_seconds() / 3600,
			changeable,
			max((int(value) for value in (row.evening_reminder, row.morning_reminder) if (value or "").isdigit()), default=0),
		)
		for row in rows
		if row.starts_at and get_datetime(row.starts_at) > now
	)


def cancel_by_customer(booking_id: str, conversation: str) -> bool:
	"""Cancel the customer's own booking in this turn's transaction: the booking row locked, its
	seat given back once (the booking's own seat move, under the slot's row lock), who and when
	noted on it. False when it is no longer a confirmed booking of this customer."""
	row = frappe.db.sql(
		"select name from `tabWA Service Booking` where name = %s and conversation = %s and status = 'Confirmed' for update",
		(booking_id, conversation),
	)
	if not row:
		return False
	booking = frappe.get_doc("WA Service Booking", booking_id)
	booking.status = "Cancelled"
	booking.flags.by_customer = True  # the bot answers the customer itself: no staff notice
	booking.save(ignore_permissions=True)
	booking.add_comment("Info", _("Cancelled by the customer over WhatsApp"))
	return True


def move_by_customer(booking_id: str, day: str, slot: str, conversation: str):
	"""Move the customer's own booking to (`day`, `slot`) in this turn's transaction: the booking
	row locked, the old seat given back and the new one taken by the booking's own seat move
	(under the slots' row locks, so a race for the last seat has one winner). Returns None when
	moved, else a SlotCheck saying why not and what has room (nothing changed)."""
	from yawlit_bot.engine.conversation import SlotCheck

	row = frappe.db.sql(
		"select name from `tabWA Service Booking` where name = %s and conversation = %s and status = 'Confirmed' for update",
		(booking_id, conversation),
	)
	if not row:
		return SlotCheck(False, f"Booking {booking_id} is no longer active: nothing to move.")
	# No seat check before the move: the booking's own seat move locks both slot rows in name
	# order (a check here first would lock the new one out of order: two opposite moves deadlock)
	booking = frappe.get_doc("WA Service Booking", booking_id)
	before = f"{getdate(booking.appointment_date):%d %b}, {booking.time_slot}"
	frappe.db.savepoint("move_booking")
	try:
		booking.appointment_date, booking.time_slot = day, slot
		booking.flags.by_customer = True  # the bot answers the customer itself: no staff notice
		booking.save(ignore_permissions=True)
	except frappe.ValidationError:
		frappe.db.rollback(save_point="move_booking")  # the old seat stays taken, as it was
		check, _row = slots.check_slot(day, slot, conversation)
		return check if not check.available else SlotCheck(False, "That time could not be booked. Please pick another.")
	booking.add_comment("Info", _("Moved by the customer over WhatsApp from {0}").format(before))
	return None
