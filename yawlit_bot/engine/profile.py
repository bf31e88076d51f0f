"""A returning customer: what we already know of them, offered back, never assumed.

When a new booking starts and the phone is known (the built-in backend: the customer's last
booking; Yawlit's ERP: `get_profile_by_phone`), the bot shows the name, car and address it
knows and asks the customer to confirm or change them ("yes" takes them; anything they send
instead wins). Several cars or addresses are offered as a numbered list, one question each;
"another" or a new car typed in skips the list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from yawlit_bot.engine.catalog import position_chosen
from yawlit_bot.engine.validation import check_field

VEHICLE_CHOICE, ADDRESS_CHOICE = "profile_vehicle", "profile_address"  # the bot's list questions
CAR_ROW, PLACE_ROW = "car:", "place:"  # list-reply row ids


class _Record:
	def values(self) -> dict[str, str]:
		"""The record's filled fields, named as the booking's fields."""
		return {k: v for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class Vehicle(_Record):
	vehicle_brand: str = ""
	vehicle_model: str = ""
	vehicle_type: str = ""
	vehicle_plate: str = ""

	def label(self) -> str:
		car = " ".join(filter(None, (self.vehicle_brand, self.vehicle_model))) or "Car"
		return f"{car} {self.vehicle_plate}".strip()


@dataclass(frozen=True)
class Place(_Record):
	address: str = ""
	pincode: str = ""
	city: str = ""

	def label(self) -> str:
		return ", ".join(filter(None, (self.address, self.pincode)))


@dataclass(frozen=True)
class Profile:
	first_name: str = ""
	last_name: str = ""
	email: str = ""
	vehicles: tuple[Vehicle, ...] = field(default_factory=tuple)
	places: tuple[Place, ...] = field(default_factory=tuple)


def _valid(values: Mapping[str, str], today: date) -> dict[str, str]:
	"""Only what would pass the customer's own check (an old record can hold anything)."""
	result = {}
	for name, value in values.items():
		check = check_field(name, value, today)
		if check.ok and check.value:
			result[name] = check.value
	return result


def _fits(values: Mapping[str, str | None], proposal: Mapping[str, str]) -> dict[str, str]:
	"""Proposed values for fields the customer has not filled in this booking."""
	return {name: value for name, value in proposal.items() if not values.get(name)}


def proposals(profile: Profile, values: Mapping[str, str | None], today: date) -> dict[str, str]:
	"""What to offer back in one "is this right?" question: the name and email, and the car
	and address when there is just one of each."""
	proposed = _valid({"first_name": profile.first_name, "last_name": profile.last_name, "email": profile.email}, today)
	if profile.last_name and values.get("first_name") and values.get("first_name") != proposed.get("first_name"):
		proposed.pop("last_name", None)  # another person's first name: not our surname either
	if len(profile.vehicles) == 1:
		proposed.update(_whole(_valid(profile.vehicles[0].values(), today), values))
	if len(profile.places) == 1:
		proposed.update(_whole(_valid(profile.places[0].values(), today), values))
	return _fits(values, proposed)


def _whole(record: Mapping[str, str], values: Mapping[str, str | None]) -> dict[str, str]:
	"""A car or place on record, offered only as a whole: when nothing of it is given in this
	booking, or what is given agrees with it ("Hyundai" is not the Swift on record)."""
	for name, value in record.items():
		given = values.get(name)
		if given and str(given).strip().lower() != str(value).strip().lower():
			return {}
	return dict(record)


def open_choice(profile: Profile, values: Mapping[str, str | None], answered: str | None = None) -> str | None:
	"""The list question still to ask: which car, then which address (only when there are
	several and the customer has given none). `answered`: the list the customer just answered
	without picking ("another one"): not asked again."""
	if len(profile.vehicles) > 1 and not values.get("vehicle_model") and answered != VEHICLE_CHOICE:
		return VEHICLE_CHOICE
	if len(profile.places) > 1 and not values.get("address") and answered != ADDRESS_CHOICE:
		return ADDRESS_CHOICE
	return None


def options(profile: Profile, question: str) -> list[tuple[str, str]]:
	"""(row id, label) of the list for `question`."""
	if question == VEHICLE_CHOICE:
		return [(f"{CAR_ROW}{i}", v.label()) for i, v in enumerate(profile.vehicles, start=1)]
	return [(f"{PLACE_ROW}{i}", p.label()) for i, p in enumerate(profile.places, start=1)]


def read_choice(
	profile: Profile, question: str, text: str | None, button_id: str | None, today: date
) -> dict[str, str]:
	"""The car or address the customer picked from the list (by row, number, ordinal or its
	words); nothing when they typed something else (a new car, "another")."""
	rows = options(profile, question)
	row = (button_id or "").strip()
	ids = [row_id for row_id, _label in rows]
	# Only the list's row, its number or its position: a car or address typed out is the
	# customer's own ("Swift MH12AB9999" is not the Swift on record), read by the rules.
	index = ids.index(row) if row in ids else position_chosen(text or "", len(rows))
	if index is None:
		return {}
	chosen = profile.vehicles[index] if question == VEHICLE_CHOICE else profile.places[index]
	return _valid(chosen.values(), today)


def choice_question(profile: Profile, question: str, greeting: str = "") -> tuple[str, Sequence[tuple[str, str]]]:
	"""The text of the list question and its rows."""
	what = "car" if question == VEHICLE_CHOICE else "address"
	lines = [greeting] if greeting else []
	rows = options(profile, question)
	lines.append(f"Which {what} is it this time?")
	lines += [f"{n}. {label}" for n, (_id, label) in enumerate(rows, start=1)]
	lines.append(f"Reply with the number, or send another {what}.")
	return "\n".join(lines), rows
