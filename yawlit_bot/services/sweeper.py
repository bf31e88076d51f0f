"""The safety net, run every minute by the scheduler.

- inbound messages left `Pending` longer than the sweeper age (a crashed worker, a lost job,
  Redis down at enqueue time) get their conversation's turn queued again;
- replies WAPI refused are retried, up to the settings' attempt limit;
- replies stuck in `Sending` (the worker died mid-send) become `Unknown`: we cannot know
  whether WAPI got them, so they are shown, not resent.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from yawlit_bot.services.outbox import send_replies
from yawlit_bot.services.settings import get_bot_settings
from yawlit_bot.services.turn import conversation_lock, enqueue_turn, has_pending

RESEND_JOB = "yawlit_bot.services.sweeper.resend_replies"


def sweep() -> dict:
	settings = get_bot_settings()
	if not settings.enabled:
		return {}
	cutoff = now_datetime() - timedelta(seconds=settings.sweeper_age or 60)
	# Only re-queue: a message waiting behind a backlog is not failing. Turns that kill their
	# worker are counted where they start (see turn.count_turn_start).
	pending = frappe.db.sql_list(
		"""select distinct conversation from `tabWA Message`
		where role = 'user' and processing_status = 'Pending' and received_at < %s""",
		cutoff,
	)

	frappe.db.sql(
		"""update `tabWA Message` set send_status = 'Unknown',
		send_error = 'The worker stopped while sending: WAPI may or may not have it. Not resent.'
		where role = 'assistant' and send_status = 'Sending' and modified < %s""",
		cutoff - timedelta(seconds=60),
	)
	unsent = frappe.db.sql_list(
		"""select distinct conversation from `tabWA Message`
		where role = 'assistant' and modified < %s and (send_status = 'Queued'
			or (send_status = 'Failed' and wamid is null and send_attempts < %s))""",
		(cutoff, settings.max_send_attempts or 5),
	)
	frappe.db.commit()
	for conversation in pending:
		enqueue_turn(conversation)
	for conversation in unsent:
		frappe.enqueue(RESEND_JOB, queue="short", conversation=conversation)
	return {"requeued_turns": len(pending), "resend_conversations": len(unsent)}


def resend_replies(conversation: str) -> int:
	"""Send a conversation's unsent replies in order, under its lock so turns don't interleave."""
	settings = get_bot_settings()
	lock = conversation_lock(conversation, settings.lock_timeout or 30)
	if not lock.acquire():
		return 0  # a turn is running: it sends queued replies; the next sweep retries failed ones
	try:
		sent = send_replies(
			conversation,
			include_failed=True,
			max_attempts=settings.max_send_attempts or 5,
			keep_going=lock.refresh,
		)
	finally:
		lock.release()
	if has_pending(conversation):  # turns that gave up on the lock while we held it
		enqueue_turn(conversation)
	return sent
