"""The safety net, run every minute by the scheduler.

- inbound messages left `Pending` longer than the sweeper age (a crashed worker, a lost job,
  Redis down at enqueue time) get their conversation's turn queued again;
- replies WAPI refused whose `next_attempt_at` has come are retried, up to the settings'
  attempt limit, by the turn job (under the conversation lock, in order), and queued replies
  nobody sent (a lost job) are sent;
- conversations left in the ready list (a drain job lost with its worker) get a drain job;
- replies stuck in `Sending` (the worker died mid-send) become `Unknown`: we cannot know
  whether WAPI got them, so they are shown, not resent;
- campaigns whose chain of batch jobs broke are resumed (see `campaigns.sweep_campaigns`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import frappe
from frappe.query_builder.functions import Min
from frappe.utils import get_datetime, now_datetime

from yawlit_bot.services.clients.wapi_client import WORKER_DIED_MID_SEND
from yawlit_bot.services.outbound.messages import update_message
from yawlit_bot.services.pipeline.turn_jobs import conversation_lock
from yawlit_bot.services.pipeline.turn_offers import enqueue_turn, ready_queue, start_drain_job
from yawlit_bot.services.site.settings import bot_settings

LOST_JOB_FACTOR = 5  # pending this many sweeper ages, lock free: the job was lost


def sweep() -> dict:
	from yawlit_bot.services.site.bot_user import as_bot

	with as_bot():
		return _sweep()


def _sweep() -> dict:
	from yawlit_bot.services.campaigns.sending import sweep_campaigns

	settings = bot_settings()
	try:
		result = sweep_campaigns(settings)  # campaigns run whether or not the chat bot is enabled
	except Exception:  # never at the cost of the conversations' safety net below
		frappe.db.rollback()
		frappe.log_error(title="yawlit_bot: campaign sweep failed")
		result = {}
	# With the bot switched off, turns wait (only STOP / START run), but replies still go: staff
	# write to customers whether or not the bot answers them.
	result.update(sweep_conversations(settings, replies_only=not settings.enabled))
	return result


def sweep_conversations(settings, replies_only: bool = False) -> dict:
	cutoff = now_datetime() - timedelta(seconds=settings.sweeper_age)
	# Only re-queue: a message waiting behind a backlog is not failing. Turns that kill their
	# worker are counted where they start (see turn.count_turn_start).
	message = frappe.qb.DocType("WA Message")
	pending = (
		frappe.qb.from_(message)
		.select(message.conversation, Min(message.received_at))
		.where(
			(message.role == "user") & (message.processing_status == "Pending") & (message.received_at < cutoff)
		)
		.groupby(message.conversation)
	).run() if not replies_only else []
	mark_stuck_sends_unknown(cutoff - timedelta(seconds=60))
	# Queued and never sent (a lost job), or refused and due again
	due = message.next_attempt_at.isnull() | (message.next_attempt_at <= now_datetime())
	unsent = (
		frappe.qb.from_(message)
		.select(message.conversation, Min(message.modified))
		.where(
			(message.role == "assistant")
			& (
				((message.send_status == "Queued") & (message.modified < cutoff))
				| (
					(message.send_status == "Failed")
					& message.wamid.isnull()
					& (message.send_attempts < settings.max_send_attempts)
					& due
				)
			)
		)
		.groupby(message.conversation)
	).run()
	frappe.db.commit()
	# Waiting this long with nobody holding the conversation's lock means its queued job was
	# lost (a worker killed mid-job, Redis restarted): queue a new one even though the flag
	# says one is queued. For unsent replies too: a conversation may have nothing else pending.
	lost_after = now_datetime() - timedelta(seconds=LOST_JOB_FACTOR * (settings.sweeper_age))
	waiting = defaultdict(list)
	for conversation, oldest in (*pending, *unsent):
		waiting[conversation].append(oldest)
	lost = {
		conversation
		for conversation, oldest in waiting.items()
		if min(oldest) < lost_after and not conversation_lock(conversation, 1).is_held()
	}
	queue = ready_queue()
	if queue.waiting():
		# Conversations left in the ready list: the job meant for them may be lost with its
		# worker (one more drain job costs little; one missing leaves customers unanswered).
		start_drain_job(queue, force=True)
	# Each conversation offered once: its job runs pending turns and sends unsent replies.
	for conversation in sorted(waiting):
		enqueue_turn(conversation, force=conversation in lost)
	return {
		"requeued_turns": len(pending),
		"lost_jobs_replaced": len(lost),
		"resend_conversations": len(unsent),
	}


def mark_stuck_sends_unknown(before) -> int:
	"""Replies `Sending` since before `before` (their worker died mid-send) become `Unknown`.

	Found with a plain read, then changed row by row by primary key under the same guard: a
	range UPDATE over the (send_status, modified) index would lock that index before the rows,
	the reverse of a send recording its outcome (row, then index), and MariaDB would resolve
	the deadlock by rolling back the recording. Returns how many rows changed."""
	stuck = frappe.get_all(
		"WA Message",
		filters={"role": "assistant", "send_status": "Sending", "modified": ["<", before]},
		pluck="name",
	)
	changed = 0
	for name in stuck:
		# The row by its primary key alone, then the guard checked here: with the guard in the
		# UPDATE's WHERE, MariaDB may pick the (send_status, modified) index and lock the next
		# record past its range too (a send in flight recording its outcome waited on it).
		row = frappe.db.sql(
			"select send_status, modified from `tabWA Message` where name = %s for update", name
		)
		if not row or row[0][0] != "Sending" or get_datetime(row[0][1]) >= get_datetime(before):
			continue
		changed += update_message(name, {"send_status": "Unknown", "send_error": WORKER_DIED_MID_SEND})
	return changed
