"""Turn jobs: which worker runs a conversation's turns, and when.

A conversation with work (a new message, an unsent reply) is offered to the site's ready list
(`ready_queue.ReadyQueue`, in Redis) by `turn_offers.enqueue_turn`. Drain jobs on the RQ
"short" queue pop conversations from it until it is empty or their time is up, running each
one's pending turns (`turn.run_next_turn`) and sending its replies (`outbox.send_replies`)
under the conversation's Redis lock. A new offer queues a drain job only when none is waiting
to start, so a busy site forks a few long jobs rather than one per message, and a free worker
still picks the waiting job up at once. A job that runs out of work waits a moment for more
(`LINGER_SECONDS`, one job at a time), so customers writing one message each, a second apart,
are served by one job rather than a fork and a Frappe start-up each.
Public RQ and Frappe APIs only (`frappe.enqueue`).

While the webhook is flooded, drain jobs stand aside before their turns (`IngestWatch`,
`engine.ingest_first`).

A reply WAPI refused carries `next_attempt_at`; its conversation is put in the list's due set
and moved into the list when due by any drain job or the sweeper. No job waits for it.
"""

from __future__ import annotations

import time

import frappe
from frappe.utils import now_datetime
from redis.exceptions import RedisError

from yawlit_bot.engine.ingest_first import (
	PAUSE_SLICE_SECONDS,
	QUIET,
	IngestWindow,
	flooding,
	keep_standing_aside,
	windows,
)
from yawlit_bot.services.outbound.outbox import has_queued_replies, next_attempt_at, send_replies
from yawlit_bot.services.pipeline.ready_queue import ReadyQueue
from yawlit_bot.services.pipeline.turn_offers import ready_queue, start_drain_job
from yawlit_bot.services.pipeline.turn import EMPTY, bot_enabled, has_pending, run_next_turn
from yawlit_bot.services.site.bot_user import as_bot
from yawlit_bot.services.site.locks import ConversationLock, conversation_lock_key
from yawlit_bot.services.site.settings import bot_settings, read_afresh

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


def conversation_lock(conversation: str, timeout: float) -> ConversationLock:
	return ConversationLock(frappe.cache, conversation_lock_key(frappe.local.site, conversation), timeout)


def drain_ready() -> int:
	"""RQ job: ready conversations, one after another, until none is ready or time is up.
	Returns the number of turns run (failed attempts included). A conversation that fails is
	logged and left for the sweeper; it does not fail the others. What the turns change is
	authored by the bot, not by the webhook's Guest who queued the job."""
	with as_bot():
		return _drain_ready()


def _drain_ready() -> int:
	queue = ready_queue()
	watch = IngestWatch(queue)
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
		watch.stand_aside()  # while the webhook is flooded, its acks come first
		# As a new job would: a fresh snapshot, then an empty local cache, so settings or the
		# catalog saved since this job began apply to this customer. The snapshot comes first: a
		# cache miss read through the snapshot begun before the wait would find the old settings
		# and put them back in the site's cache.
		frappe.db.rollback()
		read_afresh()
		try:
			turns += work_on(conversation, queue, watch)
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


class IngestWatch:
	"""One drain job's eye on the webhook (`engine.ingest_first`): whether a flood is on, and the
	pause before a turn while it lasts. It never fails a turn: Redis failing reads as no flood."""

	def __init__(self, queue: ReadyQueue):
		self.queue = queue
		self.flooding = False

	def recent(self) -> tuple[IngestWindow, IngestWindow]:
		"""The stores of the last whole second, and lately."""
		try:
			return windows(*self.queue.ingest_recent())
		except Exception:  # Redis failing, or anything else: a missing figure is no flood
			return QUIET, QUIET

	def flooded(self) -> bool:
		"""Whether the webhook is flooded now (one Redis call)."""
		self.flooding = flooding(*self.recent(), self.flooding)
		return self.flooding

	def stand_aside(self) -> float:
		"""Pause while the webhook is flooded, up to `MAX_PAUSE_SECONDS`. Returns the pause."""
		started = time.monotonic()
		while True:
			flooded = self.flooded()
			paused = time.monotonic() - started
			if not keep_standing_aside(flooded, paused):
				return paused
			time.sleep(PAUSE_SLICE_SECONDS)


def work_on(conversation: str, queue: ReadyQueue, watch: IngestWatch | None = None) -> int:
	"""One conversation's pending turns and unsent replies, under its lock. Returns the number
	of turns run (failed attempts included). With `watch`, the visit ends early, its work left
	for later, when the webhook is flooded (the job stands aside before its next visit)."""
	turns = 0
	ran = stuck = flooded = False
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
					# After the first turn (the job stood aside before it, for as long as it may)
					if turns and watch is not None and watch.flooded():
						flooded = True
						break
					if not (
						lock.refresh()
						and run_next_turn(conversation, settings, opt_commands_only=not enabled) != EMPTY
					):
						break
					turns += 1
					queue.keep_flag(conversation)
			finally:
				lock.release()
			if flooded or turns >= TURNS_PER_VISIT or not has_pending(conversation):
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
