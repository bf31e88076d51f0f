"""Figures for the "WhatsApp Bot" workspace's number cards: the last campaign's sent, delivered
and read counts. Those who may read campaigns (WA Campaign Manager, System Manager); never Guest."""

from __future__ import annotations

import frappe
from frappe import _

from yawlit_bot.services.site.roles import CAMPAIGN_ROLE

READER_ROLES = (CAMPAIGN_ROLE, "System Manager")


def _last_campaign(count_field: str) -> dict:
	if not set(frappe.get_roles()) & set(READER_ROLES):
		frappe.throw(_("Only those who run campaigns may read their figures."), frappe.PermissionError)
	rows = frappe.get_all(
		"WA Campaign",
		filters={"status": ("not in", ("Draft",))},
		fields=["name", count_field],
		order_by="creation desc",
		limit=1,
	)
	if not rows:
		return {"value": 0, "fieldtype": "Int", "route": ["List", "WA Campaign"]}
	return {"value": rows[0].get(count_field) or 0, "fieldtype": "Int", "route": ["Form", "WA Campaign", rows[0].name]}


@frappe.whitelist()
def last_campaign_sent(filters=None) -> dict:
	return _last_campaign("sent_count")


@frappe.whitelist()
def last_campaign_delivered(filters=None) -> dict:
	return _last_campaign("delivered_count")


@frappe.whitelist()
def last_campaign_read(filters=None) -> dict:
	return _last_campaign("read_count")


def _bot_staff() -> None:
	from yawlit_bot.services.site.roles import BOT_ROLE

	frappe.only_for((BOT_ROLE, "System Manager"))


@frappe.whitelist()
def day_plan() -> dict:
	"""Today's to-do, tomorrow's bookings with their reminder status, this month's feedback."""
	from yawlit_bot.services.aftercare.day_plan import day_plan as read

	_bot_staff()
	return read()


@frappe.whitelist()
def feedback_average(filters=None) -> dict:
	"""The number card: this month's average rating (1-5) from the customers' feedback."""
	from yawlit_bot.services.aftercare.day_plan import feedback_this_month

	_bot_staff()
	average, count = feedback_this_month()
	return {
		"value": average or 0,
		"fieldtype": "Float",
		"route": ["List", "WA Service Booking"],
	}
