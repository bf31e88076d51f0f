"""The conversations ready for a turn: an app-owned Redis list that turn jobs drain.

Plain redis-py, no frappe, so the engine tier tests it against a real Redis. Keys carry the
site. Four structures:
- `ready`: a list of conversations with work (a pending message, an unsent reply), oldest
  first. Jobs pop it; a conversation popped twice is harmless (the second finds its lock
  taken or nothing to do).
- a flag per conversation, set while it is in the list or being worked on, so a burst of
  ten messages puts it in the list once. Whoever works on it clears the flag when done and
  offers it again if work came meanwhile (`turn_jobs.work_on`).
- `job-waiting`: set while a drain job is queued in RQ and not yet started, or while a drain
  job that ran out of work waits a moment for more (`linger`). A new offer queues a job only
  when none waits, so a busy site runs a few long jobs, not a fork per message; an idle
  worker still picks the waiting job up at once, so turns run in parallel.
- `due`: a sorted set of conversations whose refused reply may go again, scored by when
  (`next_attempt_at`). A job or the sweeper moves the due ones into the list: no job sits
  and waits for a resend.
- `ingest|<tenth>`: for each tenth of a second by Redis's clock, how many webhook stores
  offered a conversation and the milliseconds they took, counted by the same call that offers
  it (no extra round trip for the webhook). Drain jobs read the current tenth's and the ten
  before it, and stand aside while the webhook is flooded (`turn_jobs.IngestWatch`).
- `ingest-lock|<sender>`: the webhook's `ConversationLock` from a message's id to its commit, so
  one sender's messages are committed in the order their ids were handed out
  (`inbound.store_message`). Its key is here, beside the list, so that letting it go and offering
  the conversation after the commit is one round trip (`offer(unlock=...)`).
"""

from __future__ import annotations

from redis import Redis

from yawlit_bot.engine.ingest_first import TENTHS_KEPT

FLAG_SECONDS = 900  # long enough for a backlog; the sweeper replaces a lost one
INGEST_KEEP_SECONDS = 5
# A drain job waiting longer than this (a backlog, or a job lost with a purged queue): the next
# offer queues another. One job too many costs a fork; one missing leaves customers waiting.
JOB_WAITING_SECONDS = 60

# The flag and the push happen together or not at all; `force` pushes even when flagged (the
# sweeper, for a conversation whose job was lost). With a token (ARGV[7]), the sender's ingest
# lock (KEYS[3]) goes first, if it is still that holder's.
_OFFER = """
if ARGV[7] ~= '' and redis.call('get', KEYS[3]) == ARGV[7] then
	redis.call('del', KEYS[3])
end
if ARGV[6] ~= '' then
	local now = redis.call('time')
	local ingest = ARGV[5] .. string.format('%d', tonumber(now[1]) * 10 + math.floor(tonumber(now[2]) / 100000))
	redis.call('hincrby', ingest, 'count', 1)
	redis.call('hincrbyfloat', ingest, 'ms', ARGV[6])
	redis.call('expire', ingest, tonumber(ARGV[4]))
end
if ARGV[2] == '1' then
	redis.call('set', KEYS[1], 1, 'EX', ARGV[1])
elseif not redis.call('set', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then
	return 0
end
redis.call('rpush', KEYS[2], ARGV[3])
return 1
"""

# Due resends move to the list, each once, unless the conversation is flagged already (its
# job sends the reply anyway).
_PROMOTE = """
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local moved = 0
for _, conversation in ipairs(due) do
	redis.call('zrem', KEYS[1], conversation)
	if redis.call('set', ARGV[4] .. conversation, 1, 'NX', 'EX', ARGV[2]) then
		redis.call('rpush', KEYS[2], conversation)
		moved = moved + 1
	end
end
return moved
"""


# The webhook stores of the current tenth of a second so far and of the ten before it, oldest
# first, by the clock that counted them, then how far into the current tenth it is (microseconds).
_INGEST = """
local now = redis.call('time')
local tenth = tonumber(now[1]) * 10 + math.floor(tonumber(now[2]) / 100000)
local out = {}
for back = tonumber(ARGV[2]) - 1, 0, -1 do
	local counted = redis.call('hmget', ARGV[1] .. string.format('%d', tenth - back), 'count', 'ms')
	out[#out + 1] = counted[1] or '0'
	out[#out + 1] = counted[2] or '0'
end
out[#out + 1] = tostring(tonumber(now[2]) % 100000)
return out
"""


class ReadyQueue:
	def __init__(self, client: Redis, site: str):
		self.client = client
		self.prefix = f"{site}|yawlit_bot|"
		self.ready_key = self.prefix + "ready"
		self.due_key = self.prefix + "resend-due"
		self.job_waiting_key = self.prefix + "job-waiting"
		self.flag_prefix = self.prefix + "turn-queued|"
		self.ingest_prefix = self.prefix + "ingest|"
		self.ingest_lock_prefix = self.prefix + "ingest-lock|"
		self._offer = client.register_script(_OFFER)
		self._promote = client.register_script(_PROMOTE)
		self._ingest = client.register_script(_INGEST)

	def flag_key(self, conversation: str) -> str:
		return self.flag_prefix + conversation

	def offer(
		self, conversation: str, force: bool = False, ack_ms: float | None = None, unlock: str | None = None
	) -> bool:
		"""Put the conversation in the list unless it is there or being worked on already.
		True when it was put there. `ack_ms`: a webhook store's time, counted for its second.
		`unlock`: the token of the conversation's ingest lock, let go in the same call."""
		return bool(
			self._offer(
				keys=[self.flag_key(conversation), self.ready_key, self.ingest_lock_key(conversation)],
				args=[
					FLAG_SECONDS,
					"1" if force else "0",
					conversation,
					INGEST_KEEP_SECONDS,
					self.ingest_prefix,
					"" if ack_ms is None else f"{ack_ms:.3f}",
					unlock or "",
				],
			)
		)

	def ingest_lock_key(self, sender: str) -> str:
		return self.ingest_lock_prefix + sender

	def take(self) -> str | None:
		"""The oldest ready conversation, removed from the list (its flag stays until `done`)."""
		value = self.client.lpop(self.ready_key)
		return value.decode() if isinstance(value, bytes) else value

	def ingest_recent(self) -> tuple[list[tuple[int, float]], float]:
		"""The webhook stores of the current tenth of a second so far and of the ten before it,
		oldest first (Redis's clock): for each, how many and their milliseconds together. Then
		the seconds gone of the current tenth."""
		values = self._ingest(args=[self.ingest_prefix, TENTHS_KEPT])
		tenths = [(int(values[i]), float(values[i + 1])) for i in range(0, len(values) - 1, 2)]
		return tenths, int(values[-1]) / 1e6

	def keep_flag(self, conversation: str) -> None:
		"""Worked on for a while: the flag must not expire under a long job."""
		self.client.expire(self.flag_key(conversation), FLAG_SECONDS)

	def done(self, conversation: str) -> None:
		self.client.delete(self.flag_key(conversation))

	def is_flagged(self, conversation: str) -> bool:
		return bool(self.client.exists(self.flag_key(conversation)))

	def waiting(self) -> int:
		return int(self.client.llen(self.ready_key))

	def claim_job_slot(self, seconds: int = JOB_WAITING_SECONDS) -> bool:
		"""True when no drain job waits (in RQ, or lingering): the caller queues one, or lingers."""
		return bool(self.client.set(self.job_waiting_key, 1, nx=True, ex=seconds))

	def linger(self, seconds: float) -> str | None:
		"""As the drain job that waits, wait up to `seconds` for a conversation and take it.
		Offers meanwhile queue no job: this one takes what they put in the list. None when
		nothing came, or at once when a job waits already (in RQ, or lingering): it takes
		what comes. The mark expires soon after the wait, should this job die in it."""
		if seconds <= 0 or not self.claim_job_slot(int(seconds) + 2):
			return None
		try:
			popped = self.client.blpop([self.ready_key], timeout=seconds)
		finally:
			self.job_started()
		if not popped:
			return None
		value = popped[1]
		return value.decode() if isinstance(value, bytes) else value

	def job_started(self) -> None:
		"""A drain job started: the next offer may queue another, for a free worker."""
		self.client.delete(self.job_waiting_key)

	def resend_at(self, conversation: str, epoch_seconds: float) -> None:
		"""The conversation's refused reply may go again at `epoch_seconds` (the earliest kept)."""
		self.client.zadd(self.due_key, {conversation: epoch_seconds}, lt=True)
		# zadd LT does not add a missing member on old Redis versions: make sure it is there
		self.client.zadd(self.due_key, {conversation: epoch_seconds}, nx=True)

	def promote_due(self, now_epoch: float, limit: int = 100) -> int:
		"""Move conversations whose resend is due into the list. Returns how many moved."""
		return int(
			self._promote(
				keys=[self.due_key, self.ready_key],
				args=[now_epoch, FLAG_SECONDS, limit, self.flag_prefix],
			)
		)

	def due_at(self, conversation: str) -> float | None:
		"""When the conversation's refused reply is due (epoch seconds), or None."""
		score = self.client.zscore(self.due_key, conversation)
		return None if score is None else float(score)
