"""Offering a conversation to the turn jobs (`turn_jobs`): what the webhook, the sweeper and
staff actions call when a conversation has work.

Kept apart from the turn jobs themselves so the webhook imports only this: a web worker loads
the modules it uses on its first request, and the turn's readers and rules (a fifth of a
second of CPU) have no business in a worker that only stores and offers.
"""

from __future__ import annotations

import frappe
from frappe.utils.background_jobs import get_redis_conn

from yawlit_bot.services.pipeline.ready_queue import ReadyQueue

DRAIN_JOB = "yawlit_bot.services.pipeline.turn_jobs.drain_ready"
TURN_QUEUE = "short"


def ready_queue() -> ReadyQueue:
	# On the queue's Redis, beside RQ's own lists: never evicted (the cache's Redis is LRU),
	# and a queue Redis that restarts loses the jobs and the marks about them together.
	# Kept, one per site, while Frappe hands out the same client: the webhook asks for it two or
	# three times a request. (With RQ credentials set, Frappe makes a new client each call.)
	client, site = get_redis_conn(), frappe.local.site
	queue = _queues.get(site)
	if queue is None or queue.client is not client:
		queue = _queues[site] = ReadyQueue(client, site)
	return queue


_queues: dict[str, ReadyQueue] = {}


def enqueue_turn(
	conversation: str, force: bool = False, ack_ms: float | None = None, unlock: str | None = None
) -> bool:
	"""Offer the conversation to a turn job. Nothing happens when it is offered already: the
	job that has it sees this message (it looks for pending work once more before letting the
	conversation go). `force` (the sweeper, for a conversation whose job was lost) offers it
	even so. `ack_ms`: from the webhook, the time its store took (counted for the drain jobs'
	watch on floods). `unlock`: the webhook's ingest lock on the conversation, let go in the same
	call. A failure here is survivable: the message is stored and the sweeper offers it (and an
	ingest lock not let go expires by itself). False when it failed (and was logged)."""
	try:
		queue = ready_queue()
		if queue.offer(conversation, force=force, ack_ms=ack_ms, unlock=unlock):
			start_drain_job(queue)
	except Exception:
		frappe.log_error(title="yawlit_bot: could not queue a turn (the sweeper will)")
		return False
	return True


def start_drain_job(queue: ReadyQueue, force: bool = False) -> None:
	"""Queue a drain job unless one is waiting to start already (`force`: even then)."""
	if not queue.claim_job_slot() and not force:
		return
	try:
		frappe.enqueue(DRAIN_JOB, queue=TURN_QUEUE)
	except Exception:
		queue.job_started()  # no job waits after all: let the next offer queue one
		raise
