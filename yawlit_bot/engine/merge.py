"""Merge-only updates and completeness.

A stored value is only ever replaced by a newer *valid* value for the same field; an empty
or invalid update never touches it. That is what keeps a name when the phone is edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from yawlit_bot.engine.fields import ALL_FIELDS, REQUIRED_FIELDS
from yawlit_bot.engine.validation import check_field


@dataclass
class MergeResult:
	values: dict[str, str | None]
	changed: dict[str, str] = field(default_factory=dict)
	rejected: dict[str, str] = field(default_factory=dict)


def merge_fields(
	current: Mapping[str, str | None], updates: Mapping[str, object], today: date
) -> MergeResult:
	"""Apply `updates` onto `current`, keeping every stored value unless a valid new one comes."""
	values = {name: current.get(name) or None for name in ALL_FIELDS}
	result = MergeResult(values=values)
	for name, raw in updates.items():
		if name not in values or raw is None or (isinstance(raw, str) and not raw.strip()):
			continue
		check = check_field(name, raw, today)
		if not check.ok:
			result.rejected[name] = check.error or "invalid"
			continue
		if values[name] != check.value:
			values[name] = check.value
			result.changed[name] = check.value
	return result


def is_filled(values: Mapping[str, str | None], name: str, today: date) -> bool:
	value = values.get(name)
	return bool(value) and check_field(name, value, today).ok


def missing_required(values: Mapping[str, str | None], today: date) -> list[str]:
	"""Required fields without a currently valid value (a stored date can go stale)."""
	return [name for name in REQUIRED_FIELDS if not is_filled(values, name, today)]


def completeness(values: Mapping[str, str | None], today: date) -> float:
	"""Filled-and-valid fields out of sixteen, as a percent with one decimal."""
	filled = sum(1 for name in ALL_FIELDS if is_filled(values, name, today))
	return round(100.0 * filled / len(ALL_FIELDS), 1)


def is_complete(values: Mapping[str, str | None], today: date) -> bool:
	"""Ready to confirm: all twelve required fields valid. 75% alone is not enough."""
	return not missing_required(values, today)
