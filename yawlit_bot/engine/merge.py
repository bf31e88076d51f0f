"""Merge-only updates and completeness.

A stored value is only ever replaced by a newer *valid* value for the same field; an empty
or invalid update never touches it. That is what keeps a name when the phone is edited.
"""

from __future__ import annotations

import re

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from yawlit_bot.engine.fields import ALL_FIELDS, DETAIL_FIELDS, REQUIRED_FIELDS
from yawlit_bot.engine.validation import check_field


@dataclass
class MergeResult:
	values: dict[str, str | None]
	changed: dict[str, str] = field(default_factory=dict)
	rejected: dict[str, str] = field(default_factory=dict)
	kept: dict[str, str] = field(default_factory=dict)  # field -> the new value not let in


def merge_fields(
	current: Mapping[str, str | None],
	updates: Mapping[str, object],
	today: date,
	may_replace: Collection[str] | None = None,
	choices: Mapping[str, Sequence[str]] | None = None,
) -> MergeResult:
	"""Apply `updates` onto `current`, keeping every stored value unless a valid new one comes.

	With `may_replace`, a field that already holds a valid value changes only if it is named
	there: the message was about that field (labelled, a correction, the answer to the bot's
	question, an edit). A value found in passing fills a gap but never replaces what the
	customer gave ("address - B-204, Rohan Leher" keeps the name Rahul). `choices`: what the
	business offers (see `check_field`)."""
	values = {name: current.get(name) or None for name in ALL_FIELDS}
	result = MergeResult(values=values)
	for name, raw in updates.items():
		if name not in values or raw is None or (isinstance(raw, str) and not raw.strip()):
			continue
		check = check_field(name, raw, today, choices)
		if not check.ok:
			result.rejected[name] = check.error or "invalid"
			continue
		if values[name] == check.value:
			continue
		if (
			may_replace is not None
			and name not in may_replace
			and is_filled(values, name, today, choices)
			and not completes(name, values[name], check.value)
		):
			result.kept[name] = check.value
			continue
		values[name] = check.value
		result.changed[name] = check.value
	return result


def completes(name: str, old: str | None, new: str) -> bool:
	"""The new address holds every word of the old one: the same address, given in full."""
	if name != "address" or not old:
		return False
	words = lambda text: set(re.findall(r"\w+", text.lower()))  # noqa: E731
	return words(old) < words(new)


def is_filled(
	values: Mapping[str, str | None], name: str, today: date, choices: Mapping[str, Sequence[str]] | None = None
) -> bool:
	value = values.get(name)
	return bool(value) and check_field(name, value, today, choices).ok


def missing_required(
	values: Mapping[str, str | None], today: date, choices: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
	"""Required fields without a currently valid value (a stored date can go stale, a service
	the business no longer offers is chosen again)."""
	return [name for name in REQUIRED_FIELDS if not is_filled(values, name, today, choices)]


def completeness(
	values: Mapping[str, str | None], today: date, choices: Mapping[str, Sequence[str]] | None = None
) -> float:
	"""Filled-and-valid details out of sixteen, as a percent with one decimal."""
	filled = sum(1 for name in DETAIL_FIELDS if is_filled(values, name, today, choices))
	return round(100.0 * filled / len(DETAIL_FIELDS), 1)


def is_complete(values: Mapping[str, str | None], today: date) -> bool:
	"""Ready to confirm: all twelve required fields valid. 75% alone is not enough."""
	return not missing_required(values, today)
