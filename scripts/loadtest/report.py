"""The figures a run prints."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

from loadtest.traffic import FLOW, Figures
from yawlit_bot.testing.wapi_standin import WapiStandin

OPENING_SECONDS = 10  # reply latency is also shown without the run's first seconds


def percentile(values: list[float], pct: float) -> float:
	if not values:
		return float("nan")
	values = sorted(values)
	return values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


@dataclass
class RunFigures:
	args: object  # the harness's parsed arguments
	faults: set
	injected: list
	deadlocks: object  # DeadlockInjector or None
	restarts: Counter
	sweeps: int
	retried: dict
	figures: Figures
	ingest_seconds: float
	baseline: dict | None
	baseline_after: dict | None
	e2e: list
	e2e_one_by_one: list
	e2e_settled: list
	turns: int
	turn_seconds: float
	jobs: int | None
	peak: dict
	cpu: dict
	run_seconds: float
	standin: WapiStandin
	report: dict
	cpu_ping: dict | None = None  # CPU seconds by kind of process while the first ping ran
	cpu_ingest: dict | None = None  # and while the webhooks were posted


def _by_step(dues: list[float], latencies_ms: list[float], step: float, until: float | None = None) -> dict[int, list[float]]:
	"""The latencies of each step of a run (by when the requests were due), up to `until` seconds in."""
	start = min(dues)
	steps: dict[int, list[float]] = {}
	for due, ms in zip(dues, latencies_ms):
		if until is None or due - start < until:
			steps.setdefault(int((due - start) / step), []).append(ms)
	return steps


def cpu_per_request(cpu: dict[str, float], requests: int, seconds: float) -> str:
	"""CPU milliseconds a request, all processes and by kind, and how many cores were busy: a
	rate short of ping's with the cores idle is a wait (locks, commits), with them busy, work."""
	total = sum(cpu.values())
	kinds = ", ".join(f"{kind.split(' (')[0]} {seconds_used / requests * 1000:.2f}" for kind, seconds_used in cpu.items())
	return f"{total / requests * 1000:.2f} ms ({total / seconds:.2f} of {os.cpu_count()} cores): {kinds}"


def by_second(dues: list[float], latencies_ms: list[float]) -> str:
	"""The worst latency of each second of a run, by when the requests were due: a slow start
	or a stall shows where it was."""
	if not dues:
		return "-"
	steps = _by_step(dues, latencies_ms, 1.0)
	return " ".join(f"{max(steps[s]):.0f}" for s in sorted(steps))


def opening(dues: list[float], latencies_ms: list[float], seconds: float = 2.0, step: float = 0.2) -> str:
	"""The run's first seconds more finely: the slowest ack and how many were due in each step."""
	if not dues:
		return "-"
	steps = _by_step(dues, latencies_ms, step, until=seconds)
	return " ".join(f"{max(steps[s]):.0f}({len(steps[s])})" for s in sorted(steps))


def print_report(f: RunFigures) -> None:
	acks_ms = [a * 1000 for a in f.figures.acks]
	mode = f"paced at {f.args.rate:g}/s" if f.args.rate else "as fast as the clients go"
	if f.args.converse:
		mode = f"customers wait for replies and think ~{f.args.think:g} s"
	print("\n=== yawlit_bot harness ===")
	print(
		f"scale: {f.args.conversations} conversations x {len(FLOW)} messages, {f.args.clients} clients ({mode}), "
		f"{f.args.web_workers} web workers, {f.args.rq_workers} RQ workers{' started after the webhooks' if f.args.ingest_first else ''}, "
		f"bursts {f.args.burst_share:.0%}, duplicates {f.args.dup_share:.0%}"
	)
	print(f"faults: {', '.join(sorted(f.faults)) or 'none'}")
	for line in f.injected:
		print(f"  injected: {line}")
	if "wapi-flaky" in f.faults:
		print("  injected: WAPI failing 30% of sends")
	if f.deadlocks:
		print(
			f"  injected: lock cycles with a running turn {f.deadlocks.attempts['1213']} (the injector itself the victim in "
			f"{f.deadlocks.lost['1213']}), rows changed under a running turn's snapshot {f.deadlocks.attempts['1020']}"
		)
	restarts = ", ".join(f"{k} x{v}" for k, v in f.restarts.items()) or "none"
	print(f"  restarted by the supervisor: {restarts}; sweeper runs: {f.sweeps}")
	print(
		f"  retried: deliveries sent again {f.figures.redelivered} ({dict(f.figures.failed_attempts) or 'none'}); "
		f"database units of work retried by the app {f.retried or 'none'}"
	)
	print(
		f"posted {f.figures.posted} webhooks ({f.figures.duplicates_posted} duplicates) in {f.ingest_seconds:.1f} s: "
		f"{f.figures.posted / f.ingest_seconds:.0f} req/s; final statuses {dict(f.figures.statuses)}"
	)
	print(
		f"ack latency ms: p50 {percentile(acks_ms, 50):.0f}  p95 {percentile(acks_ms, 95):.0f}  p99 {percentile(acks_ms, 99):.0f}"
	)
	print(f"  the slowest ack of each second: {by_second(f.figures.ack_due, acks_ms)}")
	print(f"  the first 2 s by fifth of a second, slowest (due): {opening(f.figures.ack_due, acks_ms)}")
	if f.baseline:
		ms = f.baseline["ms"]
		print(
			f"  Frappe's own ping on this machine, same clients and pacing, 2000 requests: {f.baseline['rps']:.0f} req/s, "
			f"p50 {percentile(ms, 50):.0f}  p95 {percentile(ms, 95):.0f}  p99 {percentile(ms, 99):.0f}"
		)
		print(f"    the slowest of each second: {by_second(f.baseline['due'], ms)}")
		if f.baseline_after:
			before, after = f.baseline["rps"], f.baseline_after["rps"]
			rate = f.figures.posted / f.ingest_seconds
			print(
				f"  ping again after the run, the site quiet: {after:.0f} req/s. Webhooks / ping: "
				f"{rate / ((before + after) / 2):.2f} against both (before {rate / before:.2f}, after {rate / after:.2f})"
			)
		if f.cpu_ping and f.cpu_ingest:
			ping_seconds = len(f.baseline["ms"]) / f.baseline["rps"]
			print("  CPU a request, all processes (cores busy):")
			print("    ping     " + cpu_per_request(f.cpu_ping, len(f.baseline["ms"]), ping_seconds))
			print("    webhooks " + cpu_per_request(f.cpu_ingest, f.figures.posted, f.ingest_seconds))
	burst_ms = [a * 1000 for a in f.figures.burst_acks]
	print(
		f"  of which in bursts ({len(burst_ms)}, ten messages of one sender at once): p50 {percentile(burst_ms, 50):.0f}  "
		f"p99 {percentile(burst_ms, 99):.0f}; the others: p99 {percentile(sorted(set(acks_ms) - set(burst_ms)), 99):.0f}"
	)
	print(
		f"reply latency ms (received -> sent): p50 {percentile(f.e2e, 50):.0f}  p99 {percentile(f.e2e, 99):.0f}"
	)
	print(
		f"  of which in conversations sending one message at a time: p50 {percentile(f.e2e_one_by_one, 50):.0f}  "
		f"p99 {percentile(f.e2e_one_by_one, 99):.0f} (a burst's tenth reply waits for the nine turns before it)"
	)
	print(
		f"  after the opening {OPENING_SECONDS} s (every customer's first message, the bursts among them, "
		f"meeting workers just started): p50 {percentile(f.e2e_settled, 50):.0f}  p99 {percentile(f.e2e_settled, 99):.0f}"
	)
	print(f"turns: {f.turns} in {f.turn_seconds:.1f} s = {f.turns / f.turn_seconds:.1f} turns/s")
	if f.jobs is None:
		print("RQ jobs run: not counted (the Redis restart wiped the workers' counts)")
	else:
		print(
			f"RQ jobs run (a forked work horse and a Frappe start-up each): {f.jobs}, "
			f"{f.turns / max(f.jobs, 1):.1f} turns per job"
		)
	print(
		f"peak RSS MB: web process {f.peak['web']:.0f} (all web {f.peak['web_total']:.0f}), "
		f"worker process {f.peak['workers']:.0f} (all workers {f.peak['workers_total']:.0f})"
	)
	print(
		f"CPU seconds over {f.run_seconds:.0f} s on {os.cpu_count()} cores: "
		+ ", ".join(f"{k} {v:.0f}" for k, v in f.cpu.items())
		+ f" (total {sum(f.cpu.values()) / f.run_seconds / (os.cpu_count() or 1):.0%} of the machine)"
	)
	print(f"WAPI stand-in: {len(f.standin.requests)} requests, {len(f.standin.accepted)} accepted")
	failures = [line for line in f.report["violations"]]
	for line in failures[:30]:
		print("  VIOLATION:", line)
	print("invariants:", "ALL HOLD" if not failures else f"{len(failures)} VIOLATED")
	for name, value in f.report["summary"].items():
		print(f"  {name}: {value}")
