"""Store first: the webhook's half of the pipeline.

An inbound message is inserted and committed before WAPI gets its 200 (WAPI never retries a
failed delivery). The UNIQUE wamid makes a repeated delivery a no-op, and the turn runs
later in a background job.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import frappe
from frappe.utils import now_datetime
from frappe.utils.html_utils import sanitize_html
from redis.exceptions import RedisError

from yawlit_bot.engine import delivery
from yawlit_bot.engine.opt_out import read_opt_command
from yawlit_bot.engine.wapi_payload import InboundMessage, ParsedWebhook, StatusUpdate
from yawlit_bot.services.outbound.messages import insert_message
from yawlit_bot.services.pipeline import turn_offers
from yawlit_bot.services.pipeline.turn_offers import enqueue_turn
from yawlit_bot.services.site.bot_user import author
from yawlit_bot.services.site.db import rows_changed
from yawlit_bot.services.site.live import publish_thread
from yawlit_bot.services.site.locks import ConversationLock
from yawlit_bot.services.site.retry import run_with_db_retries

MAX_RAW_PAYLOAD_CHARS = 64 * 1024
INGEST_LOCK_SECONDS = 5
INGEST_LOCK_POLL_SECONDS = 0.002  # held from the id to the request's commit: a few milliseconds

# Forward-only send statuses: each may only replace the ones listed for it.


def store_webhook(
	parsed: ParsedWebhook,
	raw: dict,
	bot_enabled: bool | None = None,
	simulated: bool = False,
	started: float | None = None,
	request_commits: bool = False,
) -> dict:
	"""Store what the delivery carries and commit. Returns what happened, for the 200 body.

	WAPI never retries, so a deadlock here would lose the message: each unit that ends in a
	commit (the statuses, then each message) is retried on its own, so a rerun never mistakes
	a message this request already committed for a duplicate delivery.

	`started` (WAPI's request reaching the app, `time.perf_counter()`): the time the store took
	goes with the offer, so drain jobs see when the webhook is flooded (`turn_jobs.IngestWatch`).
	Less the wait for the sender's ingest lock: one customer's burst of messages waits in line,
	which says nothing of the machine being short.

	`request_commits`: the caller is a POST request, which Frappe commits before it answers. The
	last message is then left to that commit rather than committed here too (a commit and the
	transaction begun after it); its sender's lock is let go, and the conversation offered, once
	that commit is done (`after_commit`), both in one Redis call. Nothing else changes: the 200
	still goes only after the commit, and a failed commit answers 500 as before.
	"""
	result: dict = {}
	locks = IngestLocks()
	if parsed.statuses:
		result["statuses"] = run_with_db_retries(lambda: apply_statuses(parsed.statuses))
	if parsed.skipped:
		result["skipped"] = len(parsed.skipped)
	last = len(parsed.messages) - 1
	stored = [
		message
		for n, message in enumerate(parsed.messages)
		if run_with_db_retries(
			lambda message=message, commit=not (request_commits and n == last): store_message(
				message, raw, simulated, locks, commit=commit
			)
		)
	]
	result["status"] = "stored" if stored else ("duplicate" if parsed.messages else "ok")
	wanted: list[str] = []
	if stored:
		# With the bot switched off, only STOP/START are handled (campaigns may still run).
		if bot_enabled is None:
			bot_enabled = frappe.get_cached_doc("WA Bot Settings").enabled
		wanted = list(dict.fromkeys(m.sender for m in stored if bot_enabled or read_opt_command(m.text, m.button_id)))

	def offer() -> None:
		ack_ms = None if started is None else (time.perf_counter() - started - locks.waited) * 1000
		offered = [
			# A lock still held goes in the same call as the offer (one round trip, not two).
			enqueue_turn(conversation, ack_ms=ack_ms, unlock=locks.take_token(conversation))
			for conversation in wanted
		]
		locks.release_all()
		if request_commits and not all(offered):
			frappe.db.commit()  # the failure's Error Log: written after the request's own commit

	if request_commits and (wanted or locks.held):
		# A turn job must find the messages committed, and the sender's next message waits until then.
		frappe.db.after_commit.add(offer)
		frappe.db.after_rollback.add(locks.release_all)  # each resets the other's list
		# Frappe's commit clears the rollback list before it commits: should the commit fail, or an
		# earlier after-commit call, the request's end lets the locks go (`release_left_ingest_locks`).
		frappe.flags.yawlit_ingest_locks = locks
	else:
		offer()
	return result


def release_left_ingest_locks(response=None, request=None) -> None:
	"""`after_request` hook: the ingest locks a webhook still holds when its request ends (its
	commit failed, or an after-commit call before ours). On the usual path there are none."""
	locks = frappe.flags.pop("yawlit_ingest_locks", None)
	if locks:
		locks.release_all()


@dataclass
class IngestLocks:
	"""The senders' ingest locks a webhook's stores took: how long they waited for them together,
	and those still held for the request's own commit (sender -> token)."""

	waited: float = 0.0
	held: dict[str, tuple[ConversationLock, str]] = field(default_factory=dict)

	def take_token(self, sender: str) -> str | None:
		"""The token of the sender's lock still held, for the offer that lets it go; None if none."""
		held = self.held.pop(sender, None)
		return held[1] if held else None

	def release_all(self) -> None:
		while self.held:
			_, (lock, _) = self.held.popitem()
			release_ingest_lock(lock)


def ingest_lock(sender: str) -> ConversationLock:
	queue = turn_offers.ready_queue()
	return ConversationLock(
		queue.client, queue.ingest_lock_key(sender), INGEST_LOCK_SECONDS, poll=INGEST_LOCK_POLL_SECONDS
	)


def release_ingest_lock(lock: ConversationLock) -> None:
	try:
		lock.release()
	except RedisError:
		pass  # it expires by itself in INGEST_LOCK_SECONDS


def apply_statuses(updates: list[StatusUpdate]) -> int:
	changed = sum(apply_status(update) for update in updates)
	frappe.db.commit()
	return changed


def create_conversation(phone: str, contact_name: str | None, simulated: bool = False) -> None:
	"""The sender's conversation row, on their first message. INSERT IGNORE: two first
	messages arriving together both find it there afterwards, and neither fails."""
	name = contact_name or phone
	if "<" in name or ">" in name:  # as Frappe's own save would: no markup from a profile name
		name = sanitize_html(name)
	now = now_datetime()
	user = author()
	frappe.db.sql(
		"""insert ignore into `tabWA Conversation`
		(name, phone, contact_name, state, simulated, unread_count, creation, modified, owner, modified_by, docstatus, idx)
		values (%s, %s, %s, 'IDLE', %s, 0, %s, %s, %s, %s, 0, 0)""",
		(phone, phone, name[:140], int(simulated), now, now, user, user),
	)


class SimulatorNumberTaken(frappe.ValidationError):
	pass


def store_message(
	message: InboundMessage,
	raw: dict,
	simulated: bool = False,
	locks: IngestLocks | None = None,
	commit: bool = True,
) -> bool:
	"""Insert and commit the inbound message; False when this wamid is already stored. With
	`commit` False the caller's commit ends the transaction (`store_webhook`): the sender's lock
	is left in `locks.held` for the caller to let go once that commit is done.

	Within one conversation, ids must be committed in the order they are handed out, or a turn
	could run a later message before an earlier one is visible (Frappe takes the id from a
	sequence before the INSERT). A short per-sender Redis lock around id, insert and commit
	gives that order without touching the conversation row the turn job holds.
	"""
	# One round trip for both questions the hot path asks before writing. `kind`: None (no
	# conversation yet), 0 (a real customer's), 1 (the WhatsApp Simulator's).
	(stored, kind), = frappe.db.sql(
		"""select exists(select 1 from `tabWA Message` where wamid = %s),
		(select simulated from `tabWA Conversation` where name = %s)""",
		(message.wamid, message.sender),
	)
	if stored:
		return False
	# Before the lock, all that need not hold up this sender's next message: the first clock read
	# of a request fetches the site's time zone from Redis, and the payload's JSON.
	received_at = now_datetime()
	raw_text = json.dumps(raw, ensure_ascii=False, default=str)
	if len(raw_text) > MAX_RAW_PAYLOAD_CHARS:
		raw_text = json.dumps({"truncated": True, "size": len(raw_text)})
	# If Redis is slow or down, store anyway: order matters less than loss (WAPI never retries,
	# and Frappe itself serves this request without its cache).
	lock, token = ingest_lock(message.sender), uuid.uuid4().hex
	waiting_since = time.perf_counter()
	try:
		ordered = lock.acquire(wait=INGEST_LOCK_SECONDS, token=token)
	except RedisError:
		ordered = False
	if locks is not None:
		locks.waited += time.perf_counter() - waiting_since
	try:
		inserted = _insert_message(message, raw_text, kind, received_at, simulated, commit=commit)
	except BaseException:
		if ordered:
			release_ingest_lock(lock)
		raise
	if ordered and commit:
		release_ingest_lock(lock)
	elif ordered:
		locks.held[message.sender] = (lock, token)  # `store_webhook` lets it go after the commit
	return inserted


def _insert_message(
	message: InboundMessage,
	raw_text: str,
	kind: int | None,
	received_at: datetime,
	simulated: bool = False,
	commit: bool = True,
) -> bool:
	if kind is None or kind or simulated:
		# Real and simulated messages for one number meet here, under the number's ingest lock:
		# read again what the conversation is (a real one never becomes simulated).
		found = frappe.db.sql("select simulated from `tabWA Conversation` where name = %s", message.sender)
		kind = found[0][0] if found else None
		if simulated and kind == 0:
			raise SimulatorNumberTaken(f"{message.sender} is a real customer's number")
		if not simulated and kind:
			# A real customer writes from a number used in the simulator: the simulation goes, so
			# their messages never land in it (nor its bookings pass for theirs).
			from yawlit_bot.services.pipeline.conversation_removal import remove_conversation

			remove_conversation(message.sender)
			kind = None
	if kind is None:
		create_conversation(message.sender, message.profile_name, simulated=simulated)
	inserted = insert_message(
		{
			"conversation": message.sender,
			"role": "user",
			"message_type": message.message_type,
			"wamid": message.wamid,
			"content": message.text,
			"button_id": message.button_id,
			"location": json.dumps(message.location) if message.location else None,
			"raw_payload": raw_text,
			"received_at": received_at,
			"processing_status": "Pending",
		}
	)
	# A locking read: it sees the winning delivery's row even if that committed after this
	# transaction's snapshot (the no-op update above already holds that row's lock).
	if not inserted and not frappe.db.sql(
		"select 1 from `tabWA Message` where wamid = %s for update", message.wamid
	):
		# The clash was on the id, not the wamid (a sequence behind its table after a restore):
		# not a duplicate delivery, so fail loudly rather than drop the message.
		raise RuntimeError(f"WA Message id clash storing {message.wamid}: check wa_message_id_seq")
	if inserted:
		publish_thread(message.sender)  # an open chat shows it before the bot's turn
	if commit:
		frappe.db.commit()
	return inserted


def apply_status(update: StatusUpdate) -> int:
	"""Move one sent message's status forward (`engine.delivery`); unknown wamids and backward
	moves change nothing."""
	values = {"send_status": delivery.status_after(update.status), "modified": now_datetime()}
	if update.status in delivery.STAMPS:
		values[delivery.STAMPS[update.status]] = now_datetime()
	if update.status == "failed":
		values["send_error"] = delivery.failure_reason(update.status, update.error)
	assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
	frappe.db.sql(
		f"""update `tabWA Message` set {assignments}
		where wamid = %(wamid)s and role = 'assistant' and send_status in %(replaces)s""",
		{**values, "wamid": update.wamid, "replaces": delivery.REPLACES[update.status]},
	)
	changed = rows_changed()
	if changed:
		conversation = frappe.db.sql("select conversation from `tabWA Message` where wamid = %s", update.wamid)
		if conversation:
			publish_thread(conversation[0][0], "status")  # the tick moves in an open chat
	else:  # not a reply of the bot: perhaps a campaign message
		from yawlit_bot.services.campaigns.results import apply_recipient_status

		changed = apply_recipient_status(update.wamid, update.status, update.error)
	return changed
