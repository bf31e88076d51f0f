"""Load and invariant harness: drives the real site the way production runs it.

Run with the bench's Python, from anywhere:

    /opt/bench/env/bin/python scripts/harness.py                       # 200 x 10, no faults
    /opt/bench/env/bin/python scripts/harness.py --faults all          # every fault below
    /opt/bench/env/bin/python scripts/harness.py --rate 200            # paced: 200 webhooks/s
    /opt/bench/env/bin/python scripts/harness.py --rate 200 --baseline # and Frappe's ping, paced alike
    /opt/bench/env/bin/python scripts/harness.py --ingest-first        # webhooks alone, then turns
    /opt/bench/env/bin/python scripts/harness.py --converse --think 10 # customers wait for replies
    /opt/bench/env/bin/python scripts/harness.py --conversations 20 --clients 8   # quick

It starts gunicorn (4 workers, --preload, as bench's production config does) and RQ workers
(`bench worker`), restarts either when they die (as supervisor does in production), and
runs the sweeper every 20 s (as the scheduler does, every minute). It posts WAPI-format
webhooks from `--clients` concurrent clients: every conversation is a full booking flow of
ten messages, a share of conversations fire their messages all at once (bursts), and 10% of
deliveries are sent twice. A delivery that gets no answer or a 5xx is delivered again (as a
provider with retries would; an answered 200 must never need it). It waits for quiescence
and then checks, from the database: every inbound stored once and processed once, one reply
per message and in order, no field lost, one booking per confirmed scratchpad, every reply
sent once. It prints ack and reply latencies, turns per second and memory per process.
Not a test: a measurement.

Faults (`--faults a,b` or `all`): kill-worker (kill -9 an RQ worker and its job), web-kill
(kill -9 gunicorn, master and workers), redis-restart (Redis shut down without saving and
started again: queues, locks and caches gone), deadlocks (real MariaDB 1213 deadlocks and
1020 "record has changed" errors provoked in turn transactions, see DeadlockInjector),
wapi-flaky (30% of sends fail), wapi-timeouts (some sends hang past the client's timeout).

Latency: with `--rate` a request's ack latency counts from the moment it was due, so a
server that falls behind cannot hide behind clients that waited (coordinated omission).

Nothing here is used by the site; it needs the bench at $YAWLIT_BENCH (default /opt/bench).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

BENCH = os.environ.get("YAWLIT_BENCH", "/opt/bench")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from yawlit_bot.testing import payloads  # noqa: E402
from yawlit_bot.testing.wapi_standin import WapiStandin  # noqa: E402

WEBHOOK = "/api/method/yawlit_bot.api.webhook.receive"
OPENING_SECONDS = 10  # reply latency is also shown without the run's first seconds
FLOW = [
	("text", "Hi, I need a car wash"),
	("text", "I am {first} {last}"),
	("text", "{brand_model} {plate}"),
	("text", "premium wash"),
	("text", "parso shaam 4 baje"),
	("text", "address: {house} Law College Road, Erandwane, Pune 411004"),
	("text", "email {first_lower}@example.com"),
	("button", "Confirm"),
	("text", "thanks"),
	("text", "confirm"),
]
FIRST = ["Ravi", "Priya", "Amit", "Neha", "Rohit", "Sneha", "Vikram", "Anita", "Suresh", "Kavya"]
LAST = ["Kumar", "Sharma", "Patel", "Gupta", "Iyer", "Reddy", "Singh", "Joshi", "Mehta", "Rao"]
CARS = ["Maruti Swift", "Hyundai Creta", "Tata Nexon", "Honda City", "Kia Seltos", "Toyota Innova"]


@dataclass
class Conversation:
	phone: str
	first: str
	last: str
	plate: str
	messages: list[dict] = field(default_factory=list)
	duplicated: list[bool] = field(default_factory=list)  # delivered twice
	burst: bool = False


@dataclass
class Figures:
	acks: list[float] = field(default_factory=list)
	burst_acks: list[float] = field(default_factory=list)  # the share of `acks` sent in bursts
	statuses: Counter = field(default_factory=Counter)  # the final answer per delivery
	posted: int = 0
	duplicates_posted: int = 0
	redelivered: int = 0  # deliveries sent again after no answer or a 5xx
	failed_attempts: Counter = field(default_factory=Counter)  # what those attempts got
	lock: threading.Lock = field(default_factory=threading.Lock)


def make_conversations(
	count: int, burst_share: float, dup_share: float, rng: random.Random
) -> list[Conversation]:
	conversations = []
	for i in range(count):
		first, last = rng.choice(FIRST), rng.choice(LAST)
		plate = f"MH{rng.randint(1, 50):02d}{rng.choice('ABCDEFGH')}{rng.choice('KLMNPQRS')}{rng.randint(1000, 9999)}"
		conv = Conversation(f"9190{i:08d}", first, last, plate, burst=rng.random() < burst_share)
		values = {
			"first": first,
			"last": last,
			"first_lower": first.lower(),
			"brand_model": rng.choice(CARS),
			"plate": plate,
			"house": f"{rng.randint(1, 400)}",
		}
		for kind, text in FLOW:
			if kind == "button":
				conv.messages.append(payloads.button(conv.phone, text, "1"))
			else:
				conv.messages.append(payloads.text(conv.phone, text.format(**values)))
			conv.duplicated.append(rng.random() < dup_share)
		conversations.append(conv)
	return conversations


def precompile() -> None:
	"""Bytecode for frappe, the app and the env, as a production bench has it. Where
	PYTHONDONTWRITEBYTECODE is set, every RQ work horse (forked per job) would otherwise compile
	its imports from source again: measured here, half of a turn's CPU."""
	subprocess.run(
		[f"{BENCH}/env/bin/python", "-m", "compileall", "-q", "-j", "2", f"{BENCH}/apps", f"{BENCH}/env/lib"],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
		check=False,
	)


class Site:
	"""The web server and workers, started as a production bench starts them, and restarted
	when they die, as supervisor restarts them."""

	def __init__(self, site: str, port: int, web_workers: int, rq_workers: int):
		self.site, self.port, self.web_workers, self.rq_workers = site, port, web_workers, rq_workers
		self.web: subprocess.Popen | None = None
		self.workers: list[subprocess.Popen] = []
		self.log = open(os.path.join("/tmp", f"harness-{port}.log"), "ab")
		self.restarts: Counter = Counter()
		self._supervising = threading.Event()
		self._lock = threading.RLock()

	def start_web(self, wait: bool = True):
		self.web = subprocess.Popen(
			[
				f"{BENCH}/env/bin/gunicorn",
				"-b",
				f"127.0.0.1:{self.port}",
				"-w",
				str(self.web_workers),
				"--max-requests",
				"5000",
				"--max-requests-jitter",
				"500",
				"-t",
				"120",
				"--graceful-timeout",
				"30",
				"--preload",
				"frappe.app:application",
			],
			cwd=f"{BENCH}/sites",
			stdout=self.log,
			stderr=self.log,
			start_new_session=True,
		)
		if not wait:
			return
		for _ in range(120):
			try:
				requests.get(self.url("/api/method/ping"), headers={"Host": self.site}, timeout=2)
				return
			except requests.RequestException:
				time.sleep(0.5)
		raise RuntimeError("web server did not start")

	def start_worker(self):
		self.workers.append(
			subprocess.Popen(
				["bench", "worker", "--queue", "short,default"],
				cwd=BENCH,
				stdout=self.log,
				stderr=self.log,
				start_new_session=True,
			)
		)

	def start(self, workers: bool = True):
		precompile()
		self.start_web()
		if workers:
			self.start_workers()
		threading.Thread(target=self._supervise, daemon=True).start()

	def start_workers(self):
		with self._lock:
			for _ in range(self.rq_workers - len(self.workers)):
				self.start_worker()

	def _supervise(self):
		"""supervisord's autorestart: a process that exited is started again."""
		while not self._supervising.is_set():
			with self._lock:
				if self.web and self.web.poll() is not None:
					self.restarts["web server"] += 1
					self.start_web(wait=False)
				for proc in list(self.workers):
					if proc.poll() is not None:
						self.workers.remove(proc)
						self.restarts["RQ worker"] += 1
						self.start_worker()
			time.sleep(0.5)

	def url(self, path: str) -> str:
		return f"http://127.0.0.1:{self.port}{path}"

	def kill_worker(self) -> int:
		with self._lock:
			victim = self.workers[0]
			os.killpg(victim.pid, signal.SIGKILL)
			return victim.pid

	def kill_web(self) -> int:
		with self._lock:
			os.killpg(self.web.pid, signal.SIGKILL)
			return self.web.pid

	def stop(self):
		self._supervising.set()
		time.sleep(0.6)
		with self._lock:
			procs = [self.web, *self.workers]
		for proc in procs:
			if proc and proc.poll() is None:
				os.killpg(proc.pid, signal.SIGTERM)
		time.sleep(1)
		for proc in procs:
			if proc and proc.poll() is None:
				os.killpg(proc.pid, signal.SIGKILL)

	def processes(self):
		"""(kind, psutil.Process) for the web server and the RQ workers and all their children."""
		import psutil

		with self._lock:
			groups = (("web", [self.web]), ("workers", list(self.workers)))
		for kind, procs in groups:
			for proc in procs:
				try:
					parent = psutil.Process(proc.pid)
					yield from ((kind, p) for p in [parent, *parent.children(recursive=True)])
				except (psutil.Error, AttributeError):
					pass

	def cpu_seconds(self) -> dict[tuple[str, int], float]:
		"""CPU used so far per process, each with its reaped children (gunicorn workers, RQ work
		horses); a process killed by a fault takes its share with it."""
		import psutil

		result: dict[tuple[str, int], float] = {}
		for kind, p in self.processes():
			try:
				t = p.cpu_times()
				result[(kind, p.pid)] = t.user + t.system + t.children_user + t.children_system
			except psutil.Error:
				pass
		return result

	def memory_mb(self) -> dict[str, list[float]]:
		import psutil

		result: dict[str, list[float]] = {"web": [], "workers": []}
		for kind, p in self.processes():
			try:
				result[kind].append(p.memory_info().rss / 2**20)
			except psutil.Error:
				pass
		return result


def service_cpu_seconds() -> dict[tuple[str, int], float]:
	"""CPU used so far by MariaDB and Redis, per process (a restarted Redis is a new one).
	They share the two cores with the site: one budget."""
	import psutil

	result: dict[tuple[str, int], float] = {}
	for p in psutil.process_iter(["name", "cpu_times"]):
		name = p.info["name"] or ""
		if name.startswith(("mariadbd", "mysqld", "redis-server")) and p.info["cpu_times"]:
			kind = "redis" if name.startswith("redis") else "mariadb"
			result[(kind, p.pid)] = sum(p.info["cpu_times"][:2])
	return result


def cpu_snapshot(site: Site) -> dict[tuple[str, int], float]:
	snapshot = {**site.cpu_seconds(), **service_cpu_seconds()}
	snapshot[("this harness (clients, WAPI stand-in)", os.getpid())] = sum(os.times()[:2])
	return snapshot


def cpu_used(before: dict, after: dict) -> dict[str, float]:
	"""CPU seconds per kind of process between two snapshots (processes alive at the end)."""
	used: dict[str, float] = {}
	for (kind, pid), seconds in after.items():
		used[kind] = used.get(kind, 0.0) + seconds - before.get((kind, pid), 0.0)
	return used


def percentile(values: list[float], pct: float) -> float:
	if not values:
		return float("nan")
	values = sorted(values)
	return values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


class Pacer:
	"""Open-loop pacing: request n is due at start + n / rate, whether or not the earlier ones
	were answered. Without a rate, every request is due when its client is free (closed loop)."""

	def __init__(self, rate: float):
		self.rate = rate
		self.start: float | None = None
		self.issued = 0
		self.lock = threading.Lock()

	def due(self) -> float:
		if not self.rate:
			return time.perf_counter()
		with self.lock:
			if self.start is None:
				self.start = time.perf_counter()
			due = self.start + self.issued / self.rate
			self.issued += 1
		delay = due - time.perf_counter()
		if delay > 0:
			time.sleep(delay)
		return due


def post_once(port: int, host: str, path: str, body: bytes) -> int:
	"""One delivery on a fresh connection (gunicorn's sync workers close it after each
	request anyway). http.client, not requests: the load client shares the two cores."""
	conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
	try:
		conn.request("POST", path, body, {"Host": host, "Content-Type": "application/json"})
		response = conn.getresponse()
		response.read()
		return response.status
	finally:
		conn.close()


def deliver(site: Site, path: str, body: bytes, figures: Figures) -> int:
	"""Deliver until answered below 500: a connection refused or reset (web server down) or
	a 5xx is delivered again, with backoff, for up to about a minute."""
	status = 0
	for attempt in range(12):
		try:
			status = post_once(site.port, site.site, path, body)
		except (OSError, http.client.HTTPException) as exc:
			status, outcome = 0, type(exc).__name__
		else:
			outcome = str(status)
		if 0 < status < 500:
			return status
		with figures.lock:
			figures.redelivered += 1
			figures.failed_attempts[outcome] += 1
		time.sleep(min(0.25 * 2**attempt, 8))
	return status


def frappe_baseline(site: Site, rate: float, clients: int, count: int) -> dict:
	"""Frappe's own `/api/method/ping` on this machine, same web server, clients and pacing:
	the floor any whitelisted method stands on here, to read the webhook's figures against
	(the issue's machine: about 370 req/s flat out)."""
	pacer = Pacer(rate)
	latencies: list[float] = []
	lock = threading.Lock()

	def ping(_):
		due = pacer.due()
		conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
		try:
			conn.request("GET", "/api/method/ping", headers={"Host": site.site})
			response = conn.getresponse()
			response.read()
			if response.status != 200:
				raise RuntimeError(f"ping answered {response.status}")
		finally:
			conn.close()
		with lock:
			latencies.append((time.perf_counter() - due) * 1000)

	started = time.perf_counter()
	with ThreadPoolExecutor(clients) as pool:
		list(pool.map(ping, range(count)))
	return {"rps": count / (time.perf_counter() - started), "ms": latencies}


def drive(
	site: Site,
	secret: str,
	conversations: list[Conversation],
	clients: int,
	figures: Figures,
	pacer: Pacer,
	standin: WapiStandin,
	think: float | None,
	rng: random.Random,
):
	"""Post every conversation's messages. With `think` set, a customer waits for the bot's
	replies, then thinks about `think` seconds (exponentially distributed) before the next."""
	path = f"{WEBHOOK}?token={secret}"

	def post(payload: dict, duplicated: bool, burst: bool = False) -> None:
		body = json.dumps(payload).encode()
		due = pacer.due()
		status = deliver(site, path, body, figures)
		elapsed = time.perf_counter() - due
		with figures.lock:
			figures.acks.append(elapsed)
			if burst:
				figures.burst_acks.append(elapsed)
			figures.statuses[status] += 1
			figures.posted += 1
		if duplicated:  # the provider delivering the same message again
			pacer.due()
			deliver(site, path, body, figures)
			with figures.lock:
				figures.duplicates_posted += 1
				figures.posted += 1

	def wait_for_replies(conv: Conversation, count: int) -> None:
		standin.wait_for_accepted(conv.phone, count, timeout=120)
		if think:
			time.sleep(rng.expovariate(1 / think))

	def run_conversation(conv: Conversation):
		if think:  # customers do not all start at the same moment
			time.sleep(rng.uniform(0, think))
		if conv.burst:  # all ten at the same moment, from several clients
			with ThreadPoolExecutor(len(conv.messages)) as burst:
				list(burst.map(post, conv.messages, conv.duplicated, [True] * len(conv.messages)))
			if think:
				wait_for_replies(conv, len(conv.messages))
		else:
			for n, (payload, duplicated) in enumerate(zip(conv.messages, conv.duplicated), start=1):
				post(payload, duplicated)
				if think:
					wait_for_replies(conv, n)

	# Conversing customers spend most of their time waiting and thinking: one thread each.
	with ThreadPoolExecutor(len(conversations) if think else clients) as pool:
		list(pool.map(run_conversation, conversations))


class Scheduler(threading.Thread):
	"""The sweeper every `every` seconds, as `bench schedule` runs it every minute."""

	def __init__(self, every: float):
		super().__init__(daemon=True)
		self.every = every
		self.stopped = threading.Event()
		self.sweeps = 0

	def run(self):
		os.chdir(f"{BENCH}/sites")
		import frappe

		from yawlit_bot.services.sweeper import sweep

		frappe.init(site=SITE_NAME, sites_path=".")
		while not self.stopped.wait(self.every):
			try:
				frappe.connect()
				sweep()
				frappe.db.commit()
				self.sweeps += 1
			except Exception:
				pass  # Redis or the database restarting: the next round sweeps
			finally:
				if getattr(frappe.local, "db", None):
					frappe.db.close()
					frappe.local.db = None


SITE_NAME = "yawlit.test"


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

	def __init__(self, db: dict, phones: list[str], rng: random.Random, pause: float = 0.5):
		super().__init__(daemon=True)
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

		prefix = f"{SITE_NAME}|yawlit_bot|conversation-lock|"
		try:
			running = [
				key.decode()[len(prefix) :]
				for key in redis.Redis(host="127.0.0.1", port=6379).scan_iter(match=prefix + "*", count=500)
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
REDIS_START = [
	"redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
	"--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]


def restart_redis() -> float:
	"""SHUTDOWN NOSAVE, then start it again the way this machine starts it. Returns the outage."""
	started = time.perf_counter()
	subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, check=False)
	time.sleep(1.0)
	subprocess.run(REDIS_START, capture_output=True, check=False)
	for _ in range(50):
		if subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
			break
		time.sleep(0.1)
	return time.perf_counter() - started


def one_run_at_a_time():
	"""A run points the site at its own WAPI stand-in and restores the settings when it ends,
	which would pull the rug from under a second run (this harness or the fuzzer)."""
	import fcntl

	run_lock = open("/tmp/yawlit-harness.lock", "w")
	try:
		fcntl.flock(run_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
	except BlockingIOError:
		raise SystemExit("another harness or fuzzer run is going on (/tmp/yawlit-harness.lock)") from None
	return run_lock


def set_snapshot_isolation(args, on: bool) -> None:
	import pymysql

	conn = pymysql.connect(host="127.0.0.1", user=args.db_root_user, password=args.db_root_password)
	with conn.cursor() as cur:
		cur.execute(f"set global innodb_snapshot_isolation = {'ON' if on else 'OFF'}")
	conn.close()


def main():
	parser = argparse.ArgumentParser(description="Load and invariant harness")
	parser.add_argument("--site", default="yawlit.test")
	parser.add_argument("--port", type=int, default=8010)
	parser.add_argument("--conversations", type=int, default=200)
	parser.add_argument("--clients", type=int, default=16)
	parser.add_argument("--web-workers", type=int, default=4)
	parser.add_argument("--rq-workers", type=int, default=2)
	parser.add_argument("--burst-share", type=float, default=0.1)
	parser.add_argument("--dup-share", type=float, default=0.1)
	parser.add_argument("--rate", type=float, default=0, help="webhooks per second, paced (0: as fast as the clients go)")
	parser.add_argument("--ingest-first", action="store_true", help="start the RQ workers only after every webhook was posted")
	parser.add_argument("--converse", action="store_true", help="customers wait for the replies before the next message")
	parser.add_argument("--think", type=float, default=10, help="with --converse: mean seconds between a reply and the next message")
	parser.add_argument("--flood", type=int, default=0, help="one more sender posts this many messages at once")
	parser.add_argument(
		"--baseline", action="store_true", help="first measure Frappe's own ping the same way (same clients and pacing)"
	)
	parser.add_argument("--faults", default="", help=f"comma list, or all: {', '.join(FAULTS)}")
	parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for quiescence")
	parser.add_argument("--seed", type=int, default=7)
	parser.add_argument("--db-root-user", default="root", help="for SET GLOBAL, with --faults deadlocks")
	parser.add_argument("--db-root-password", default="")
	args = parser.parse_args()
	faults = set(FAULTS) if args.faults == "all" else {f for f in args.faults.split(",") if f}
	unknown = faults - set(FAULTS)
	if unknown:
		parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
	rng = random.Random(args.seed)
	run_lock = one_run_at_a_time()  # noqa: F841 (held until the process ends)
	global SITE_NAME
	SITE_NAME = args.site

	os.chdir(f"{BENCH}/sites")
	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from yawlit_bot.services.retry import RETRYABLE_DB_ERRORS, retry_counter_key, retry_counts
	from yawlit_bot.yawlit_bot.doctype.wa_bot_settings.wa_bot_settings import (
		ensure_webhook_secret,
		get_webhook_secret,
	)

	standin = WapiStandin(token="harness-token").start()
	if "wapi-flaky" in faults:
		standin.configure(fail_rate=0.3, seed=args.seed)
	settings = frappe.get_single("WA Bot Settings")
	saved = {
		k: settings.get(k)
		for k in ("wapi_base_url", "wapi_vendor_uid", "enabled", "sweeper_age", "wapi_timeout")
	}
	settings.update(
		{
			"wapi_base_url": standin.base_url,
			"wapi_vendor_uid": standin.vendor_uid,
			"wapi_token": "harness-token",
			"enabled": 1,
			"sweeper_age": 20,
			"wapi_timeout": 5,
		}
	)
	settings.save(ignore_permissions=True)
	ensure_webhook_secret()
	frappe.db.commit()
	secret = get_webhook_secret()
	for code in (*RETRYABLE_DB_ERRORS, 0):
		frappe.cache.delete(retry_counter_key(code))

	conversations = make_conversations(args.conversations, args.burst_share, args.dup_share, rng)
	phones = [c.phone for c in conversations]
	for table in ("WA Service Booking", "WA Booking Scratchpad", "WA Message", "WA Conversation"):
		key = "name" if table == "WA Conversation" else "conversation"
		frappe.db.delete(table, {key: ["in", phones]})
	frappe.db.commit()

	deadlocks = None
	if "deadlocks" in faults:
		conf = frappe.conf
		deadlocks = DeadlockInjector(
			{"host": conf.db_host or "127.0.0.1", "user": conf.db_user or conf.db_name,
			 "password": conf.db_password, "name": conf.db_name},
			phones,
			random.Random(args.seed),
		)
		deadlocks.prepare()
		# MariaDB 11.6's default: a locking read of a row changed after the snapshot is an error.
		set_snapshot_isolation(args, True)

	site = Site(args.site, args.port, args.web_workers, args.rq_workers)
	site.start(workers=not args.ingest_first)
	scheduler = Scheduler(every=20)
	peak: dict[str, float] = defaultdict(float)
	stop_sampling = threading.Event()

	def sample_memory():
		while not stop_sampling.is_set():
			for kind, values in site.memory_mb().items():
				if values:
					peak[kind] = max(peak[kind], max(values))
					peak[kind + "_total"] = max(peak[kind + "_total"], sum(values))
			time.sleep(0.5)

	sampler = threading.Thread(target=sample_memory, daemon=True)
	sampler.start()
	injected: list[str] = []

	def at(seconds: float, action):
		def run():
			time.sleep(seconds)
			injected.append(action())

		thread = threading.Thread(target=run, daemon=True)
		thread.start()
		return thread

	figures = Figures()
	injectors = []
	if "kill-worker" in faults:
		injectors.append(at(3, lambda: f"kill -9 an RQ worker and its job (pid {site.kill_worker()}) at 3 s"))
	if "redis-restart" in faults:
		injectors.append(at(6, lambda: f"Redis shut down without saving and restarted at 6 s ({restart_redis():.1f} s outage)"))
	if "web-kill" in faults:
		injectors.append(at(9, lambda: f"kill -9 gunicorn, master and workers (pid {site.kill_web()}) at 9 s"))
	if "wapi-timeouts" in faults:
		injectors.append(at(2, lambda: standin.configure(hang_next=15, hang_seconds=7) or "WAPI held 15 sends for 7 s (the client times out at 5 s) at 2 s"))

	flood_phone = "919999000001"
	flood_messages = [payloads.text(flood_phone, f"hello {i} " + "!" * (i % 7)) for i in range(args.flood)]
	if args.flood:
		frappe.db.delete("WA Message", {"conversation": flood_phone})
		frappe.db.delete("WA Booking Scratchpad", {"conversation": flood_phone})
		frappe.db.delete("WA Conversation", {"name": flood_phone})
		frappe.db.commit()

	def flood():
		path = f"{WEBHOOK}?token={secret}"
		with ThreadPoolExecutor(4) as pool:
			list(pool.map(lambda p: deliver(site, path, json.dumps(p).encode(), figures), flood_messages))

	try:
		baseline = frappe_baseline(site, args.rate, args.clients, 2000) if args.baseline else None
		cpu_at_start = cpu_snapshot(site)  # after start-up and the baseline: the run alone
		started = time.perf_counter()
		if args.flood:
			injectors.append(at(0, lambda: flood() or f"one sender posted {args.flood} messages as fast as 4 clients go"))
		scheduler.start()
		if deadlocks:
			deadlocks.start()
		drive(
			site, secret, conversations, args.clients, figures, Pacer(args.rate), standin,
			args.think if args.converse else None, rng,
		)
		ingest_seconds = time.perf_counter() - started
		turns_started = time.perf_counter()
		if args.ingest_first:
			site.start_workers()
		for thread in injectors:
			thread.join()
		quiet_at = wait_for_quiescence(frappe, phones + ([flood_phone] if args.flood else []), args.timeout)
		cpu = cpu_used(cpu_at_start, cpu_snapshot(site))  # before the checks below
		if deadlocks:
			deadlocks.stopped.set()
			deadlocks.join()
		frappe.db.rollback()
		report = check_invariants(frappe, conversations, standin, faults)
		if args.flood:
			check_flood(frappe, flood_phone, args.flood, report)
		e2e = reply_latencies(frappe, phones)
		e2e_one_by_one = reply_latencies(frappe, [c.phone for c in conversations if not c.burst])
		e2e_settled = reply_latencies(frappe, phones, after_seconds=OPENING_SECONDS)
		turns = report["processed"]
		turn_seconds = max(quiet_at - (turns_started if args.ingest_first else started), 1e-6)
		retried = retry_counts()
	finally:
		stop_sampling.set()
		scheduler.stopped.set()
		site.stop()
		standin.stop()
		if deadlocks:
			set_snapshot_isolation(args, False)
			deadlocks.drop()
		frappe.db.rollback()
		settings = frappe.get_single("WA Bot Settings")
		settings.update({k: v for k, v in saved.items() if v is not None})
		settings.save(ignore_permissions=True)
		frappe.db.commit()

	acks_ms = [a * 1000 for a in figures.acks]
	mode = f"paced at {args.rate:g}/s" if args.rate else "as fast as the clients go"
	if args.converse:
		mode = f"customers wait for replies and think ~{args.think:g} s"
	print("\n=== yawlit_bot harness ===")
	print(
		f"scale: {args.conversations} conversations x {len(FLOW)} messages, {args.clients} clients ({mode}), "
		f"{args.web_workers} web workers, {args.rq_workers} RQ workers{' started after the webhooks' if args.ingest_first else ''}, "
		f"bursts {args.burst_share:.0%}, duplicates {args.dup_share:.0%}"
	)
	print(f"faults: {', '.join(sorted(faults)) or 'none'}")
	for line in injected:
		print(f"  injected: {line}")
	if "wapi-flaky" in faults:
		print("  injected: WAPI failing 30% of sends")
	if deadlocks:
		print(
			f"  injected: lock cycles with a running turn {deadlocks.attempts['1213']} (the injector itself the victim in "
			f"{deadlocks.lost['1213']}), rows changed under a running turn's snapshot {deadlocks.attempts['1020']}"
		)
	restarts = ", ".join(f"{k} x{v}" for k, v in site.restarts.items()) or "none"
	print(f"  restarted by the supervisor: {restarts}; sweeper runs: {scheduler.sweeps}")
	print(
		f"  retried: deliveries sent again {figures.redelivered} ({dict(figures.failed_attempts) or 'none'}); "
		f"database units of work retried by the app {retried or 'none'}"
	)
	print(
		f"posted {figures.posted} webhooks ({figures.duplicates_posted} duplicates) in {ingest_seconds:.1f} s: "
		f"{figures.posted / ingest_seconds:.0f} req/s; final statuses {dict(figures.statuses)}"
	)
	print(
		f"ack latency ms: p50 {percentile(acks_ms, 50):.0f}  p95 {percentile(acks_ms, 95):.0f}  p99 {percentile(acks_ms, 99):.0f}"
	)
	if baseline:
		ms = baseline["ms"]
		print(
			f"  Frappe's own ping on this machine, same clients and pacing, 2000 requests: {baseline['rps']:.0f} req/s, "
			f"p50 {percentile(ms, 50):.0f}  p95 {percentile(ms, 95):.0f}  p99 {percentile(ms, 99):.0f}"
		)
	burst_ms = [a * 1000 for a in figures.burst_acks]
	print(
		f"  of which in bursts ({len(burst_ms)}, ten messages of one sender at once): p50 {percentile(burst_ms, 50):.0f}  "
		f"p99 {percentile(burst_ms, 99):.0f}; the others: p99 {percentile(sorted(set(acks_ms) - set(burst_ms)), 99):.0f}"
	)
	print(
		f"reply latency ms (received -> sent): p50 {percentile(e2e, 50):.0f}  p99 {percentile(e2e, 99):.0f}"
	)
	print(
		f"  of which in conversations sending one message at a time: p50 {percentile(e2e_one_by_one, 50):.0f}  "
		f"p99 {percentile(e2e_one_by_one, 99):.0f} (a burst's tenth reply waits for the nine turns before it)"
	)
	print(
		f"  after the opening {OPENING_SECONDS} s (every customer's first message, the bursts among them, "
		f"meeting workers just started): p50 {percentile(e2e_settled, 50):.0f}  p99 {percentile(e2e_settled, 99):.0f}"
	)
	print(f"turns: {turns} in {turn_seconds:.1f} s = {turns / turn_seconds:.1f} turns/s")
	print(
		f"peak RSS MB: web process {peak['web']:.0f} (all web {peak['web_total']:.0f}), "
		f"worker process {peak['workers']:.0f} (all workers {peak['workers_total']:.0f})"
	)
	run_seconds = max(quiet_at - started, 1e-6)
	print(
		f"CPU seconds over {run_seconds:.0f} s on {os.cpu_count()} cores: "
		+ ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
		+ f" (total {sum(cpu.values()) / run_seconds / (os.cpu_count() or 1):.0%} of the machine)"
	)
	print(f"WAPI stand-in: {len(standin.requests)} requests, {len(standin.accepted)} accepted")
	failures = [line for line in report["violations"]]
	for line in failures[:30]:
		print("  VIOLATION:", line)
	print("invariants:", "ALL HOLD" if not failures else f"{len(failures)} VIOLATED")
	for name, value in report["summary"].items():
		print(f"  {name}: {value}")
	sys.exit(1 if failures else 0)


def wait_for_quiescence(frappe, phones: list[str], timeout: float) -> float:
	"""Until nothing is pending or queued (the Scheduler thread keeps sweeping)."""
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		frappe.db.rollback()
		busy = frappe.db.sql(
			"""select count(*) from `tabWA Message` where conversation in %(phones)s and (
				(role = 'user' and processing_status = 'Pending') or
				(role = 'assistant' and (send_status in ('Queued', 'Sending') or (send_status = 'Failed' and wamid is null and send_attempts < 5))))""",
			{"phones": phones},
		)[0][0]
		if not busy:
			return time.perf_counter()
		time.sleep(0.5)
	raise SystemExit("no quiescence within the timeout: messages are stuck")


def check_invariants(
	frappe, conversations: list[Conversation], standin: WapiStandin, faults: set[str] = frozenset()
) -> dict:
	violations: list[str] = []
	phones = [c.phone for c in conversations]
	expected_wamids = {p["message"]["whatsapp_message_id"] for c in conversations for p in c.messages}
	rows = frappe.db.sql(
		"""select name, wamid, conversation, processing_status from `tabWA Message`
		where role = 'user' and conversation in %(phones)s order by name""",
		{"phones": phones},
		as_dict=True,
	)
	stored = Counter(r.wamid for r in rows)
	for wamid, count in stored.items():
		if count != 1:
			violations.append(f"{wamid} stored {count} times")
	lost = expected_wamids - set(stored)
	violations += [f"{w} never stored" for w in sorted(lost)[:10]]
	not_processed = [r.name for r in rows if r.processing_status != "Processed"]
	violations += [f"inbound {n} ended {rows_by(rows, n)}" for n in not_processed[:10]]

	replies = frappe.db.sql(
		"""select name, reply_to, conversation, send_status, wamid from `tabWA Message`
		where role = 'assistant' and conversation in %(phones)s order by name""",
		{"phones": phones},
		as_dict=True,
	)
	per_inbound = Counter(str(r.reply_to) for r in replies)
	for r in rows:
		if per_inbound.get(str(r.name), 0) != 1:
			violations.append(
				f"inbound {r.name} has {per_inbound.get(str(r.name), 0)} replies (processed twice or not at all)"
			)
	by_conv: dict[str, list] = defaultdict(list)
	for r in replies:
		by_conv[r.conversation].append(int(r.reply_to))
	for phone, order in by_conv.items():
		if order != sorted(order):
			violations.append(f"{phone}: replies out of order")
	# "Unknown": the send left and no answer came (WAPI hung past the timeout, or the worker
	# died mid-send). It is shown to staff and never resent, so a customer never gets it twice:
	# acceptable only when such a fault was injected.
	settled = ("Sent", "Delivered", "Read", *(("Unknown",) if faults else ()))
	unknown = sum(1 for r in replies if r.send_status == "Unknown")
	unsent = [r.name for r in replies if r.send_status not in settled]
	violations += [
		f"reply {n} not sent ({s})"
		for n, s in [(r.name, r.send_status) for r in replies if r.name in set(unsent)][:10]
	]

	def sent_text(body: dict) -> str:
		return (body.get("message_body") or body.get("body_text") or "")[:1024]

	accepted = Counter((r.body.get("phone_number"), sent_text(r.body)) for r in standin.accepted)
	expected_sends = Counter(
		(r.conversation, (r.content or "")[:1024])
		for r in frappe.db.sql(
			"select conversation, content from `tabWA Message` where role = 'assistant' and conversation in %(phones)s",
			{"phones": phones},
			as_dict=True,
		)
	)
	for key, count in accepted.items():
		if key[0] in set(phones) and count > expected_sends.get(key, 0):
			violations.append(
				f"{key[0]}: a reply reached WAPI {count} times, {expected_sends.get(key, 0)} expected"
			)

	bookings = Counter(
		frappe.db.sql_list(
			"select conversation from `tabWA Service Booking` where conversation in %(phones)s",
			{"phones": phones},
		)
	)
	fields_checked = 0
	for conv in conversations:
		count = bookings.get(conv.phone, 0)
		# In order, the flow books exactly once; fired all at once, Confirm may come before the
		# details (then no booking) but never twice.
		if count > 1 or (count != 1 and not conv.burst):
			violations.append(f"{conv.phone}: {count} bookings, {'at most ' if conv.burst else ''}1 expected")
		want = {
			"first_name": conv.first,
			"last_name": conv.last,
			"vehicle_plate": conv.plate,
			"pincode": "411004",
			"time_slot": "16:00-17:00",
			"service_type": "Premium Wash",
			"email": f"{conv.first.lower()}@example.com",
		}
		# no field lost: every value sent is in one of the conversation's scratchpads
		pads = frappe.get_all(
			"WA Booking Scratchpad", filters={"conversation": conv.phone}, fields=list(want)
		)
		for key, value in want.items():
			fields_checked += 1
			if not any(pad.get(key) == value for pad in pads):
				violations.append(f"{conv.phone}: {key} {value!r} is in none of its scratchpads")
	return {
		"violations": violations,
		"processed": len(rows) - len(not_processed),
		"summary": {
			"inbound stored": f"{len(rows)} of {len(expected_wamids)} unique",
			"replies": f"{len(replies)} ({unknown} with an unknown outcome, never resent)",
			"bookings": sum(bookings.values()),
			"booking fields checked": fields_checked,
			"slot capacity": "n/a: slots and capacity arrive with the catalog issue",
		},
	}


def check_flood(frappe, phone: str, sent: int, report: dict) -> None:
	"""Every flood message stored and read; the replies held to the limit (one notice more)."""
	limit = frappe.db.get_single_value("WA Bot Settings", "flood_reply_limit") or 10
	rows = frappe.db.sql(
		"""select processing_status, replies_held_back from `tabWA Message`
		where conversation = %s and role = 'user'""",
		phone,
		as_dict=True,
	)
	answered = frappe.db.sql(
		"""select min(creation), max(creation), count(*) from `tabWA Message`
		where conversation = %s and role = 'assistant'""",
		phone,
	)[0]
	processed = sum(1 for r in rows if r.processing_status == "Processed")
	held = sum(r.replies_held_back or 0 for r in rows)
	if len(rows) != sent or processed != sent:
		report["violations"].append(f"flood: {len(rows)} of {sent} stored, {processed} processed")
	span = (answered[1] - answered[0]).total_seconds() if answered[2] else 0
	allowed = (limit + 1) * (1 + int(span // 60))  # per minute: the limit and one notice
	if answered[2] > allowed:
		report["violations"].append(f"flood: {answered[2]} replies, at most {allowed} allowed")
	report["summary"]["flood"] = (
		f"{len(rows)} of {sent} stored, {processed} processed, {answered[2]} replies sent, {held} held back"
	)


def rows_by(rows, name):
	return next((r.processing_status for r in rows if r.name == name), "?")


def reply_latencies(frappe, phones, after_seconds: float = 0) -> list[float]:
	"""Received -> sent per reply; with `after_seconds`, only for messages received that long
	after the first one of the run."""
	rows = frappe.db.sql(
		"""select timestampdiff(microsecond, i.received_at, o.sent_at) / 1000 as ms,
			timestampdiff(microsecond, first.at, i.received_at) / 1e6 as since_start
		from `tabWA Message` o join `tabWA Message` i on i.name = o.reply_to
		join (select min(received_at) as at from `tabWA Message`
			where role = 'user' and conversation in %(phones)s) first
		where o.role = 'assistant' and o.sent_at is not null and o.conversation in %(phones)s""",
		{"phones": phones},
	)
	return [float(r[0]) for r in rows if r[0] is not None and float(r[1]) >= after_seconds]


if __name__ == "__main__":
	main()
