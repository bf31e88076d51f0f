"""Faults a run injects. Each touches only what the run started or changed, and what it
changed outside itself (a MariaDB global) is put back when the run ends, also on Ctrl-C."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

from loadtest.site import on_exit

class DeadlockInjector(threading.Thread):
	"""Real MariaDB errors inside turn transactions, from a second connection.

	1213: this connection first changes many rows of a ballast table of its own (InnoDB picks
	the transaction with less undo as the deadlock victim: the turn), locks a conversation's
	active scratchpad, waits a moment for the turn (which holds the conversation row) to block
	on it, then asks for the conversation row: a lock cycle, and the turn is rolled back.
	1020: with `innodb_snapshot_isolation` on (MariaDB 11.6's default), this connection locks
	the scratchpad, lets the turn block on it after the turn's snapshot was taken, then changes
	the row (its `idx`, which no one reads) and commits: the turn's locking read finds a row
	newer than its snapshot and gets "Record has changed since last read".
	Both only ever hit conversations with pending messages, and the app must retry the turn."""

	BALLAST = "yawlit_harness_ballast"

	def __init__(
		self, db: dict, phones: list[str], rng: random.Random, site: str, redis_url: str, pause: float = 0.5
	):
		super().__init__(daemon=True)
		self.site, self.redis_url = site, redis_url
		self.pause = pause  # between injections: a few a second, not every turn
		self.db, self.phones, self.rng = db, phones, rng
		self.phone_set = set(phones)
		self.stopped = threading.Event()
		self.attempts: Counter = Counter()
		self.lost: Counter = Counter()  # cycles where InnoDB rolled back this connection instead

	def connect(self):
		import pymysql

		return pymysql.connect(
			host=self.db["host"], user=self.db["user"], password=self.db["password"],
			database=self.db["name"], autocommit=False,
			init_command="set innodb_lock_wait_timeout = 5",  # never hold a turn up for long
		)

	def prepare(self):
		conn = self.connect()
		with conn.cursor() as cur:
			cur.execute(f"create table if not exists `{self.BALLAST}` (id int primary key, v int) engine=InnoDB")
			cur.execute(f"delete from `{self.BALLAST}`")
			cur.executemany(f"insert into `{self.BALLAST}` values (%s, 0)", [(i,) for i in range(400)])
		conn.commit()
		conn.close()

	def drop(self):
		conn = self.connect()
		with conn.cursor() as cur:
			cur.execute(f"drop table if exists `{self.BALLAST}`")
		conn.close()

	def busy_conversation(self, cur) -> tuple[str, str] | None:
		"""A conversation whose turn job is running now (its Redis lock is held) and that has
		an active scratchpad its turn will lock."""
		import redis

		prefix = f"{self.site}|yawlit_bot|conversation-lock|"
		try:
			running = [
				key.decode()[len(prefix) :]
				for key in redis.Redis.from_url(self.redis_url).scan_iter(match=prefix + "*", count=500)
			]
		except redis.RedisError:
			return None
		running = [phone for phone in running if phone in self.phone_set]
		if not running:
			return None
		cur.execute(
			"""select name, active_scratchpad from `tabWA Conversation`
			where name in %s and active_scratchpad is not null""",
			(running,),
		)
		rows = cur.fetchall()
		return self.rng.choice(rows) if rows else None

	def run(self):
		import pymysql

		kinds = ["1213", "1020"]
		while not self.stopped.is_set():
			kind = kinds[sum(self.attempts.values()) % 2]
			try:
				conn = self.connect()
			except pymysql.Error:
				time.sleep(0.5)
				continue
			try:
				with conn.cursor() as cur:
					target = self.busy_conversation(cur)
					conn.commit()
					if not target:
						time.sleep(0.01)
						continue
					conversation, scratchpad = target
					self.attempts[kind] += 1
					if kind == "1213":
						cur.execute(f"update `{self.BALLAST}` set v = v + 1")
					cur.execute("select name from `tabWA Booking Scratchpad` where name = %s for update", scratchpad)
					time.sleep(0.1)  # the running turn now blocks on the scratchpad
					if kind == "1213":
						cur.execute("select name from `tabWA Conversation` where name = %s for update", conversation)
						conn.rollback()
					else:
						cur.execute("update `tabWA Booking Scratchpad` set idx = idx + 1 where name = %s", scratchpad)
						conn.commit()
			except pymysql.Error as exc:
				if exc.args and exc.args[0] == 1213:
					self.lost[kind] += 1  # InnoDB chose this connection as the victim
				conn.rollback()
			finally:
				conn.close()
			time.sleep(self.pause)


FAULTS = ("kill-worker", "web-kill", "redis-restart", "deadlocks", "wapi-flaky", "wapi-timeouts")


def snapshot_isolation_on(host: str, user: str, password: str) -> None:
	"""MariaDB 11.6's default, for the run: a locking read of a row changed after the
	transaction's snapshot is an error (1020). The value found is put back when the run ends."""
	import pymysql

	def connect():
		return pymysql.connect(host=host, user=user, password=password)

	conn = connect()
	with conn.cursor() as cur:
		cur.execute("select @@global.innodb_snapshot_isolation")
		before = cur.fetchone()[0]
		cur.execute("set global innodb_snapshot_isolation = ON")
	conn.close()

	def restore():
		conn = connect()
		with conn.cursor() as cur:
			cur.execute(f"set global innodb_snapshot_isolation = {'ON' if before else 'OFF'}")
		conn.close()

	on_exit(restore)
