"""What one model call adds to a turn: DSPy's prompt, LiteLLM, the HTTP round trip and the
answer's parsing, against the local OpenAI-compatible stand-in (answering at once, so this is
the app's own overhead; a real model adds its own answer time), beside the rules' reading.

    python scripts/model_call_latency.py [--calls 200] [--delay 0]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yawlit_bot.engine.extraction import extract  # noqa: E402
from yawlit_bot.engine.model_program import build_inputs, make_lm, read_message  # noqa: E402
from yawlit_bot.testing.llm_standin import LlmStandin  # noqa: E402

TODAY = date(2026, 11, 29)
TEXT = "Main Rajesh bol raha hoon, Swift MH12AB1234, kal subah 10 baje, Baner Pune 411045"
ANSWER = {
	"values": {"first_name": "Rajesh", "vehicle_model": "Swift", "vehicle_plate": "MH12AB1234"},
	"confidence": {"first_name": "high", "vehicle_model": "high", "vehicle_plate": "high"},
	"intent": "provide",
	"edit_target": "",
}


def percentile(values: list[float], share: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--calls", type=int, default=200)
	parser.add_argument("--delay", type=float, default=0.0, help="the stand-in's answer time, seconds")
	args = parser.parse_args()
	standin = LlmStandin(api_key="k").start()
	standin.configure(answer=ANSWER, delay=args.delay)
	try:
		lm = make_lm("OpenAI-compatible", "standin", standin.base_url, "k", 8)
		inputs = build_inputs(TEXT, [("assistant", "Please send your full name")], {}, [], ("first_name",), TODAY)
		read_message(lm, inputs)  # first call: imports and connection set-up
		calls, rules = [], []
		for _ in range(args.calls):
			started = time.perf_counter()
			reading = read_message(lm, inputs)
			calls.append(time.perf_counter() - started)
			started = time.perf_counter()
			extract(TEXT, TODAY, ("first_name",))
			rules.append(time.perf_counter() - started)
		assert reading.fields["first_name"] == "Rajesh"
	finally:
		standin.stop()
	ms = lambda seconds: f"{seconds * 1000:.1f} ms"  # noqa: E731
	print(f"model call via the stand-in ({args.calls} calls, stand-in delay {args.delay:g} s):")
	print(f"  p50 {ms(statistics.median(calls))}  p95 {ms(percentile(calls, 0.95))}  max {ms(max(calls))}")
	print(f"rules' reading of the same message: p50 {ms(statistics.median(rules))}")
	print(f"requests the stand-in answered: {standin.count}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
