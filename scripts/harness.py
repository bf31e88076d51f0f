"""Load and invariant harness: drives the real site the way production runs it.

Run with the bench's Python, from anywhere:

    /opt/bench/env/bin/python scripts/harness.py                       # 200 x 10, no faults
    /opt/bench/env/bin/python scripts/harness.py --faults kill-worker,wapi-flaky
    /opt/bench/env/bin/python scripts/harness.py --conversations 20 --clients 8   # quick

It starts gunicorn (4 workers, --preload, as bench's production config does) and RQ workers
(`bench worker`), plus the WAPI stand-in; posts WAPI-format webhooks from `--clients`
concurrent clients: every conversation is a full booking flow of ten messages, a share of
conversations fire their messages all at once (bursts), and 10% of deliveries are sent
twice. It waits for quiescence and then checks, from the database:
every inbound stored once and processed once, one reply per message and in order, no field
lost, one booking per confirmed scratchpad, every reply sent once. It prints ack and reply
latencies, turns per second and memory per process. Not a test: a measurement.

Nothing here is used by the site; it needs the bench at $YAWLIT_BENCH (default /opt/bench).
"""

from __future__ import annotations

import argparse
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
	burst: bool = False


@dataclass
class Figures:
	acks: list[float] = field(default_factory=list)
	statuses: Counter = field(default_factory=Counter)
	posted: int = 0
	duplicates_posted: int = 0
	lock: threading.Lock = field(default_factory=threading.Lock)


def make_conversations(count: int, burst_share: float, rng: random.Random) -> list[Conversation]:
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
	"""The web server and workers, started as a production bench starts them."""

	def __init__(self, site: str, port: int, web_workers: int, rq_workers: int):
		self.site, self.port, self.web_workers, self.rq_workers = site, port, web_workers, rq_workers
		self.web: subprocess.Popen | None = None
		self.workers: list[subprocess.Popen] = []
		self.log = open(os.path.join("/tmp", f"harness-{port}.log"), "ab")

	def start_web(self):
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

	def start(self):
		precompile()
		self.start_web()
		for _ in range(self.rq_workers):
			self.start_worker()

	def url(self, path: str) -> str:
		return f"http://127.0.0.1:{self.port}{path}"

	def kill_worker(self) -> int:
		victim = self.workers.pop(0)
		os.killpg(victim.pid, signal.SIGKILL)
		return victim.pid

	def stop(self):
		for proc in [self.web, *self.workers]:
			if proc and proc.poll() is None:
				os.killpg(proc.pid, signal.SIGTERM)
		time.sleep(1)
		for proc in [self.web, *self.workers]:
			if proc and proc.poll() is None:
				os.killpg(proc.pid, signal.SIGKILL)

	def memory_mb(self) -> dict[str, list[float]]:
		import psutil

		result: dict[str, list[float]] = {"web": [], "worker": []}
		for kind, procs in (("web", [self.web]), ("worker", self.workers)):
			for proc in procs:
				try:
					parent = psutil.Process(proc.pid)
					for p in [parent, *parent.children(recursive=True)]:
						result[kind].append(p.memory_info().rss / 2**20)
				except (psutil.Error, AttributeError):
					pass
		return result


def percentile(values: list[float], pct: float) -> float:
	if not values:
		return float("nan")
	values = sorted(values)
	return values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


def drive(
	site: Site,
	secret: str,
	conversations: list[Conversation],
	clients: int,
	dup_share: float,
	rng,
	figures: Figures,
):
	session = requests.Session()
	adapter = requests.adapters.HTTPAdapter(pool_connections=clients, pool_maxsize=clients * 2)
	session.mount("http://", adapter)
	headers = {"Host": site.site, "Content-Type": "application/json"}
	import json

	def post(payload):
		body = json.dumps(payload)
		started = time.perf_counter()
		response = session.post(
			site.url(WEBHOOK), params={"token": secret}, data=body, headers=headers, timeout=60
		)
		elapsed = time.perf_counter() - started
		with figures.lock:
			figures.acks.append(elapsed)
			figures.statuses[response.status_code] += 1
			figures.posted += 1
		if rng.random() < dup_share:
			session.post(site.url(WEBHOOK), params={"token": secret}, data=body, headers=headers, timeout=60)
			with figures.lock:
				figures.duplicates_posted += 1
				figures.posted += 1

	def run_conversation(conv: Conversation):
		if conv.burst:  # all ten at the same moment, from several clients
			with ThreadPoolExecutor(len(conv.messages)) as burst:
				list(burst.map(post, conv.messages))
		else:
			for payload in conv.messages:
				post(payload)

	with ThreadPoolExecutor(clients) as pool:
		list(pool.map(run_conversation, conversations))


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
	parser.add_argument("--faults", default="", help="comma list: kill-worker, wapi-flaky, wapi-timeouts")
	parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for quiescence")
	parser.add_argument("--seed", type=int, default=7)
	args = parser.parse_args()
	faults = {f for f in args.faults.split(",") if f}
	rng = random.Random(args.seed)

	os.chdir(f"{BENCH}/sites")
	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
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

	conversations = make_conversations(args.conversations, args.burst_share, rng)
	phones = [c.phone for c in conversations]
	for table in ("WA Service Booking", "WA Booking Scratchpad", "WA Message", "WA Conversation"):
		key = "name" if table == "WA Conversation" else "conversation"
		frappe.db.delete(table, {key: ["in", phones]})
	frappe.db.commit()

	site = Site(args.site, args.port, args.web_workers, args.rq_workers)
	site.start()
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

	def inject():
		if "kill-worker" in faults:
			time.sleep(3)
			pid = site.kill_worker()
			injected.append(f"kill -9 RQ worker (pid {pid}) 3 s into the load")
			time.sleep(2)
			site.start_worker()
			injected.append("started a replacement worker 2 s later")

	figures = Figures()
	injector = threading.Thread(target=inject)
	try:
		started = time.perf_counter()
		injector.start()
		drive(site, secret, conversations, args.clients, args.dup_share, rng, figures)
		ingest_seconds = time.perf_counter() - started
		injector.join()
		quiet_at = wait_for_quiescence(frappe, phones, args.timeout, sweep_every=20)
		report = check_invariants(frappe, conversations, standin)
		e2e = reply_latencies(frappe, phones)
		turns = report["processed"]
		turn_seconds = max(quiet_at - started, 1e-6)
	finally:
		stop_sampling.set()
		site.stop()
		standin.stop()
		settings = frappe.get_single("WA Bot Settings")
		settings.update({k: v for k, v in saved.items() if v is not None})
		settings.save(ignore_permissions=True)
		frappe.db.commit()

	acks_ms = [a * 1000 for a in figures.acks]
	print("\n=== yawlit_bot harness ===")
	print(
		f"scale: {args.conversations} conversations x {len(FLOW)} messages, {args.clients} clients, "
		f"{args.web_workers} web workers, {args.rq_workers} RQ workers, bursts {args.burst_share:.0%}, duplicates {args.dup_share:.0%}"
	)
	print(
		f"faults injected: {'; '.join(injected) or 'none'}{' ; WAPI failing 30% of sends' if 'wapi-flaky' in faults else ''}"
	)
	print(
		f"posted {figures.posted} webhooks ({figures.duplicates_posted} duplicates) in {ingest_seconds:.1f} s: "
		f"{figures.posted / ingest_seconds:.0f} req/s; statuses {dict(figures.statuses)}"
	)
	print(
		f"ack latency ms: p50 {percentile(acks_ms, 50):.0f}  p95 {percentile(acks_ms, 95):.0f}  p99 {percentile(acks_ms, 99):.0f}"
	)
	print(
		f"reply latency ms (received -> sent): p50 {percentile(e2e, 50):.0f}  p99 {percentile(e2e, 99):.0f}"
	)
	print(f"turns: {turns} in {turn_seconds:.1f} s = {turns / turn_seconds:.1f} turns/s")
	print(
		f"peak RSS MB: web process {peak['web']:.0f} (all web {peak['web_total']:.0f}), "
		f"worker process {peak['worker']:.0f} (all workers {peak['worker_total']:.0f})"
	)
	print(f"WAPI stand-in: {len(standin.requests)} requests, {len(standin.accepted)} accepted")
	failures = [line for line in report["violations"]]
	for line in failures[:30]:
		print("  VIOLATION:", line)
	print("invariants:", "ALL HOLD" if not failures else f"{len(failures)} VIOLATED")
	for name, value in report["summary"].items():
		print(f"  {name}: {value}")
	sys.exit(1 if failures else 0)


def wait_for_quiescence(frappe, phones: list[str], timeout: float, sweep_every: float) -> float:
	"""Until nothing is pending or queued; runs the sweeper like the scheduler would."""
	from yawlit_bot.services.sweeper import sweep

	deadline = time.monotonic() + timeout
	last_sweep = time.monotonic()
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
		if time.monotonic() - last_sweep > sweep_every:
			sweep()
			last_sweep = time.monotonic()
		time.sleep(0.5)
	raise SystemExit("no quiescence within the timeout: messages are stuck")


def check_invariants(frappe, conversations: list[Conversation], standin: WapiStandin) -> dict:
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
	unsent = [r.name for r in replies if r.send_status not in ("Sent", "Delivered", "Read")]
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
			"replies": len(replies),
			"bookings": sum(bookings.values()),
			"booking fields checked": fields_checked,
			"slot capacity": "n/a: slots and capacity arrive with the catalog issue",
		},
	}


def rows_by(rows, name):
	return next((r.processing_status for r in rows if r.name == name), "?")


def reply_latencies(frappe, phones) -> list[float]:
	rows = frappe.db.sql(
		"""select timestampdiff(microsecond, i.received_at, o.sent_at) / 1000 as ms
		from `tabWA Message` o join `tabWA Message` i on i.name = o.reply_to
		where o.role = 'assistant' and o.sent_at is not null and o.conversation in %(phones)s""",
		{"phones": phones},
	)
	return [float(r[0]) for r in rows if r[0] is not None]


if __name__ == "__main__":
	main()
