"""The labelled dialogues about times and slots (tests/eval/slot_dialogues.jsonl): each through
the conversation with its own opening hours, slot length (30, 60, 90, 120 minutes), closed
days and full slots; scored on the date and time it ends with and on what the last reply says.

    python scripts/eval_slots.py            # the score, and every dialogue that is not right
    python scripts/eval_slots.py --all      # every dialogue's last reply too

Needs the app's engine dependencies (the engine tier's venv, or the bench's env); no Frappe.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yawlit_bot.testing.slot_eval import load, run, score  # noqa: E402


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	parser.add_argument("--all", action="store_true", help="print every dialogue's last reply")
	args = parser.parse_args()
	results = [run(item) for item in load()]
	for result in results:
		if args.all or not result.right:
			print(f"{result.id}: {'right' if result.right else '; '.join(result.problems)}")
			print("   " + result.last_reply.replace("\n", "\n   "))
	print(score(results))
	return 0 if all(r.right for r in results) else 1


if __name__ == "__main__":
	raise SystemExit(main())
