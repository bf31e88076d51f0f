"""The rules alone, measured on the labelled sets in tests/eval/ (see
yawlit_bot/testing/extraction_eval.py; `scripts/eval_extraction.py` prints the full tables).
Sets written independently: the first was used to build the rules, the held-out one to check
they were not fitted to it, and two testers' probes of dialogues (labels, corrections, edits
after the summary, distractors; long first messages, confusable numbers, greetings) found what
both missed."""

from __future__ import annotations

import pytest

from yawlit_bot.testing.extraction_eval import (
	GATED_FIELDS,
	format_scores,
	load,
	rules_reader,
	run_dialogue,
	score_messages,
)

SETS = {
	"first": (load("messages.jsonl"), load("dialogues.jsonl")),
	"held-out": (load("heldout_messages.jsonl"), load("heldout_dialogues.jsonl")),
}
# A tester's probe: labels, corrections, edits after the summary, distractors (dialogues only).
PROBE = load("probe_dialogues.jsonl") + load("probe2_dialogues.jsonl")
DIALOGUES = [(name, d) for name, (_, dialogues) in SETS.items() for d in dialogues] + [("probe", d) for d in PROBE]


def test_the_sets_are_as_large_as_promised():
	messages = sum(len(m) for m, _ in SETS.values())
	assert len(SETS["first"][0]) >= 200 and len(SETS["first"][1]) >= 30
	assert messages >= 500 and len(DIALOGUES) >= 200


@pytest.fixture(scope="module", params=list(SETS))
def rules_scores(request):
	return request.param, score_messages(SETS[request.param][0], rules_reader)


@pytest.mark.parametrize("name", GATED_FIELDS)
def test_rules_alone_read_the_typed_fields(rules_scores, name):
	set_name, scores = rules_scores
	score = scores[name]
	assert score.precision >= 0.97 and score.recall >= 0.9, (
		format_scores(scores, f"rules only, {set_name} set") + "\n" + "\n".join(score.errors)
	)


@pytest.mark.parametrize("set_name, item", DIALOGUES, ids=[f"{n}-{d['id']}" for n, d in DIALOGUES])
def test_no_value_lands_in_a_wrong_field(set_name, item):
	result = run_dialogue(item)
	assert result.wrong == [], f"{item['turns']}\n{result.values}"
