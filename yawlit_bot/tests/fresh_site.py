"""Run on a brand-new site by test_fresh_install.py, with `bench --site <new site> execute`:
the README's happy path booked through the WhatsApp Simulator on a site whose settings nobody
touched (the real pipeline: store, RQ worker, turn, outbox). Prints one JSON line: the
opening hours as installed, tomorrow's slots and the transcript, the booking made."""

from __future__ import annotations

import json
import time

import frappe

PHONE = "916000099001"
# What a customer answers to each question, by what the question asks (in this order).
ANSWERS = (
	("water", "haan dono hai"),
	("electricity", "haan dono hai"),
	("plate", "MH12AB1234"),
	("name", "Ravi Kumar"),
	("address", "Flat 12, Green Park Society, Baner Road, Pune 411045"),
	("pincode", "411045"),
	("car", "Maruti Swift hatchback"),
	("vehicle", "Maruti Swift hatchback"),
	("service", "Foam Wash"),
	("date", "kal"),
	("time", "10 baje"),
)


def _wait_for_turns(timeout: float = 60) -> None:
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		frappe.db.rollback()  # what the worker committed
		pending = frappe.db.count("WA Message", {"conversation": PHONE, "role": "user", "processing_status": "Pending"})
		if not pending:
			return
		time.sleep(0.2)
	raise TimeoutError("the turn was not processed: is an RQ worker running for this bench?")


def _last_reply() -> str:
	rows = frappe.get_all(
		"WA Message", filters={"conversation": PHONE, "role": "assistant"}, pluck="content", order_by="name desc", limit=1
	)
	return rows[0] if rows else ""


def book_readme_happy_path() -> None:
	from datetime import timedelta

	from yawlit_bot.services.booking.catalog import get_available_slots
	from yawlit_bot.services.site.clock import today_in_india
	from yawlit_bot.services.pipeline.simulator import simulate

	stored = frappe.db.get_singles_dict("WA Booking Settings")
	tomorrow = today_in_india() + timedelta(days=1)
	foam = frappe.db.get_value("WA Service", {"service_name": "Foam Wash"})
	slots = get_available_slots(tomorrow, foam, "Hatchback") if foam else []
	transcript = []

	def say(text=None, button_id=None, button_title=None):
		simulate(PHONE, "Administrator", text=text, button_id=button_id, button_title=button_title)
		frappe.db.commit()
		_wait_for_turns()
		transcript.append({"customer": text or button_title, "bot": _last_reply()})

	say("kal subah 10 baje foam wash chahiye")  # README: the happy path's first message
	for _ in range(12):
		state = frappe.db.get_value("WA Conversation", PHONE, "state")
		if state != "COLLECTING":
			break
		asked = transcript[-1]["bot"].lower()
		answer = next((text for word, text in ANSWERS if word in asked), None)
		if answer is None:
			break
		say(answer)
	if frappe.db.get_value("WA Conversation", PHONE, "state") == "CONFIRMING":
		say(button_id="1", button_title="Confirm")
	booking_name = frappe.db.get_value("WA Conversation", PHONE, "last_booking")
	booking = (
		frappe.db.get_value(
			"WA Service Booking",
			booking_name,
			["name", "appointment_date", "time_slot", "first_name", "vehicle_plate", "pincode"],
			as_dict=True,
		)
		if booking_name
		else None
	)
	print(
		json.dumps(
			{
				"opens_at": str(stored.get("opens_at")),
				"closes_at": str(stored.get("closes_at")),
				"slot_minutes": stored.get("slot_minutes"),
				"tomorrow": str(tomorrow),
				"slots_tomorrow": [slot.get("slot") or slot.get("time_slot") or str(slot) for slot in slots],
				"state": frappe.db.get_value("WA Conversation", PHONE, "state"),
				"booking": {k: str(v) for k, v in booking.items()} if booking else None,
				"transcript": transcript,
			},
			ensure_ascii=False,
		)
	)
