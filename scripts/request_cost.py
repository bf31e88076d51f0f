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

	for name, call in (("ping", ping), ("ping posted the webhook's body", ping_posted), ("webhook", webhook)):
		for _ in range(50):  # imports, caches and the first conversations, outside the count
			call()
		redis_before, db_before = _redis_calls(run_cache), _db_status(db)
		services_before = service_cpu_seconds()
		cpu_before, wall_before = time.process_time(), time.perf_counter()
		profiler = cProfile.Profile(time.process_time) if args.profile and name == "webhook" else None
		if profiler:
			profiler.enable()
		for _ in range(args.requests):
			call()
		if profiler:
			profiler.disable()
		cpu, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
		services_after = service_cpu_seconds()
		services: dict[str, float] = {}
		for (kind, pid), seconds in services_after.items():
			services[kind] = services.get(kind, 0.0) + seconds - services_before.get((kind, pid), seconds)
		redis_after, db_after = _redis_calls(run_cache), _db_status(db)
		n = args.requests
		print(
			f"{name}: {cpu / n * 1000:.2f} ms CPU, {wall / n * 1000:.2f} ms wall a request (this process); "
			+ ", ".join(f"{kind} {seconds / n * 1000:.2f} ms CPU" for kind, seconds in sorted(services.items()))
		)
		print("  Redis commands a request: " + ", ".join(
			f"{cmd} {(redis_after.get(cmd, 0) - redis_before.get(cmd, 0)) / n:.1f}"
			for cmd in sorted(redis_after, key=lambda c: redis_before.get(c, 0) - redis_after[c])
			if redis_after.get(cmd, 0) - redis_before.get(cmd, 0) >= n / 10
		) + f"; all {(sum(redis_after.values()) - sum(redis_before.values())) / n:.1f}")
		print("  MariaDB a request: " + ", ".join(
			f"{key} {(db_after[key] - db_before[key]) / n:.2f}" for key in STATUS_KEYS
		) + " (global counters; the status queries themselves excluded)")
		if profiler:
			out = io.StringIO()
			stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
			stats.print_stats(45); stats.sort_stats("tottime").print_stats(25)
			stats.print_callees("store_message|_insert_message|init_request|commit|insert_message")
			print(out.getvalue())



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
