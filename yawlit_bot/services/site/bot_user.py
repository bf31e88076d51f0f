"""The user the bot's own work runs as (turn jobs, the sweeper), so what the bot changes shows
"WhatsApp Bot" as its author in Desk, not Guest (the webhook's user, which queued the job) or
Administrator. It has the WA Bot Manager role and no password: nobody logs in as it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe

BOT_USER = "whatsapp-bot@yawlit-bot.invalid"  # .invalid: a domain that can never receive mail


def ensure_bot_user() -> None:
	from yawlit_bot.services.site.roles import BOT_ROLE

	if frappe.db.exists("User", BOT_USER):
		return
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": BOT_USER,
			"first_name": "WhatsApp Bot",
			"user_type": "System User",
			"send_welcome_email": 0,
			"roles": [{"role": BOT_ROLE}],
		}
	)
	user.flags.no_welcome_mail = True
	user.insert(ignore_permissions=True)


@contextmanager
def as_bot() -> Iterator[None]:
	"""Run the block as the bot (unchanged on a site that has no bot user yet), then as whoever
	ran it before: a test or console that calls a job's function keeps its own user."""
	user = frappe.session.user
	switch = user != BOT_USER and bool(frappe.db.exists("User", BOT_USER))
	if switch:
		frappe.set_user(BOT_USER)
	try:
		yield
	finally:
		if switch:
			frappe.set_user(user)


def author() -> str:
	"""Who a row written now is by: the session's user, or the bot for the webhook's Guest (what
	WhatsApp delivers is stored by the bot, not by an anonymous visitor)."""
	user = frappe.session.user
	return BOT_USER if user == "Guest" else user
