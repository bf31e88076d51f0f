"""What one webhook request costs, beside Frappe's own ping (a GET, and a POST of the webhook's
body: Frappe's floor for any webhook): CPU, Redis commands, SQL statements, MariaDB
connections, and (with --profile) where the Python time goes.

Run with the bench's Python, nothing else running on the site:

    /opt/bench/env/bin/python scripts/request_cost.py                 # 1,000 of each, one by one
    /opt/bench/env/bin/python scripts/request_cost.py --profile       # and the top functions

Requests go one after another through Frappe's WSGI application in this process (no socket,
no gunicorn), against a Redis of the run's own, so the counts are this request's alone:
Redis commands from `INFO commandstats` on that Redis; statements, commits and connections
from MariaDB's global status (the machine's MariaDB: keep the site otherwise quiet). Each
webhook is a new customer's first message or a known customer's next one, as a flood mixes them.
The three kinds run in alternating blocks (`--rounds`), so a drift in a shared machine's speed
falls on each alike, and the last line gives ping's CPU over the webhook's, all processes together.
Not a test: a measurement. The rows it stores are removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import time

import redis
from loadtest import BENCH
from loadtest.site import RunRedis, forget_conversations, on_exit, one_run_at_a_time, run_cleanups, service_cpu_seconds
from yawlit_bot.testing import payloads

WEBHOOK = "/api/method/yawlit_bot.api.webhook.receive"
STATUS_KEYS = ("Questions", "Com_commit", "Connections", "Com_insert", "Com_select", "Com_update")


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", default="yawlit.test")
	parser.add_argument("--requests", type=int, default=1000)
	parser.add_argument("--profile", action="store_true", help="print the functions taking the webhook's time")
	parser.add_argument(
		"--new-senders", action="store_true",
		help="every webhook from a sender never seen before (a run's opening: each one a new conversation)",
	)
	parser.add_argument(
		"--rounds", type=int, default=10,
		help="alternate ping, posted ping and webhook in this many blocks (a machine's speed drifts)",
	)
	args = parser.parse_args()
	run_lock = one_run_at_a_time()  # noqa: F841 (held until the process ends)
	run_redis = RunRedis().start()
	try:
		measure(args, run_redis)
	finally:
		run_cleanups()
		subprocess.run(["bench", "--site", args.site, "clear-cache"], cwd=BENCH, capture_output=True, check=False)


def measure(args, run_redis: RunRedis) -> None:
	os.chdir(f"{BENCH}/sites")
	import frappe
	from frappe.app import application
	from werkzeug.test import Client

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from yawlit_bot.services.site.webhook_config import ensure_webhook_secret, get_webhook_secret

	settings = frappe.get_single("WA Bot Settings")
	was_enabled = settings.enabled

	def restore():
		# the requests set up and end their own connection: this one may be gone
		frappe.init(site=args.site, sites_path=".")
		frappe.connect()
		frappe.db.set_single_value("WA Bot Settings", "enabled", was_enabled)
		forget_conversations(frappe, phones)  # commits

	senders = args.requests + 50 if args.new_senders else max(1, args.requests // 10)
	phones = [f"91999700{i:04d}" for i in range(senders)]
	next_sender = iter(phones)
	on_exit(restore)  # also on Ctrl-C or a failed request
	frappe.db.set_single_value("WA Bot Settings", "enabled", 1)
	ensure_webhook_secret()
	frappe.db.commit()
	path = f"{WEBHOOK}?token={get_webhook_secret()}"
	rng = random.Random(7)
	forget_conversations(frappe, phones)
	frappe.destroy()  # the requests below set up and end their own

	client = Client(application)
	run_cache = redis.Redis.from_url(run_redis.url)
	db = _root_db()

	def ping():
		response = client.get("/api/method/ping", headers={"Host": args.site})
		assert response.status_code == 200, response.status_code

	def ping_posted():
		# Frappe's floor for a POST of this body: the JSON parsed into form_dict, the method
		# called, the commit Frappe makes at the end of every POST; no work of the app's
		body = json.dumps(payloads.text(phones[0], "Hi, car wash chahiye kal subah")).encode()
		response = client.post(
			"/api/method/ping", data=body, headers={"Host": args.site, "Content-Type": "application/json"}
		)
		assert response.status_code == 200, response.status_code

	def webhook():
		phone = next(next_sender) if args.new_senders else rng.choice(phones)
		body = json.dumps(payloads.text(phone, "Hi, car wash chahiye kal subah")).encode()
		response = client.post(path, data=body, headers={"Host": args.site, "Content-Type": "application/json"})
		assert response.status_code == 200, (response.status_code, response.get_data()[:200])

	calls = (("ping", ping), ("ping posted the webhook's body", ping_posted), ("webhook", webhook))
	for _name, call in calls:
		for _ in range(50):  # imports, caches and the first conversations, outside the count
			call()
	# In alternating blocks, not one kind after the other: a shared machine's speed drifts over
	# a run, and each kind should see the same machine as the others.
	rounds = max(1, min(args.rounds, args.requests))
	totals = {name: Counts() for name, _ in calls}
	profiler = cProfile.Profile(time.process_time) if args.profile else None
	for r in range(rounds):
		block = args.requests // rounds + (1 if r < args.requests % rounds else 0)
		for name, call in calls:
			redis_before, db_before = _redis_calls(run_cache), _db_status(db)
			services_before = service_cpu_seconds()
			cpu_before, wall_before = time.process_time(), time.perf_counter()
			if profiler and name == "webhook":
				profiler.enable()
			for _ in range(block):
				call()
			if profiler and name == "webhook":
				profiler.disable()
			totals[name].add(
				block,
				time.process_time() - cpu_before,
				time.perf_counter() - wall_before,
				service_cpu_seconds(),
				services_before,
				_redis_calls(run_cache),
				redis_before,
				_db_status(db),
				db_before,
			)
	for name, counts in totals.items():
		counts.report(name)
	ping_all, webhook_all = totals["ping"].all_cpu(), totals["webhook"].all_cpu()
	print(
		f"all processes' CPU a request: ping {ping_all:.2f} ms, webhook {webhook_all:.2f} ms; "
		f"ping / webhook {ping_all / webhook_all:.3f} ({rounds} alternating blocks)"
	)
	if profiler:
		out = io.StringIO()
		stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
		stats.print_stats(45); stats.sort_stats("tottime").print_stats(25)
		stats.print_callees("store_message|_insert_message|init_request|commit|insert_message")
		print(out.getvalue())


class Counts:
	"""One kind of request's blocks, summed."""

	def __init__(self):
		self.n, self.cpu, self.wall = 0, 0.0, 0.0
		self.services: dict[str, float] = {}
		self.redis: dict[str, int] = {}
		self.db = dict.fromkeys(STATUS_KEYS, 0)

	def add(self, n, cpu, wall, services_after, services_before, redis_after, redis_before, db_after, db_before):
		self.n += n
		self.cpu += cpu
		self.wall += wall
		for (kind, pid), seconds in services_after.items():
			self.services[kind] = self.services.get(kind, 0.0) + seconds - services_before.get((kind, pid), seconds)
		for cmd, calls in redis_after.items():
			self.redis[cmd] = self.redis.get(cmd, 0) + calls - redis_before.get(cmd, 0)
		for key in STATUS_KEYS:
			self.db[key] += db_after[key] - db_before[key]

	def all_cpu(self) -> float:
		"""ms a request: this process's, MariaDB's and Redis's CPU together (one budget of cores)."""
		return (self.cpu + sum(self.services.values())) / self.n * 1000

	def report(self, name: str) -> None:
		n = self.n
		print(
			f"{name}: {self.cpu / n * 1000:.2f} ms CPU, {self.wall / n * 1000:.2f} ms wall a request (this process); "
			+ ", ".join(f"{kind} {seconds / n * 1000:.2f} ms CPU" for kind, seconds in sorted(self.services.items()))
		)
		print("  Redis commands a request: " + ", ".join(
			f"{cmd} {calls / n:.1f}"
			for cmd, calls in sorted(self.redis.items(), key=lambda item: -item[1])
			if calls >= n / 10
		) + f"; all {sum(self.redis.values()) / n:.1f}")
		print("  MariaDB a request: " + ", ".join(
			f"{key} {self.db[key] / n:.2f}" for key in STATUS_KEYS
		) + " (global counters; the status queries themselves excluded)")


def _redis_calls(client) -> dict[str, int]:
	return {
		key.removeprefix("cmdstat_"): value["calls"]
		for key, value in client.info("commandstats").items()
		if key.startswith("cmdstat_") and key not in ("cmdstat_info",)
	}


def _root_db():
	import pymysql

	return pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)


def _db_status(db) -> dict[str, int]:
	with db.cursor() as cursor:
		cursor.execute("show global status where variable_name in %s", (STATUS_KEYS,))
		status = {name: int(value) for name, value in cursor.fetchall()}
	status["Questions"] -= 1  # this query
	return status


if __name__ == "__main__":
	main()
