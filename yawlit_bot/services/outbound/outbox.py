"""Sending replies after commit (the outbox).

A reply is a `WA Message` row written in the turn's transaction. It is sent only after that
commit, and only by whoever flips it to `Sending` first, so a row is sent at most once per
attempt. Outcomes:
- `Sent` with WAPI's wamid;
- `Failed` when WAPI certainly did not take it (unreachable, refused): it goes again at its
  `next_attempt_at` (`send_outcome.resend_delay`), sent by a turn job that finds it due (see
  `turn_jobs`) or by the sweeper, while attempts remain;
- `Unknown` when the request left and no answer came, or the worker died mid-send: shown
  for a person to judge, never resent blindly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from yawlit_bot.engine import send_outcome as outcome
from yawlit_bot.services.clients.wapi_client import (
	WapiError,
	send_buttons,
	send_list,
	send_template,
	send_text,
	sent_wamid,
)
from yawlit_bot.services.outbound.messages import update_message
from yawlit_bot.services.site.live import publish_thread
from yawlit_bot.services.site.retry import run_with_db_retries
from yawlit_bot.services.site.settings import get_wapi_config


def unsent_replies(conversation: str, max_attempts: int = 5) -> list:
	"""Replies waiting to go, oldest first: queued ones, and failed ones WAPI never took.
	Each as (name, ready): a failed one is ready again at its `next_attempt_at`."""
	return frappe.db.sql(
		"""select name, (send_status = 'Queued' or ifnull(next_attempt_at, 0) <= %(now)s)
		from `tabWA Message`
		where conversation = %(conversation)s and role = 'assistant' and (send_status = 'Queued'
			or (send_status = 'Failed' and wamid is null and send_attempts < %(max)s))
		order by name""",
		{"conversation": conversation, "max": max_attempts, "now": now_datetime()},
	)


def has_queued_replies(conversation: str) -> bool:
	"""A reply stored and never tried (a staff reply written while a job held the lock)."""
	return bool(
		frappe.db.sql(
			"""select 1 from `tabWA Message` where conversation = %s and role = 'assistant'
			and send_status = 'Queued' limit 1""",
			conversation,
		)
	)


def next_attempt_at(conversation: str, max_attempts: int = 5):
	"""When this conversation's first refused reply may go again (None when none waits)."""
	rows = frappe.db.sql(
		"""select next_attempt_at from `tabWA Message`
		where conversation = %s and role = 'assistant' and send_status = 'Failed' and wamid is null
			and send_attempts < %s
		order by name limit 1""",
		(conversation, max_attempts),
	)
	return rows[0][0] if rows else None


def send_replies(
	conversation: str, max_attempts: int = 5, keep_going: Callable[[], bool] | None = None
) -> int | None:
	"""Send this conversation's replies in order; stop at the first that fails, to keep the order.

	`keep_going` is asked before each send (the caller's lock is still ours). Returns how many
	were sent, or None when a send failed (the rest wait for a later pass)."""
	sent = 0
	for name, ready in unsent_replies(conversation, max_attempts):
		if keep_going and not keep_going():
			break
		# A reply that just failed holds the later ones back (their order) without spending
		# another of its attempts at once: a job retrying every pass would burn them in a second.
		if not ready or not send_reply(name):
			return None
		sent += 1
	return sent


def _claim(name) -> bool:
	def claim() -> bool:
		claimed = update_message(
			name,
			{"send_status": "Sending", "modified": now_datetime()},
			where="role = 'assistant' and send_status in ('Queued', 'Failed')",
		)
		frappe.db.sql("update `tabWA Message` set send_attempts = send_attempts + 1 where name = %s", name)
		frappe.db.commit()
		return claimed == 1

	return run_with_db_retries(claim)


def _record_outcome(name, values: dict, conversation: str) -> None:
	"""Write what became of a send and commit, retrying a deadlock: the request has left, so this
	write is the only record of it (left `Sending`, the sweeper would call it `Unknown`)."""

	def record() -> None:
		update_message(name, values)
		publish_thread(conversation, "status")
		frappe.db.commit()

	run_with_db_retries(record)


def send_reply(name) -> bool:
	"""Send one reply row if nobody else has; True when WAPI took it."""
	if not _claim(name):
		return False
	row = frappe.db.sql(
		"""select m.conversation, m.content, m.buttons, m.template, m.send_attempts, c.simulated
		from `tabWA Message` m left join `tabWA Conversation` c on c.name = m.conversation
		where m.name = %s""",
		name,
		as_dict=True,
	)[0]
	try:
		buttons = json.loads(row.buttons) if row.buttons else []
		template = json.loads(row.template) if row.template else None
		# the WhatsApp Simulator's customer: shown in Desk, never sent (no WAPI needed)
		config = None if row.simulated else get_wapi_config()
		if row.simulated:
			response = {"data": {"wamid": f"simulated-{name}"}}
		elif template:  # staff writing after the 24-hour window
			fields = template.get("fields") or {}
			response = send_template(config, row.conversation, template["name"], template.get("language"), fields)
		elif isinstance(buttons, dict):  # a WhatsApp list
			response = send_list(config, row.conversation, row.content or "", buttons)
		elif buttons:
			response = send_buttons(config, row.conversation, row.content or "", buttons)
		else:
			response = send_text(config, row.conversation, row.content or "")
	except (WapiError, ValueError, KeyError, TypeError, AttributeError) as exc:
		# the others: stored buttons or a template not in the shape written (nothing was sent)
		kind = getattr(exc, "kind", outcome.REFUSED)
		delay = outcome.resend_delay(row.send_attempts)
		_record_outcome(
			name,
			{
				"send_status": outcome.reply_status_after(kind),
				"send_error": str(exc)[:1000],
				"next_attempt_at": now_datetime() + timedelta(seconds=delay),
			},
			row.conversation,
		)
		return False
	now = now_datetime()
	sent = {
		"send_status": "Sent",
		"wamid": sent_wamid(response),
		"sent_at": now,
		"send_error": None,
		"next_attempt_at": None,
	}

	def note_sent_on_conversation() -> None:
		# First, as every writer of both does (a turn, a staff take-over): the conversation row,
		# then its messages. The other order deadlocked against a take-over.
		frappe.db.sql(
			"update `tabWA Conversation` set last_outbound_at = %s where name = %s", (now, row.conversation)
		)

	def record_sent() -> None:
		note_sent_on_conversation()
		try:
			update_message(name, sent)
		except Exception as exc:
			if not frappe.db.is_duplicate_entry(exc):
				raise
			# WAPI sent it, but reused a wamid we hold already: keep the row Sent, without the id.
			frappe.db.rollback()
			note_sent_on_conversation()
			update_message(name, {**sent, "wamid": None, "send_error": f"WAPI reused wamid {sent['wamid']}"})
		publish_thread(row.conversation, "status")
		frappe.db.commit()

	# As in _record_outcome: the only record that WAPI took it, so a deadlock must not lose it.
	run_with_db_retries(record_sent)
	return True
