"""The per-conversation Redis lock. Plain redis-py, no frappe, so the engine tier tests it.

The lock is the first fence (one turn at a time, no wasted work); the `WA Conversation` row
locked FOR UPDATE is the real one, so a turn that outlives its lock still never interleaves
with the next.
"""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import LockError

logger = logging.getLogger(__name__)


def conversation_lock_key(site: str, conversation: str) -> str:
	# frappe.cache.lock() is redis-py's and adds no site prefix: add it ourselves.
	return f"{site}|yawlit_bot|conversation-lock|{conversation}"


def campaign_lock_key(site: str, campaign: str) -> str:
	return f"{site}|yawlit_bot|campaign-lock|{campaign}"


class ConversationLock:
	def __init__(self, client: Redis, key: str, timeout: float, poll: float = 0.1):
		# `poll`: how often a blocking acquire retries (redis-py's default, 0.1 s, is slow for
		# locks held a few milliseconds).
		self._lock = client.lock(key, timeout=timeout, sleep=poll, thread_local=False)

	def acquire(self, wait: float = 0, token: str | None = None) -> bool:
		"""`token`: the value the lock holds, when the caller must name it elsewhere (the webhook
		lets its ingest lock go inside the ready queue's offer); redis-py makes one otherwise."""
		if wait > 0:
			return bool(self._lock.acquire(blocking=True, blocking_timeout=wait, token=token))
		return bool(self._lock.acquire(blocking=False, token=token))

	def release(self) -> None:
		"""Release if still ours; an expired lock taken by another holder is left to it."""
		try:
			self._lock.release()
		except LockError:
			logger.warning("conversation lock %s expired before release", self._lock.name)

	def refresh(self) -> bool:
		"""Reset the expiry before more work; False if the lock was lost (expired, taken)."""
		try:
			return bool(self._lock.reacquire())
		except LockError:
			return False

	def is_held(self) -> bool:
		"""Held by anyone (not only by us)."""
		return bool(self._lock.locked())

	@property
	def held(self) -> bool:
		return bool(self._lock.owned())
