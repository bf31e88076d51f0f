"""Hostile-input fuzzer for the webhook, against the real site (gunicorn + RQ workers).

    /opt/bench/env/bin/python scripts/fuzz_webhook.py --examples 10000

Hypothesis generates WAPI-shaped and shapeless payloads: wrong types, missing keys, deep
nesting, invalid UTF-8, huge bodies, 4,096-character texts, markup and script in names,
SQL-looking text, Devanagari and emoji, and hostile long texts (yawlit_bot/testing/hostile_text.py:
a few tokens of the Indic scripts, Latin, digits, punctuation, emoji or combining marks repeated,
with or without spaces). Every answer must be below 500; afterwards every stored row of the
fuzzed senders must still load, and every turn must have finished. Time is checked as well as
answers: each text's `extract()` CPU time (p99, max: at most READ_BOUND) and each turn's time
on the site, received to processed (p50, p99), with the messages not read (over the budget).
Not a test: a script that prints what it saw and exits non-zero on a violation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from loadtest import BENCH  # noqa: E402
from loadtest.invariants import wait_for_quiescence  # noqa: E402
from loadtest.site import Scheduler, Site, one_run_at_a_time  # noqa: E402
from loadtest.traffic import WEBHOOK  # noqa: E402

from yawlit_bot.testing import payloads  # noqa: E402
from yawlit_bot.testing.hostile_text import hostile_texts  # noqa: E402

READ_BOUND = 0.25  # seconds of CPU for extract() on one message (issue 21)
TEXTS_SENT: list[str] = []  # every text put in an envelope, timed through extract() afterwards

PHONES = [f"9189{i:08d}" for i in range(40)]
NASTY_TEXT = st.sampled_from(
	[
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"Robert'); DROP TABLE `tabWA Message`;--",
		"' OR 1=1 --",
		"नमस्ते मेरा नाम राहुल है, कल सुबह",
		"🚗🧽✨" * 40,
		"a" * 4096,
		"\u202e\u200b\ufeff",
		"I am <b>Ravi</b> Kumar",
		"%s %d {0} ${x} {{7*7}}",
		"\x00\x01\x02",
	]
)
TEXT = st.one_of(
	NASTY_TEXT,
	st.text(max_size=300),
	st.text(alphabet=st.characters(codec="utf-8"), max_size=4200),
	hostile_texts(),
	hostile_texts(),
)
JSON_SCALARS = st.one_of(
	st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), TEXT
)
JSON_ANY = st.recursive(
	JSON_SCALARS,
	lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
	max_leaves=25,
)


@st.composite
def envelope(draw):
	"""A WAPI delivery with random fields knocked out, retyped or filled with nasty text."""
	phone = draw(st.sampled_from(PHONES))
	text = draw(TEXT)
	TEXTS_SENT.append(text)
	payload = payloads.text(phone, text)
	raw = payload["whatsapp_webhook_payload"]["entry"][0]["changes"][0]["value"]
	mutations = draw(st.lists(st.integers(0, 9), max_size=4))
	for mutation in mutations:
		if mutation == 0:
			payload["contact"] = draw(JSON_ANY)
		elif mutation == 1:
			payload.setdefault("message", {})["whatsapp_message_id"] = draw(JSON_SCALARS)
		elif mutation == 2:
			payload.setdefault("message", {})["body"] = draw(JSON_ANY)
		elif mutation == 3:
			raw["messages"][0]["type"] = draw(
				st.sampled_from(
					["image", "sticker", "reaction", "location", "interactive", "button", "unknown", "x" * 50]
				)
			)
		elif mutation == 4:
			raw["messages"][0]["location"] = draw(JSON_ANY)
		elif mutation == 5:
			raw["messages"][0]["interactive"] = {
				"button_reply": {"id": draw(JSON_SCALARS), "title": draw(JSON_SCALARS)}
			}
		elif mutation == 6:
			raw["statuses"] = draw(
				st.lists(st.fixed_dictionaries({"id": JSON_SCALARS, "status": JSON_SCALARS}), max_size=5)
			)
		elif mutation == 7:
			payload["contact"] = {"phone_number": phone, "first_name": draw(NASTY_TEXT)}
			raw["contacts"] = [{"profile": {"name": draw(NASTY_TEXT)}, "wa_id": phone}]
		elif mutation == 8:
			payload.pop(draw(st.sampled_from(["contact", "message", "whatsapp_webhook_payload"])), None)
		elif mutation == 9:
			payload.setdefault("message", {})["is_new_message"] = draw(JSON_SCALARS)
	return json.dumps(payload).encode()


RAW_BODIES = st.one_of(
	st.binary(max_size=2000),
	st.builds(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth, st.integers(100, 5000)),
	st.builds(lambda size: b'{"message": "' + b"x" * size + b'"}', st.integers(200_000, 400_000)),
	JSON_ANY.map(lambda v: json.dumps(v).encode()),
	st.just(b"\xff\xfe\xfd"),
)
BODIES = st.one_of(envelope(), envelope(), RAW_BODIES)


def main():
	parser = argparse.ArgumentParser(description="Webhook fuzzer")
	parser.add_argument("--site", default="yawlit.test")
	parser.add_argument("--port", type=int, default=8011)
	parser.add_argument("--examples", type=int, default=10000)
	parser.add_argument(
		"--warm",
		action="store_true",
		help="serve each web worker a valid request first: skips the known gap where a fresh worker's "
		"very first request, if it is malformed JSON, answers 500 (see README)",
	)
	args = parser.parse_args()
	run_lock = one_run_at_a_time()  # noqa: F841 (held until the process ends)

	os.chdir(f"{BENCH}/sites")
	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from frappe.utils.password import get_decrypted_password

	from yawlit_bot.services.site.webhook_config import ensure_webhook_secret, get_webhook_secret

	from yawlit_bot.testing.wapi_standin import WapiStandin

	standin = WapiStandin(token="fuzz-token").start()  # replies must have somewhere to go
	settings_doc = frappe.get_single("WA Bot Settings")
	saved = {k: settings_doc.get(k) for k in ("wapi_base_url", "wapi_vendor_uid")}
	saved["wapi_token"] = get_decrypted_password(
		"WA Bot Settings", "WA Bot Settings", "wapi_token", raise_exception=False
	)
	settings_doc.update(
		{"wapi_base_url": standin.base_url, "wapi_vendor_uid": standin.vendor_uid, "wapi_token": "fuzz-token"}
	)
	settings_doc.save(ignore_permissions=True)
	ensure_webhook_secret()
	frappe.db.commit()
	secret = get_webhook_secret()
	site = Site(args.site, args.port, 4, 2)
	site.start()
	session = requests.Session()
	if args.warm:
		from concurrent.futures import ThreadPoolExecutor

		with ThreadPoolExecutor(8) as pool:
			list(
				pool.map(
					lambda _: requests.get(site.url("/api/method/ping"), headers={"Host": args.site}),
					range(64),
				)
			)
	seen: Counter = Counter()
	server_errors: list[str] = []

	@settings(
		max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
	)
	@given(BODIES)
	def post(body: bytes):
		response = session.post(
			site.url(WEBHOOK),
			params={"token": secret},
			data=body,
			headers={"Host": args.site, "Content-Type": "application/json"},
			timeout=60,
		)
		seen[response.status_code] += 1
		if response.status_code >= 500:
			server_errors.append(f"{response.status_code} for {body[:120]!r}: {response.text[:200]}")
			raise AssertionError(server_errors[-1])

	started = time.perf_counter()
	try:
		try:
			post()
		except AssertionError:
			pass
		elapsed = time.perf_counter() - started
		scheduler = Scheduler(args.site, every=15)  # the sweeper, as the scheduler runs it
		scheduler.start()
		scheduler.begin()
		wait_for_quiescence(frappe, PHONES, timeout=600)
		scheduler.stopped.set()
		unreadable = check_stored_rows(frappe)
		turn_times, not_read = turn_seconds(frappe)
	finally:
		site.stop()
		standin.stop()
		settings_doc = frappe.get_single("WA Bot Settings")
		settings_doc.update({k: v for k, v in saved.items() if k != "wapi_token" or v})
		settings_doc.save(ignore_permissions=True)
		frappe.db.commit()

	print("\n=== yawlit_bot webhook fuzzer ===")
	print(f"{sum(seen.values())} payloads in {elapsed:.0f} s; answers: {dict(sorted(seen.items()))}")
	print(f"5xx answers: {len(server_errors)}")
	for line in server_errors[:5]:
		print("  ", line)
	print(f"rows that fail to load afterwards: {len(unreadable)}")
	for line in unreadable[:5]:
		print("  ", line)
	read_times, slowest = extract_seconds(TEXTS_SENT)
	print(
		f"extract() on {len(read_times)} texts: p50 {percentile(read_times, 50) * 1000:.2f} ms, "
		f"p99 {percentile(read_times, 99) * 1000:.1f} ms, max {read_times[-1] * 1000:.1f} ms "
		f"(bound {READ_BOUND * 1000:.0f} ms) on {slowest[:40]!r}... ({len(slowest)} chars)"
	)
	print(
		f"turns on the site, received to processed: p50 {percentile(turn_times, 50):.2f} s, "
		f"p99 {percentile(turn_times, 99):.2f} s, max {turn_times[-1] if turn_times else 0:.2f} s; "
		f"not read (over the reading budget): {not_read}"
	)
	too_slow = bool(read_times) and read_times[-1] >= READ_BOUND
	sys.exit(1 if server_errors or unreadable or too_slow else 0)


def percentile(sorted_values: list[float], p: float) -> float:
	if not sorted_values:
		return 0.0
	return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


def extract_seconds(texts: list[str]) -> tuple[list[float], str]:
	"""CPU time of extract() on each text, in this process (sorted), and the slowest text."""
	from datetime import date

	from yawlit_bot.engine.extraction import extract

	timed = []
	for text in texts:
		start = time.process_time()
		extract(text, date.today(), sender_phone=PHONES[0])
		timed.append((time.process_time() - start, text))
	timed.sort(key=lambda row: row[0])
	return [t for t, _ in timed], (timed[-1][1] if timed else "")


def turn_seconds(frappe) -> tuple[list[float], int]:
	"""Each fuzzed message's time from stored to processed (sorted), and how many were not read."""
	rows = frappe.db.sql(
		"""select timestampdiff(microsecond, received_at, processed_at) / 1e6, understood_by
		from `tabWA Message` where conversation in %(phones)s and role = 'user'
		and processing_status = 'Processed' and processed_at is not null""",
		{"phones": PHONES},
	)
	return sorted(float(t) for t, _ in rows), sum(1 for _, by in rows if (by or "").startswith("not read"))


def check_stored_rows(frappe) -> list[str]:
	"""Every stored row of the fuzzed senders loads as a document, and turns all finished."""
	problems = []
	for doctype, field in (
		("WA Conversation", "name"),
		("WA Booking Scratchpad", "conversation"),
		("WA Message", "conversation"),
	):
		for name in frappe.get_all(doctype, filters={field: ["in", PHONES]}, pluck="name"):
			try:
				frappe.get_doc(doctype, name).as_dict()
			except Exception as exc:
				problems.append(f"{doctype} {name}: {exc!r}")
	failed = frappe.db.count(
		"WA Message", {"conversation": ["in", PHONES], "role": "user", "processing_status": "Failed"}
	)
	if failed:
		problems.append(f"{failed} inbound messages whose turn failed")
	return problems


if __name__ == "__main__":
	main()
