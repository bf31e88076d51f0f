"""Hostile customer text, for the engine tier's time-bound tests (tests/test_reading_time.py) and
the webhook fuzzer (scripts/fuzz_webhook.py): long texts made of a few tokens repeated, in the
Indic scripts, Latin, digits, punctuation, emoji and combining marks, with or without spaces,
the shape that makes a backtracking pattern slow. Needs hypothesis (a test dependency)."""

from __future__ import annotations

import json
from pathlib import Path

try:  # the generator needs hypothesis (the engine tier's); the corpus alone does not (the harness)
	from hypothesis import strategies as st
except ImportError:  # pragma: no cover - the bench's Python, running scripts/harness.py
	st = None

from yawlit_bot.engine.readers.text import MAX_INPUT

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "eval" / "hostile_texts.jsonl"

SCRIPTS = {
	"devanagari": (0x0900, 0x097F),
	"bengali": (0x0980, 0x09FF),
	"gurmukhi": (0x0A00, 0x0A7F),
	"gujarati": (0x0A80, 0x0AFF),
	"odia": (0x0B00, 0x0B7F),
	"tamil": (0x0B80, 0x0BFF),
	"telugu": (0x0C00, 0x0C7F),
	"kannada": (0x0C80, 0x0CFF),
	"malayalam": (0x0D00, 0x0D7F),
	"latin": (0x0041, 0x007A),
	"digits": (0x0030, 0x0039),
	"combining marks": (0x0300, 0x036F),
	"emoji": (0x1F300, 0x1F64F),
}
PUNCTUATION = " .,-:/@'!?()&#*_\n\u200d\u200c"
# Words the readers look for: each one starts a pattern's attempt.
WORDS = [
	"naam", "mera", "my name is", "i am", "main", "hoon", "mr", "kal", "subah", "baje", "10", "nahi",
	"ki jagah", "near", "road", "flat", "sir", "ji", "foam", "wash", "swift", "MH12AB1234", "9876543210",
	"411001", "stop", "agent", "hi", "मेरा", "नाम", "कल", "बजे",
]


if st is not None:

	@st.composite
	def hostile_texts(draw, lengths=(64, 512, MAX_INPUT)) -> str:
		"""A long text of a few tokens repeated in some order, joined with one separator (or none)."""
		alphabet = st.one_of(
			*(st.characters(min_codepoint=lo, max_codepoint=hi) for lo, hi in SCRIPTS.values()),
			st.sampled_from(PUNCTUATION),
		)
		tokens = draw(
			st.lists(st.one_of(st.text(alphabet, min_size=1, max_size=12), st.sampled_from(WORDS)), min_size=1, max_size=4)
		)
		separator = draw(st.sampled_from(["", " ", ", ", "\n", ". ", "-"]))
		length = draw(st.sampled_from(list(lengths)))
		order = draw(st.lists(st.integers(0, len(tokens) - 1), min_size=1, max_size=8))
		pieces, size, i = [], 0, 0
		while size < length:
			piece = tokens[order[i % len(order)]]
			pieces.append(piece)
			size += len(piece) + len(separator)
			i += 1
		return separator.join(pieces)[:length]


def corpus() -> list[tuple[str, tuple[str, ...], str]]:
	"""The texts found slow once (or likely to be): (text, fields the bot asked for, why)."""
	cases = []
	for line in CORPUS.read_text(encoding="utf-8").splitlines():
		if line.strip():
			case = json.loads(line)
			text = case.get("text") or case["unit"] * case["times"]
			cases.append((text[: MAX_INPUT + 100], tuple(case.get("expecting", ())), case["why"]))
	return cases
