"""The staff inbox, whitelisted for the Desk chat view and for other systems. Bot roles only
(WA Bot Manager, System Manager); Guest and other roles are refused on every method.

    yawlit_bot.api.inbox.take_over(conversation)
    yawlit_bot.api.inbox.hand_back(conversation)
    yawlit_bot.api.inbox.send_reply(conversation, text)
    yawlit_bot.api.inbox.send_template(conversation)      # after WhatsApp's 24-hour window
    yawlit_bot.api.inbox.retry(message, confirmed=False)  # a failed reply, once
    yawlit_bot.api.inbox.thread(conversation, before=None, limit=50)
    yawlit_bot.api.inbox.booking_panel(conversation)
    yawlit_bot.api.inbox.mark_read(conversation)
"""

from __future__ import annotations

import frappe

from yawlit_bot.services.inbox import staff
from yawlit_bot.services.site.retry import run_with_db_retries
from yawlit_bot.services.site.roles import BOT_ROLE

STAFF_ROLES = (BOT_ROLE, "System Manager")


def _committed(unit):
	"""Run a change and commit it; a deadlock or lock wait (a turn or a send holding the same
	rows) runs it again from the start rather than failing the staff member's click."""

	def run():
		result = unit()
		frappe.db.commit()
		return result

	return run_with_db_retries(run)


def _allowed(conversation: str | None = None) -> str:
	frappe.only_for(STAFF_ROLES)
	if conversation is not None and not frappe.db.exists("WA Conversation", conversation):
		frappe.throw(frappe._("No WhatsApp conversation {0}").format(conversation), frappe.DoesNotExistError)
	return frappe.session.user


@frappe.whitelist(methods=["POST"])
def take_over(conversation: str) -> dict:
	user = _allowed(conversation)
	return _committed(lambda: staff.take_over(conversation, user))


@frappe.whitelist(methods=["POST"])
def hand_back(conversation: str) -> dict:
	user = _allowed(conversation)
	return _committed(lambda: staff.hand_back(conversation, user))


@frappe.whitelist(methods=["POST"])
def send_reply(conversation: str, text: str) -> dict:
	user = _allowed(conversation)
	return {"message": _committed(lambda: staff.send_staff_reply(conversation, user, text))}


@frappe.whitelist(methods=["POST"])
def send_template(conversation: str) -> dict:
	user = _allowed(conversation)
	return {"message": _committed(lambda: staff.send_reopen_template(conversation, user))}


@frappe.whitelist(methods=["POST"])
def retry(message: str, confirmed: bool = False) -> dict:
	"""`confirmed`: send again a reply WhatsApp may have delivered already (no answer came)."""
	user = _allowed()
	_committed(lambda: staff.retry_reply(message, user, confirmed=frappe.utils.sbool(confirmed)))
	return {"message": message}


@frappe.whitelist()
def thread(conversation: str, before: int | None = None, limit: int = staff.THREAD_PAGE) -> dict:
	_allowed()  # a number with no conversation yet (the simulator's) has an empty thread
	return staff.thread(conversation, int(before) if before else None, int(limit or staff.THREAD_PAGE))


@frappe.whitelist()
def booking_panel(conversation: str) -> dict:
	_allowed()
	return staff.booking_panel(conversation)


@frappe.whitelist(methods=["POST"])
def mark_read(conversation: str) -> None:
	_allowed(conversation)
	staff.mark_read(conversation)
