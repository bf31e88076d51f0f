"""Turn jobs: which worker runs a conversation's turns, and when.

A conversation with work (a new message, an unsent reply) is offered to the site's ready list
(`ready_queue.ReadyQueue`, in Redis). Drain jobs on the RQ "short" queue pop conversations
from it until it is empty or their time is up, running each one's pending turns
(`turn.run_next_turn`) and sending its replies (`outbox.send_replies`) under the
conversation's Redis lock. A new offer queues a drain job only when none is waiting to start,
so a busy site forks a few long jobs rather than one per message, and a free worker still
picks the waiting job up at once. A job that runs out of work waits a moment for more
(`LINGER_SECONDS`, one job at a time), so customers writing one message each, a second
apart, are served by one job rather than a fork and a Frappe start-up each.
Public RQ and Frappe APIs only (`frappe.enqueue`).

A reply WAPI refused carries `next_attempt_at`; its conversation is put in the list's due set
and moved into the list when due by any drain job or the sweeper. No job waits for it.
"""

from __future__ import annotations

import time

import frappe
from frappe.utils import now_datetime
from frappe.utils.background_jobs import get_redis_conn
from redis.exceptions import RedisError

from yawlit_bot.engine.ingest_first import yield_seconds
from yawlit_bot.services.outbound.outbox import has_queued_replies, next_attempt_at, send_replies
from yawlit_bot.services.pipeline.ready_queue import ReadyQueue
from yawlit_bot.services.pipeline.turn import EMPTY, bot_enabled, has_pending, run_next_turn
from yawlit_bot.services.site.bot_user import as_bot
from yawlit_bot.services.site.locks import ConversationLock, conversation_lock_key
from yawlit_bot.services.site.settings import bot_settings, read_afresh

DRAIN_JOB = "yawlit_bot.services.pipeline.turn_jobs.drain_ready"
TURN_QUEUE = "short"
# RQ forks a work horse and Frappe starts up for every job: about 40 ms of CPU on a small
# machine before a turn begins. A drain job keeps taking ready conversations for this long.
# It stays far inside the queue's timeout (300 s), so no timeout interrupts a turn.
DRAIN_SECONDS = 20
# A job that finds the list empty waits this long for another conversation before it ends
# (only one job waits so; the others end at once). 100 customers conversing send about ten
# messages a second between them: without the wait, 1,100 turns took 606 jobs.
LINGER_SECONDS = 2.0
LOCK_WAIT_SECONDS = 0  # a busy lock means the holder will see our message: no waiting
# A customer flooding the bot must not hold a worker while others wait: after this many turns
# the conversation goes to the back of the list.
TURNS_PER_VISIT = 10
SEND_PASSES_BEFORE_GIVING_UP = 3  # failed send passes in a row: WAPI is down, not flaky
FAILURES_BEFORE_STOPPING = 3  # conversations failing in a row: the database or Redis is down


def ready_queue() -> ReadyQueue:
	# On the queue's Redis, beside RQ's own lists: never evicted (the cache's Redis is LRU),
	# and a queue Redis that restarts loses the jobs and the marks about them together.
	return ReadyQueue(get_redis_conn(), frappe.local.site)


def conversation_lock(conversation: str, timeout: float) -> ConversationLock:
	return ConversationLock(frappe.cache, conversation_lock_key(frappe.local.site, conversation), timeout)


def enqueue_turn(conversation: str, force: bool = False, ack_ms: float | None = None) -> None:
	"""Offer the conversation to a turn job. Nothing happens when it is offered already: the
	job that has it sees this message (it looks for pending work once more before letting the
	conversation go). `force` (the sweeper, for a conversation whose job was lost) offers it
	even so. `ack_ms`: from the webhook, the time its store took (counted for the drain jobs'
	yield). A failure here is survivable: the message is stored and the sweeper offers it."""
	try:
		queue = ready_queue()
		if queue.offer(conversation, force=force, ack_ms=ack_ms):
			start_drain_job(queue)
	except Exception:
		frappe.log_error(title="yawlit_bot: could not queue a turn (the sweeper will)")


def start_drain_job(queue: ReadyQueue, force: bool = False) -> None:
	"""Queue a drain job unless one is waiting to start already (`force`: even then)."""
	if not queue.claim_job_slot() and not force:
		return
	try:
		frappe.enqueue(DRAIN_JOB, queue=TURN_QUEUE)
	except Exception:
		queue.job_started()  # no job waits after all: let the next offer queue one
		raise


def drain_ready() -> int:
	"""RQ job: ready conversations, one after another, until none is ready or time is up.
	Returns the number of turns run (failed attempts included). A conversation that fails is
	logged and left for the sweeper; it does not fail the others. What the turns change is
	authored by the bot, not by the webhook's Guest who queued the job."""
	with as_bot():
		return _drain_ready()


def _drain_ready() -> int:
	queue = ready_queue()
	queue.job_started()
	deadline = time.monotonic() + DRAIN_SECONDS
	turns = failures = 0
	waited_in_vain = False
	while time.monotonic() < deadline:
		conversation = queue.take()
		if conversation is None:
			if queue.promote_due(time.time()):
				continue
			if waited_in_vain:
				break  # looked once more after the wait (an offer may have come as it ended)
			conversation = queue.linger(min(LINGER_SECONDS, deadline - time.monotonic()))
			if conversation is None:
				waited_in_vain = True
				continue
			if queue.waiting():
				start_drain_job(queue)  # offers during the wait queued no job: one for a free worker
		waited_in_vain = False
		# As a new job would: a fresh snapshot, then an empty local cache, so settings or the
		# catalog saved since this job began apply to this customer. The snapshot comes first: a
		# cache miss read through the snapshot begun before the wait would find the old settings
		# and put them back in the site's cache.
		frappe.db.rollback()
		read_afresh()
		try:
			turns += work_on(conversation, queue)
			failures = 0
		except Exception:
			frappe.db.rollback()
			failures += 1
			try:
				frappe.log_error(title=f"yawlit_bot: turn job failed for {conversation} (the sweeper retries)")
				frappe.db.commit()
			except Exception:
				pass  # the database is what fails: the message is still stored, Pending
			if failures >= FAILURES_BEFORE_STOPPING:
				break
	if queue.waiting():
		start_drain_job(queue)  # time is up with conversations still ready: a fresh job, at the back
	return turns


def yield_to_ingest(queue: ReadyQueue) -> float:
	"""Pause while the webhook is slow (`engine.ingest_first`). Returns the pause; never fails a turn."""
	try:
		count, total_ms = queue.ingest_last_second()
	except RedisError:
		return 0.0
	pause = yield_seconds(count, total_ms)
	if pause:
		time.sleep(pause)
	return pause



def work_on(conversation: str, queue: ReadyQueue) -> int:
	"""One conversation's pending turns and unsent replies, under its lock. Returns the number
	of turns run (failed attempts included)."""
	turns = 0
	ran = stuck = False
	failed_send_passes = empty_passes = 0
	try:
		settings = bot_settings()
		while True:
			turns_before = turns
			# Read afresh each pass, and the same value has_pending uses: with the switch
			# flipped mid-job, a stale value would find "nothing to do" forever while
			# has_pending keeps finding work.
			enabled = bot_enabled()
			lock = conversation_lock(conversation, settings.lock_timeout)
			if not lock.acquire(wait=LOCK_WAIT_SECONDS):
				return turns  # the holder looks for pending messages again after releasing
			ran = True
			try:
				# A failed turn leaves its message Pending with one more attempt counted, so this
				# loop retries it at once, and gives up on it after `max_turn_attempts`.
				while True:
					# Send while the lock is ours, so replies leave in turn order; an earlier
					# reply WAPI refused goes first (or holds the later ones back). After a few
					# failed passes in a row only turns run: a WAPI outage must not make every
					# turn wait out the retries (the replies go, in order, when due).
					if failed_send_passes < SEND_PASSES_BEFORE_GIVING_UP:
						if send_replies(conversation, settings.max_send_attempts, keep_going=lock.refresh) is None:
							failed_send_passes += 1
						else:
							failed_send_passes = 0
					if turns >= TURNS_PER_VISIT:
						break
					yield_to_ingest(queue)
					if not (
						lock.refresh()
						and run_next_turn(conversation, settings, opt_commands_only=not enabled) != EMPTY
					):
						break
					turns += 1
					queue.keep_flag(conversation)
			finally:
				lock.release()
			if turns >= TURNS_PER_VISIT or not has_pending(conversation):
				return turns  # with work left, `finally` offers it again, at the back
			if turns == turns_before:
				# Work is pending but this pass ran no turn. Once, that is a message stored after
				# the pass's last look (while its replies were sent): look again. Twice, the switch
				# flipped or the lock was lost: leave it to the next offer or the sweeper, never spin.
				empty_passes += 1
				if empty_passes >= 2:
					stuck = True
					return turns
			else:
				empty_passes = 0
	finally:
		try:
			queue.done(conversation)
		except RedisError:
			pass  # Redis restarting: the flag is gone with it, or expires; still hand work on
		if failed_send_passes:
			schedule_resend(conversation, queue, settings.max_send_attempts)
		# A message whose offer was skipped because of our flag, and that came after our last
		# look, is pending now: offer it again (this job's loop, or the next job, takes it).
		# A staff reply stored after our last send pass is offered the same way.
		if ran and not stuck and (has_pending(conversation) or has_queued_replies(conversation)):
			queue.offer(conversation)


def schedule_resend(conversation: str, queue: ReadyQueue, max_attempts: int) -> None:
	"""A refused reply left waiting: put the conversation in the due set for its next attempt."""
	at = next_attempt_at(conversation, max_attempts)
	if at is None:
		return
	try:
		queue.resend_at(conversation, time.time() + (at - now_datetime()).total_seconds())
	except RedisError:
		pass  # the sweeper finds it by its `next_attempt_at`
