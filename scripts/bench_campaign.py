"""Campaign benchmark: 10,000 recipients through RQ workers and the WAPI stand-in.

Run with the bench's Python, from anywhere (a measurement, not a test):

    /opt/bench/env/bin/python scripts/bench_campaign.py                         # 10,000 at 20/s
    /opt/bench/env/bin/python scripts/bench_campaign.py --rate 80 --rq-workers 2
    /opt/bench/env/bin/python scripts/bench_campaign.py --kill-worker-at 0.5    # crash half-way

It creates a campaign, adds the recipients as pasted numbers, starts `bench worker`
processes, sends, and waits until the campaign completes (running the sweeper when the
chain of jobs broke). It prints messages per second against the configured limit, the most
sends seen in any one-second window, and the duplicate count from the stand-in's log (must
be 0), plus the final row statuses from the database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from loadtest import BENCH  # noqa: E402
from loadtest.site import Site, precompile  # noqa: E402

from yawlit_bot.testing.wapi_standin import WapiStandin  # noqa: E402

SETTINGS = (
	"wapi_base_url",
	"wapi_vendor_uid",
	"campaign_rate_limit",
	"whatsapp_rate_cap",
	"campaign_batch_size",
	"lock_timeout",
	"sweeper_age",
	"wapi_timeout",
)


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", default="yawlit.test")
	parser.add_argument("--recipients", type=int, default=10_000)
	parser.add_argument("--rate", type=int, default=20, help="campaign rate limit, messages/second")
	parser.add_argument("--batch", type=int, default=100)
	parser.add_argument("--rq-workers", type=int, default=2)
	parser.add_argument("--kill-worker-at", type=float, default=0.0, help="kill -9 a worker after this share")
	parser.add_argument("--seed", type=int, default=11)
	args = parser.parse_args()
	rng = random.Random(args.seed)

	os.chdir(f"{BENCH}/sites")
	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from yawlit_bot.engine.campaign import Candidate
	from yawlit_bot.services.campaigns import audience, sending
	from yawlit_bot.services.pipeline.sweeper import sweep

	standin = WapiStandin(token="bench-token").start()
	settings = frappe.get_single("WA Bot Settings")
	saved = {key: settings.get(key) for key in SETTINGS}
	settings.update(
		{
			"wapi_base_url": standin.base_url,
			"wapi_vendor_uid": standin.vendor_uid,
			"wapi_token": "bench-token",
			"campaign_rate_limit": args.rate,
			"whatsapp_rate_cap": max(80, args.rate),
			"campaign_batch_size": args.batch,
			"lock_timeout": 10,
			"sweeper_age": 10,
			"wapi_timeout": 5,
		}
	)
	settings.save(ignore_permissions=True)
	frappe.db.commit()

	phones = list(
		dict.fromkeys(f"91{rng.choice('6789')}{rng.randrange(10**9):09d}" for _ in range(args.recipients * 2))
	)
	phones = phones[: args.recipients]
	campaign = frappe.get_doc(
		{
			"doctype": "WA Campaign",
			"title": f"Benchmark {time.strftime('%H:%M:%S')}",
			"template_name": "bench_offer",
			"parameters": [{"source": "First name", "value": "Customer"}],
		}
	).insert()
	frappe.db.commit()
	started = time.monotonic()
	added = audience.add_audience(campaign.name, [Candidate(p, "Bench") for p in phones], "Benchmark")
	add_seconds = time.monotonic() - started
	print(f"campaign {campaign.name}: added {added['added']} recipients in {add_seconds:.1f}s")

	site = Site(args.site, 0, 0, args.rq_workers)
	precompile()
	for _ in range(args.rq_workers):
		site.start_worker()
	killed = None
	try:
		queued = sending.start_sending(campaign.name)
		print(f"send answered {queued}")
		last_sweep = time.monotonic()
		while True:
			time.sleep(1)
			frappe.db.rollback()
			status = frappe.db.get_value("WA Campaign", campaign.name, "status")
			accepted = len(standin.accepted)
			if args.kill_worker_at and not killed and accepted >= args.kill_worker_at * args.recipients:
				killed = site.kill_worker()
				site.start_worker()
				print(f"killed worker {killed} after {accepted} sends; started a new one")
			if status not in ("Queued", "Sending"):
				break
			if time.monotonic() - last_sweep > 15:  # what the scheduler does every minute
				sweep()
				last_sweep = time.monotonic()
		memory = site.memory_mb()
	finally:
		site.stop()
		settings = frappe.get_single("WA Bot Settings")
		settings.update(saved)
		settings.save(ignore_permissions=True)
		frappe.db.commit()
		standin.stop()

	sends = [r for r in standin.requests if r.path.endswith("send-template-message")]
	ok = [r for r in sends if r.status == 200]
	per_phone = Counter(r.body["phone_number"] for r in ok)
	duplicates = sum(n - 1 for n in per_phone.values())
	times = sorted(r.at for r in ok)
	span = (times[-1] - times[0]) if len(times) > 1 else 0.0
	rate = (len(times) - 1) / span if span else 0.0
	window_max = 0
	j = 0
	for i, t in enumerate(times):
		while times[j] <= t - 1:  # the window (t - 1, t]
			j += 1
		window_max = max(window_max, i - j + 1)
	frappe.db.rollback()
	statuses = dict(
		frappe.db.sql(
			"select status, count(*) from `tabWA Campaign Recipient` where campaign = %s group by status",
			campaign.name,
		)
	)

	print("\n=== campaign benchmark ===")
	print(f"recipients:            {args.recipients}")
	print(f"campaign status:       {status}")
	print(f"row statuses:          {statuses}")
	print(f"accepted by stand-in:  {len(ok)} ({len(sends) - len(ok)} refused)")
	print(f"duplicates:            {duplicates}")
	print(f"send span:             {span:.1f}s")
	print(f"messages/second:       {rate:.2f} against a limit of {args.rate} (ratio {rate / args.rate:.3f})")
	print(f"most in any 1 s:       {window_max}")
	print(f"adding recipients:     {args.recipients / add_seconds:.0f}/s")
	print(f"worker memory (MB):    {[round(m) for m in memory['workers']]}")
	if killed:
		print(f"fault:                 worker {killed} killed with SIGKILL mid-campaign")
	failed = duplicates or status != "Completed" or statuses.get("Pending") or statuses.get("Sending")
	print("RESULT:", "FAIL" if failed else "OK")
	sys.exit(1 if failed else 0)


if __name__ == "__main__":
	main()
