"""The site as production runs it, for a measured run: web server, RQ workers, the sweeper,
and a Redis of the run's own. Nothing here is used by the site."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter

import requests

from loadtest import BENCH

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



class Scheduler(threading.Thread):
	"""The sweeper every `every` seconds, as `bench schedule` runs it every minute."""

	def __init__(self, site: str, every: float):
		super().__init__(daemon=True)
		self.site, self.every = site, every
		self.stopped = threading.Event()
		self.sweeps = 0
		# Imported here, before the measured traffic: the sweeper brings the whole turn pipeline
		# (a quarter of a second of CPU), which in the thread would hold up this process's
		# clients in the run's first second.
		from yawlit_bot.services.pipeline.sweeper import sweep

		self.sweep = sweep
		self.measuring = threading.Event()

	def begin(self):
		"""The measured run starts: the first sweep comes `every` seconds from now. The thread
		itself is started earlier (`start`), so its set-up is not part of the run either."""
		self.measuring.set()

	def run(self):
		os.chdir(f"{BENCH}/sites")
		import frappe

		sweep = self.sweep
		frappe.init(site=self.site, sites_path=".")
		self.measuring.wait()
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



def forget_conversations(frappe, numbers: list[str]) -> None:
	"""The rows a number's earlier run left: its messages, scratchpads and conversation."""
	for number in numbers:
		for doctype, field in (("WA Message", "conversation"), ("WA Booking Scratchpad", "conversation"), ("WA Conversation", "name")):
			frappe.db.delete(doctype, {field: number})
	frappe.db.commit()


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


class RunRedis:
	"""A Redis started for the run on a free port, with the bench pointed at it for the run
	(`common_site_config.json`: workers read their queue from there) and pointed back when the
	run ends, also on Ctrl-C or SIGTERM. The redis-restart fault restarts this one: the
	machine's Redis, which other programs use, is never touched."""

	KEYS = ("redis_cache", "redis_queue", "redis_socketio")

	def __init__(self):
		self.port = free_port()
		self.url = f"redis://127.0.0.1:{self.port}"
		self.config_path = os.path.join(BENCH, "sites", "common_site_config.json")
		self.saved: dict | None = None
		self.proc: subprocess.Popen | None = None
		self.dir = tempfile.mkdtemp(prefix="yawlit-harness-redis-")

	def start(self) -> "RunRedis":
		self._start_server()
		with open(self.config_path) as f:
			config = json.load(f)
		self.saved = {key: config.get(key) for key in self.KEYS}
		config.update({key: self.url for key in self.KEYS})
		self._write(config)
		on_exit(self.stop)
		return self

	def _start_server(self) -> None:
		self.proc = subprocess.Popen(
			["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			 "--dir", self.dir],
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
			start_new_session=True,
		)
		deadline = time.monotonic() + 10
		while time.monotonic() < deadline:
			try:
				with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
					conn.sendall(b"PING\r\n")
					if conn.recv(16).startswith(b"+PONG"):
						return
			except OSError:
				time.sleep(0.05)
		raise RuntimeError(f"the run's Redis did not start on port {self.port}")

	def restart(self) -> float:
		"""SHUTDOWN NOSAVE and start again (queues, locks, flags and caches gone). Returns the
		outage in seconds."""
		started = time.perf_counter()
		subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, check=False)
		if self.proc:
			self.proc.wait(timeout=10)
		time.sleep(1.0)
		self._start_server()
		return time.perf_counter() - started

	def stop(self) -> None:
		if self.saved is not None:
			with open(self.config_path) as f:
				config = json.load(f)
			for key, value in self.saved.items():
				if value is None:
					config.pop(key, None)
				else:
					config[key] = value
			self._write(config)
			self.saved = None
		if self.proc and self.proc.poll() is None:
			self.proc.terminate()
			self.proc.wait(timeout=10)
		shutil.rmtree(self.dir, ignore_errors=True)

	def _write(self, config: dict) -> None:
		tmp = self.config_path + ".harness"
		with open(tmp, "w") as f:
			json.dump(config, f, indent=1, sort_keys=True)
		os.replace(tmp, self.config_path)


def free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


_cleanups: list = []


def on_exit(cleanup) -> None:
	"""Run `cleanup` when the run ends however it ends: normally (the caller's `finally`),
	on Ctrl-C (KeyboardInterrupt unwinds through that `finally`) or on SIGTERM (turned into
	SystemExit here, which does the same)."""
	_cleanups.append(cleanup)
	if signal.getsignal(signal.SIGTERM) is not _raise_exit:
		signal.signal(signal.SIGTERM, _raise_exit)


def _raise_exit(signum, frame):
	raise SystemExit(128 + signum)


def run_cleanups() -> None:
	"""Undo what the run changed outside itself, last change first; each at most once."""
	while _cleanups:
		cleanup = _cleanups.pop()
		try:
			cleanup()
		except Exception as exc:  # keep undoing the others
			print(f"cleanup {cleanup!r} failed: {exc}")


def jobs_run(redis_url: str) -> int:
	"""Jobs the live RQ workers have run (each a forked work horse and a Frappe start-up)."""
	from redis import Redis
	from rq import Worker

	connection = Redis.from_url(redis_url)
	return sum(w.successful_job_count + w.failed_job_count for w in Worker.all(connection=connection))


def wait_for_workers(redis_url: str, count: int, timeout: float = 120) -> None:
	"""Until `count` RQ workers are registered: a worker registers once its start-up (Frappe's
	imports and the app's warm-up, seconds of CPU) is over, which must not overlap the measured
	traffic."""
	from redis import Redis
	from rq import Worker

	connection = Redis.from_url(redis_url)
	deadline = time.monotonic() + timeout
	while Worker.count(connection=connection) < count:
		if time.monotonic() > deadline:
			raise RuntimeError(f"{count} RQ workers did not register within {timeout:.0f} s")
		time.sleep(0.2)
