"""The WhatsApp Simulator page's methods. Bot roles only (WA Bot Manager, System Manager)."""

from __future__ import annotations

import frappe

from yawlit_bot.api.inbox import STAFF_ROLES
from yawlit_bot.services.pipeline import simulator


@frappe.whitelist(methods=["POST"])
def send(phone: str, text: str | None = None, button_id: str | None = None, button_title: str | None = None, location=None) -> dict:
	frappe.only_for(STAFF_ROLES)
	result = simulator.simulate(phone, frappe.session.user, text, button_id, button_title, location)
	return {"conversation": simulator.simulator_number(phone), **result}


@frappe.whitelist(methods=["POST"])
def clear(phone: str) -> dict:
	frappe.only_for(STAFF_ROLES)
	return {"removed_messages": simulator.clear(phone)}
