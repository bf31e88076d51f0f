"""Per-field precision and recall of reading customer messages, for the rules alone and, with
--model, for the rules and a language model together as the turn joins them; plus values in
a wrong field on the labelled dialogues. Sets: tests/eval/messages.jsonl, dialogues.jsonl.

    python scripts/eval_extraction.py                       # rules only (no network)
    python scripts/eval_extraction.py --errors pincode      # and the misses for one field
    python scripts/eval_extraction.py --heldout             # the set written apart from the rules
    python scripts/eval_extraction.py --provider OpenAI-compatible --model gpt-4o-mini \\
        --api-base http://127.0.0.1:8902/v1 --api-key-env LLM_KEY [--threshold 0.6] [--limit 50]

Needs the app's engine dependencies (the engine tier's venv, or the bench's env); no Frappe.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yawlit_bot.engine.merge import missing_required  # noqa: E402
from yawlit_bot.testing.extraction_eval import (  # noqa: E402
	TODAY,
	format_scores,
	load,
	model_reader,
	rules_reader,
	run_dialogue,
	score_messages,
)


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	parser.add_argument("--errors", nargs="*", default=[], help="print the misses for these fields")
	parser.add_argument("--provider", choices=["Ollama", "OpenRouter", "OpenAI-compatible"])
	parser.add_argument("--model")
	parser.add_argument("--api-base")
	parser.add_argument("--api-key-env", help="name of the environment variable holding the key")
	parser.add_argument("--timeout", type=float, default=8.0)
	parser.add_argument("--threshold", type=float, default=0.6)
	parser.add_argument("--limit", type=int, help="only the first N messages and dialogues")
	parser.add_argument("--heldout", action="store_true", help="the held-out set instead of the first")
	parser.add_argument(
		"--catalog", action="store_true", help="run the dialogues against the sample catalog (as a fresh site)"
	)
	args = parser.parse_args()

	prefix = "heldout_" if args.heldout else ""
	messages = load(f"{prefix}messages.jsonl")[: args.limit]
	dialogues = load(f"{prefix}dialogues.jsonl")[: args.limit]
	runs = [("rules only", rules_reader, None)]
	if args.provider and args.model:
		from yawlit_bot.engine.model_program import build_inputs, make_lm, read_message

		lm = make_lm(args.provider, args.model, args.api_base, os.environ.get(args.api_key_env or "", ""), args.timeout)
		calls = {"n": 0, "failed": 0, "seconds": 0.0}

		def ask(text, expecting, known=None):
			calls["n"] += 1
			started = time.monotonic()
			try:
				known = known or {}
				return read_message(lm, build_inputs(text, [], known, missing_required(known, TODAY), expecting, TODAY))
			except Exception:
				calls["failed"] += 1
				return None
			finally:
				calls["seconds"] += time.monotonic() - started

		def step(text, snapshot):
			expecting = snapshot.expecting if snapshot.state.value == "COLLECTING" else ()
			return ask(text, expecting, snapshot.values)

		runs.append((f"rules + model ({args.provider} {args.model})", model_reader(ask, args.threshold), step))

	for title, reader, step in runs:
		scores = score_messages(messages, reader)
		print(format_scores(scores, f"== {title}: {len(messages)} messages"))
		for name in args.errors:
			print(f"-- misses for {name}:")
			print("\n".join(scores[name].errors) or "(none)")
		offer = None
		if args.catalog:
			from yawlit_bot.engine.offer import Offer
			from yawlit_bot.services.booking.sample_catalog import as_catalog

			offer = Offer(as_catalog(), utility_surcharge=150)
		results = [run_dialogue(d, step, args.threshold, offer) for d in dialogues]
		wrong = [(r.id, w) for r in results for w in r.wrong]
		missing = sum(len(r.missing) for r in results)
		print(f"dialogues: {len(results)}, values in a wrong field: {len(wrong)}, values never collected: {missing}")
		for dialogue, problem in wrong:
			print(f"  {dialogue}: {problem}")
		if step is not None:
			print(
				f"model calls: {calls['n']}, failed: {calls['failed']}, "
				f"mean {calls['seconds'] / max(calls['n'], 1):.3f} s per call"
			)
		print()
	return 0


if __name__ == "__main__":
	sys.exit(main())
