"""The rules alone, measured on the labelled sets in tests/eval/ (see
yawlit_bot/testing/extraction_eval.py; `scripts/eval_extraction.py` prints the full tables)."""

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

MESSAGES = load("messages.jsonl")
DIALOGUES = load("dialogues.jsonl")


def test_the_sets_are_as_large_as_promised():
	assert len(MESSAGES) >= 200
	assert len(DIALOGUES) >= 30


@pytest.fixture(scope="module")
def rules_scores():
	return score_messages(MESSAGES, rules_reader)


@pytest.mark.parametrize("name", GATED_FIELDS)
def test_rules_alone_read_the_typed_fields(rules_scores, name):
	score = rules_scores[name]
	assert score.precision >= 0.97 and score.recall >= 0.9, (
		format_scores(rules_scores, "rules only") + "\n" + "\n".join(score.errors)
	)


@pytest.mark.parametrize("item", DIALOGUES, ids=[d["id"] for d in DIALOGUES])
def test_no_value_lands_in_a_wrong_field(item):
	result = run_dialogue(item)
	assert result.wrong == [], f"{item['turns']}\n{result.values}"
