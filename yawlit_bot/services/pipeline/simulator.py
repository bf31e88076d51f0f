"""The WhatsApp Simulator: staff write as a customer, through the real pipeline (store, lock,
turn, outbox). Its conversations are flagged `simulated`: the outbox never sends their replies
to WAPI, a booking made in one is never sent to Yawlit's ERP, and they can be cleared."""

from __future__ import annotations

import json
import uuid

import frappe

from yawlit_bot.engine.validation import normalize_whatsapp_number
from yawlit_bot.engine.wapi_payload import InboundMessage, ParsedWebhook
from yawlit_bot.services.pipeline.inbound import SimulatorNumberTaken, store_webhook


def simulator_number(phone: str) -> str:
	number = normalize_whatsapp_number(phone or "")
	if not number:
		frappe.throw(frappe._("{0} is not a phone number WhatsApp would have").format(frappe.bold(phone or "")))
	simulated = frappe.db.get_value("WA Conversation", number, "simulated")
	if simulated is not None and not simulated:
		frappe.throw(
			frappe._("{0} is a real customer's number: choose another number for the simulator.").format(number)
		)
	return number


def simulate(phone: str, user: str, text=None, button_id=None, button_title=None, location=None) -> dict:
	"""Store one message as WAPI's webhook would, and queue its turn."""
	number = simulator_number(phone)
	if location:
		location = json.loads(location) if isinstance(location, str) else location
		location = {key: location.get(key) for key in ("latitude", "longitude", "name", "address")}
		kind, text = "location", None
	elif button_id:
		kind, text = "interactive", (button_title or text or "").strip()
	else:
		text = (text or "").strip()
		if not text:
			frappe.throw(frappe._("Type a message first."))
		kind = "text"
	message = InboundMessage(
		wamid=f"simulated.{uuid.uuid4().hex}",
		sender=number,
		message_type=kind,
		text=text[:4096] if text else None,
		button_id=button_id or None,
		button_title=button_title or None,
		location=location or None,
		profile_name=f"Simulator ({frappe.utils.get_fullname(user)})",
	)
	try:
		return store_webhook(ParsedWebhook(messages=[message]), {"simulated_by": user}, simulated=True)
	except SimulatorNumberTaken:
		frappe.throw(frappe._("{0} is a real customer's number: choose another number for the simulator.").format(number))


def clear(phone: str) -> int:
	"""Remove a simulated conversation and all it made (messages, scratchpads, bookings, holds).
	Returns how many messages went."""
	from yawlit_bot.services.pipeline.conversation_removal import remove_conversation

	return remove_conversation(simulator_number(phone))
