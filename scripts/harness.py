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
(kill -9 gunicorn, master and workers), redis-restart (the run's own Redis shut down without
saving and started again: queues, locks and caches gone), deadlocks (real MariaDB 1213 deadlocks and
1020 "record has changed" errors provoked in turn transactions, see DeadlockInjector),
wapi-flaky (30% of sends fail), wapi-timeouts (some sends hang past the client's timeout).

Latency: with `--rate` a request's ack latency counts from the moment it was due, so a
server that falls behind cannot hide behind clients that waited (coordinated omission).

Nothing here is used by the site; it needs the bench at $YAWLIT_BENCH (default /opt/bench).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from loadtest import BENCH
from loadtest.faults import FAULTS, DeadlockInjector, snapshot_isolation_on
from loadtest.invariants import CAPACITY, check_flood, check_invariants, reply_latencies, wait_for_quiescence
from loadtest.report import OPENING_SECONDS, RunFigures, print_report
from loadtest.site import (
	RunRedis,
	Scheduler,
	Site,
	cpu_snapshot,
	cpu_used,
	forget_conversations,
	jobs_run,
	on_exit,
	one_run_at_a_time,
	run_cleanups,
	wait_for_workers,
)
from loadtest.traffic import WEBHOOK, Figures, Pacer, deliver, drive, frappe_baseline, make_conversations
from yawlit_bot.testing import payloads
from yawlit_bot.testing.hostile_text import corpus as hostile_corpus
from yawlit_bot.testing.wapi_standin import WapiStandin


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
	parser.add_argument(
		"--warm-up", type=int, default=None,
		help="before the measured traffic, this many customers send one message each and are answered "
		"(their rows are removed): the site as it runs after a while, not just started with an empty Redis. "
		"Default 20 when no faults are injected and the workers run from the start (0 for a cold start), else 0",
	)
	parser.add_argument("--converse", action="store_true", help="customers wait for the replies before the next message")
	parser.add_argument("--think", type=float, default=10, help="with --converse: mean seconds between a reply and the next message")
	parser.add_argument("--flood", type=int, default=0, help="one more sender posts this many messages at once")
	parser.add_argument(
		"--hostile", type=int, default=0,
		help="one more sender posts this many hostile texts (tests/eval/hostile_texts.jsonl), one a second",
	)
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
	# Before frappe starts here: this process, the web server and the workers all use the run's Redis.
	run_redis = RunRedis().start()
	try:
		run(args, faults, rng, run_redis)
	finally:
		run_cleanups()
		# The machine's Redis may cache settings from before the run: the run changed them.
		subprocess.run(["bench", "--site", args.site, "clear-cache"], cwd=BENCH, capture_output=True, check=False)


def run(args, faults: set[str], rng: random.Random, run_redis: RunRedis) -> None:
	os.chdir(f"{BENCH}/sites")
	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from yawlit_bot.services.site.retry import RETRYABLE_DB_ERRORS, retry_counter_key, retry_counts
	from frappe.utils.password import get_decrypted_password

	from yawlit_bot.services.site.webhook_config import ensure_webhook_secret, get_webhook_secret

	standin = WapiStandin(token="harness-token").start()
	if "wapi-flaky" in faults:
		standin.configure(fail_rate=0.3, seed=args.seed)
	settings = frappe.get_single("WA Bot Settings")
	saved = {
		k: settings.get(k)
		for k in ("wapi_base_url", "wapi_vendor_uid", "enabled", "sweeper_age", "wapi_timeout")
	}
	saved["wapi_token"] = get_decrypted_password(
		"WA Bot Settings", "WA Bot Settings", "wapi_token", raise_exception=False
	)

	def restore_settings():
		frappe.db.rollback()
		settings = frappe.get_single("WA Bot Settings")
		settings.update({k: v for k, v in saved.items() if v is not None})
		settings.save(ignore_permissions=True)
		frappe.db.commit()

	on_exit(restore_settings)  # also on Ctrl-C: the site must not keep pointing at the stand-in
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
	from yawlit_bot.services.booking.slots import recount_all

	def remove_customers():
		"""The run's customers and all they left: before the run, what an earlier one left; after
		it, so no booking of theirs stays Confirmed on the site (its reminders would fall due for
		real, and the site's tests count every due reminder)."""
		frappe.db.rollback()
		for table in ("WA Service Booking", "WA Booking Scratchpad", "WA Message", "WA Conversation"):
			key = "name" if table == "WA Conversation" else "conversation"
			frappe.db.delete(table, {key: ["in", phones]})
		frappe.db.commit()
		recount_all()  # the seats of the bookings just deleted (a direct delete runs no hooks)
		frappe.db.commit()

	remove_customers()
	on_exit(remove_customers)  # runs after the workers and web server are stopped (registered before them)
	# Every conversation books the same slot: room for all of them, put back afterwards.
	booking_settings = frappe.get_single("WA Booking Settings")
	saved_booking = {"capacity_per_slot": booking_settings.capacity_per_slot}

	def restore_booking_settings():
		frappe.db.rollback()
		doc = frappe.get_single("WA Booking Settings")
		doc.update(saved_booking)
		doc.save(ignore_permissions=True)
		frappe.db.commit()

	on_exit(restore_booking_settings)
	booking_settings.capacity_per_slot = CAPACITY
	booking_settings.save(ignore_permissions=True)
	frappe.db.commit()

	deadlocks = None
	if "deadlocks" in faults:
		conf = frappe.conf
		deadlocks = DeadlockInjector(
			{"host": conf.db_host or "127.0.0.1", "user": conf.db_user or conf.db_name,
			 "password": conf.db_password, "name": conf.db_name},
			phones,
			random.Random(args.seed),
			site=args.site,
			redis_url=run_redis.url,
		)
		deadlocks.prepare()
		snapshot_isolation_on("127.0.0.1", args.db_root_user, args.db_root_password)

	site = Site(args.site, args.port, args.web_workers, args.rq_workers)
	site.start(workers=not args.ingest_first)
	scheduler = Scheduler(args.site, every=20)
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
		injectors.append(at(6, lambda: f"the run's Redis shut down without saving and restarted at 6 s ({run_redis.restart():.1f} s outage)"))
	if "web-kill" in faults:
		injectors.append(at(9, lambda: f"kill -9 gunicorn, master and workers (pid {site.kill_web()}) at 9 s"))
	if "wapi-timeouts" in faults:
		injectors.append(at(2, lambda: standin.configure(hang_next=15, hang_seconds=7) or "WAPI held 15 sends for 7 s (the client times out at 5 s) at 2 s"))

	flood_phone = "919999000001"
	flood_messages = [payloads.text(flood_phone, f"hello {i} " + "!" * (i % 7)) for i in range(args.flood)]
	if args.flood:
		forget_conversations(frappe, [flood_phone])

	hostile_phone = "919999000002"
	hostile_texts = [text for text, _, _ in hostile_corpus()]
	hostile_texts.sort(key=len, reverse=True)  # the longest first
	hostile_messages = [payloads.text(hostile_phone, hostile_texts[i % len(hostile_texts)]) for i in range(args.hostile)]
	if args.hostile:
		forget_conversations(frappe, [hostile_phone])

	def hostile():
		path = f"{WEBHOOK}?token={secret}"
		for payload in hostile_messages:
			deliver(site, path, json.dumps(payload).encode(), figures)
			time.sleep(1)

	def flood():
		path = f"{WEBHOOK}?token={secret}"
		with ThreadPoolExecutor(4) as pool:
			list(pool.map(lambda p: deliver(site, path, json.dumps(p).encode(), figures), flood_messages))

	def warm_up(count: int) -> None:
		warm_phones = [f"91999800{i:04d}" for i in range(count)]

		forget_conversations(frappe, warm_phones)
		path = f"{WEBHOOK}?token={secret}"
		warm = Figures()
		with ThreadPoolExecutor(4) as pool:
			list(pool.map(lambda n: deliver(site, path, json.dumps(payloads.text(n, "Hi, car wash chahiye")).encode(), warm), warm_phones))
		wait_for_quiescence(frappe, warm_phones, 120)
		forget_conversations(frappe, warm_phones)

	try:
		scheduler.start()
		if not args.ingest_first:
			wait_for_workers(run_redis.url, args.rq_workers)
		warm_ups = args.warm_up if args.warm_up is not None else (0 if faults or args.ingest_first else 20)
		if warm_ups:
			warm_up(warm_ups)
			print(f"warm-up: {warm_ups} customers answered once before the run (their rows removed; --warm-up 0 for a cold start)")
		cpu_before_ping = cpu_snapshot(site)
		baseline = frappe_baseline(site, args.rate, args.clients, 2000) if args.baseline else None
		cpu_at_start = cpu_snapshot(site)  # after start-up and the baseline: the run alone
		cpu_ping = cpu_used(cpu_before_ping, cpu_at_start) if baseline else None
		jobs_at_start = jobs_run(run_redis.url)
		started = time.perf_counter()
		if args.flood:
			injectors.append(at(0, lambda: flood() or f"one sender posted {args.flood} messages as fast as 4 clients go"))
		if args.hostile:
			injectors.append(at(0, lambda: hostile() or f"one sender posted {args.hostile} hostile texts, one a second"))
		scheduler.begin()
		if deadlocks:
			deadlocks.start()
		drive(
			site, secret, conversations, args.clients, figures, Pacer(args.rate), standin,
			args.think if args.converse else None, rng,
		)
		ingest_seconds = time.perf_counter() - started
		cpu_ingest = cpu_used(cpu_at_start, cpu_snapshot(site))  # the webhooks' seconds, turns' work in them included
		turns_started = time.perf_counter()
		if args.ingest_first:
			site.start_workers()
		for thread in injectors:
			thread.join()
		extra = ([flood_phone] if args.flood else []) + ([hostile_phone] if args.hostile else [])
		quiet_at = wait_for_quiescence(frappe, phones + extra, args.timeout)
		cpu = cpu_used(cpu_at_start, cpu_snapshot(site))  # before the checks below
		# the workers' counts live in Redis: a Redis restart wipes them
		jobs = None if "redis-restart" in faults else jobs_run(run_redis.url) - jobs_at_start
		# Ping again, the site quiet once more: a shared machine's speed drifts over a run, and
		# the webhooks' rate is read against ping on both sides of it.
		baseline_after = frappe_baseline(site, args.rate, args.clients, 2000) if args.baseline else None
		if deadlocks:
			deadlocks.stopped.set()
			deadlocks.join()
		frappe.db.rollback()
		report = check_invariants(frappe, conversations, standin, faults)
		if args.flood:
			check_flood(frappe, flood_phone, args.flood, report)
		if args.hostile:
			check_hostile(frappe, hostile_phone, args.hostile, report)
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
			deadlocks.drop()

	print_report(
		RunFigures(
			args=args, faults=faults, injected=injected, deadlocks=deadlocks, restarts=site.restarts,
			sweeps=scheduler.sweeps, retried=retried, figures=figures, ingest_seconds=ingest_seconds,
			baseline=baseline, baseline_after=baseline_after, e2e=e2e, e2e_one_by_one=e2e_one_by_one, e2e_settled=e2e_settled,
			turns=turns, turn_seconds=turn_seconds, jobs=jobs, peak=peak, cpu=cpu, cpu_ping=cpu_ping, cpu_ingest=cpu_ingest,
			run_seconds=max(quiet_at - started, 1e-6), standin=standin, report=report,
		)
	)
	if report["violations"]:
		raise SystemExit(1)


def check_hostile(frappe, phone: str, sent: int, report: dict) -> None:
	"""Every hostile text stored and processed (read, or not read over the budget), none failed;
	how long their turns took, printed with the report's violations."""
	rows = frappe.db.sql(
		"""select processing_status, understood_by,
		timestampdiff(microsecond, received_at, processed_at) / 1e6
		from `tabWA Message` where conversation = %s and role = 'user'""",
		phone,
	)
	processed = [row for row in rows if row[0] == "Processed"]
	not_read = sum(1 for row in processed if (row[1] or "").startswith("not read"))
	times = sorted(float(row[2] or 0) for row in processed)
	slowest = times[-1] if times else 0.0
	print(
		f"hostile sender: {len(rows)}/{sent} stored, {len(processed)} processed ({not_read} not read: over the "
		f"reading budget), slowest turn {slowest:.2f} s received to processed"
	)
	if len(processed) != sent:
		report["violations"].append(f"hostile sender: {sent} sent, {len(processed)} processed")


if __name__ == "__main__":
	main()
