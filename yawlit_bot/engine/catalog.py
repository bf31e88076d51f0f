"""The catalog's rules: what is offered for a vehicle, what it costs, which slots have room.

Plain data in, answers out; the backends (built-in DocTypes, Yawlit's ERP) only read the data.
- A service is offered for a vehicle type only if it has a price for it.
- An add-on included in the service costs nothing extra; an optional one its price.
- Water and electricity are asked only when the service or an add-on needs them; each the
  customer cannot provide adds the surcharge.
- Slots: opening days and hours cut into slots of the set length; none on a closed date or
  past the booking window; none that has started (India time); a slot has room while
  bookings plus holds of others are fewer than the day's capacity (a per-date override or
  the setting). An expired hold simply stops counting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from yawlit_bot.engine.validation import match_choice


class CatalogError(ValueError):
	"""A request the catalog cannot answer (unknown service, no price for the vehicle...)."""


@dataclass(frozen=True)
class Addon:
	addon: str  # its id (the DocType name, or the ERP's)
	addon_name: str
	price: int
	needs_water: bool = False
	needs_electricity: bool = False
	enabled: bool = True


@dataclass(frozen=True)
class Service:
	service: str
	service_name: str
	prices: Mapping[str, int]  # vehicle type -> INR
	duration_minutes: int = 60
	description: str = ""
	addons: tuple[str, ...] = ()  # optional add-ons that may go with it
	included_addons: tuple[str, ...] = ()  # come with it, at no extra cost
	enabled: bool = True

	def price_for(self, vehicle_type: str) -> int | None:
		for kind, price in self.prices.items():
			if kind.lower() == (vehicle_type or "").lower():
				return price
		return None


@dataclass(frozen=True)
class Catalog:
	services: tuple[Service, ...]
	addons: Mapping[str, Addon]

	def services_for(self, vehicle_type: str) -> list[Service]:
		"""Enabled services with a price for this vehicle type, cheapest first."""
		offered = [s for s in self.services if s.enabled and s.price_for(vehicle_type) is not None]
		return sorted(offered, key=lambda s: (s.price_for(vehicle_type), s.service_name.lower()))

	def service(self, service: str) -> Service:
		"""By id or by name (any case)."""
		for candidate in self.services:
			if service in (candidate.service, candidate.service_name) or (
				(service or "").lower() == candidate.service_name.lower()
			):
				return candidate
		raise CatalogError(f"There is no service {service!r}.")

	def addon(self, addon: str) -> Addon:
		if addon in self.addons:
			return self.addons[addon]
		for candidate in self.addons.values():
			if (addon or "").lower() == candidate.addon_name.lower():
				return candidate
		raise CatalogError(f"There is no add-on {addon!r}.")

	def optional_addons(self, service: str) -> list[Addon]:
		"""Enabled add-ons that may be added to the service (not those it includes)."""
		chosen = self.service(service)
		result = []
		for name in chosen.addons:
			addon = self.addons.get(name)
			if addon and addon.enabled and name not in chosen.included_addons:
				result.append(addon)
		return result

	def included_addons(self, service: str) -> list[Addon]:
		chosen = self.service(service)
		return [self.addons[name] for name in chosen.included_addons if name in self.addons]


@dataclass(frozen=True)
class Utilities:
	"""Whether the chosen service and add-ons need water and electricity at the address."""

	water: bool = False
	electricity: bool = False


def utilities_needed(catalog: Catalog, service: str, addons: Iterable[str] = ()) -> Utilities:
	chosen = [*catalog.included_addons(service), *(catalog.addon(a) for a in addons)]
	return Utilities(
		water=any(a.needs_water for a in chosen), electricity=any(a.needs_electricity for a in chosen)
	)


@dataclass(frozen=True)
class Price:
	base: int
	addons_total: int
	surcharges: int
	total: int

	def as_dict(self) -> dict[str, int]:
		return {"base": self.base, "addons_total": self.addons_total, "surcharges": self.surcharges, "total": self.total}


def price(
	catalog: Catalog,
	service: str,
	vehicle_type: str,
	addons: Sequence[str] = (),
	*,
	water_provided: bool = True,
	electricity_provided: bool = True,
	utility_surcharge: int = 0,
) -> Price:
	"""The price breakdown in INR. Raises CatalogError for what cannot be priced."""
	chosen = catalog.service(service)
	if not chosen.enabled:
		raise CatalogError(f"{chosen.service_name} is not offered at the moment.")
	base = chosen.price_for(vehicle_type)
	if base is None:
		raise CatalogError(f"{chosen.service_name} is not offered for a {vehicle_type or 'vehicle of unknown type'}.")
	addons_total = 0
	seen = set()
	for name in addons:
		addon = catalog.addon(name)
		if addon.addon in seen:
			continue  # the same add-on twice is one add-on
		seen.add(addon.addon)
		if addon.addon in chosen.included_addons:
			continue  # comes with the service
		if addon.addon not in chosen.addons or not addon.enabled:
			raise CatalogError(f"{addon.addon_name} cannot be added to {chosen.service_name}.")
		addons_total += addon.price
	needed = utilities_needed(catalog, chosen.service, list(seen))
	missing = (needed.water and not water_provided) + (needed.electricity and not electricity_provided)
	surcharges = int(missing) * utility_surcharge
	return Price(base, addons_total, surcharges, base + addons_total + surcharges)


def format_inr(amount: int) -> str:
	"""₹1,200 (Indian grouping: ₹1,20,000)."""
	digits = str(abs(int(amount)))
	if len(digits) > 3:
		head, tail = digits[:-3], digits[-3:]
		groups = []
		while len(head) > 2:
			groups.insert(0, head[-2:])
			head = head[:-2]
		if head:
			groups.insert(0, head)
		digits = ",".join([*groups, tail])
	return ("-" if amount < 0 else "") + "₹" + digits


# ---------------------------------------------------------------- slots


@dataclass(frozen=True)
class Schedule:
	open_days: frozenset[int] = frozenset(range(7))  # weekday(): 0 Monday ... 6 Sunday
	opens: time = time(6, 0)
	closes: time = time(18, 0)
	slot_minutes: int = 60
	capacity: int = 2  # bays: bookings per slot
	days_ahead: int = 30  # bookable from today up to this many days ahead
	closed_dates: frozenset[date] = frozenset()
	capacity_on: Mapping[date, int] = field(default_factory=dict)  # per-date overrides

	def capacity_for(self, day: date) -> int:
		return self.capacity_on.get(day, self.capacity)

	def is_open(self, day: date) -> bool:
		return day.weekday() in self.open_days and day not in self.closed_dates and self.capacity_for(day) > 0


DEFAULT_OPENS, DEFAULT_CLOSES = time(6, 0), time(18, 0)


def opening_hours_problem(opens: time | None, closes: time | None, slot_minutes: int | None) -> str | None:
	"""Why these hours allow no slot at all (None when at least one slot fits): the form's
	validation says it, and install and migrate repair it (a fresh install once stored the
	moment of the install as both times)."""
	if opens is None or closes is None:
		return "Opening hours: set Opens At and Closes At."
	if not slot_minutes or slot_minutes <= 0:
		return "Slot Length must be at least one minute."
	if closes <= opens:
		return f"Opening hours: Closes At ({closes:%H:%M}) must be after Opens At ({opens:%H:%M}): the shop is open for less than one slot."
	open_minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
	if open_minutes < slot_minutes:
		return (
			f"Opening hours: the shop is open for less than one slot ({opens:%H:%M} to {closes:%H:%M} "
			f"is shorter than a {slot_minutes}-minute slot)."
		)
	return None


def slot_id(start: time, end: time) -> str:
	return f"{start:%H:%M}-{end:%H:%M}"


SLOT_ID_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def slot_times(slot: str) -> tuple[time, time]:
	"""The start and end of "10:00-11:00". Raises CatalogError for anything else."""
	found = SLOT_ID_RE.match(slot or "")
	if not found:
		raise CatalogError(f"{slot!r} is not a slot (like 10:00-11:00).")
	h1, m1, h2, m2 = (int(g) for g in found.groups())
	return time(h1, m1), time(h2, m2)


def slots_on(schedule: Schedule, day: date) -> list[str]:
	"""Every slot of the day by the opening hours (none on a day it is closed)."""
	if not schedule.is_open(day) or schedule.slot_minutes <= 0:
		return []
	result = []
	start = datetime.combine(day, schedule.opens)
	close = datetime.combine(day, schedule.closes)
	step = timedelta(minutes=schedule.slot_minutes)
	while start + step <= close:
		result.append(slot_id(start.time(), (start + step).time()))
		start += step
	return result


def window_error(schedule: Schedule, day: date, today: date) -> str | None:
	"""Why `day` cannot be booked at all, or None."""
	if day < today:
		return "That date has passed."
	if day > today + timedelta(days=schedule.days_ahead):
		return f"We take bookings up to {schedule.days_ahead} days ahead."
	if day.weekday() not in schedule.open_days:
		return f"We are closed on {day:%A}s."
	if not schedule.is_open(day):
		return f"We are closed on {day:%A, %d %B}."
	return None


def seats_taken(
	bookings: int, holds: Iterable[tuple[str, datetime]], now: datetime, holder: str | None = None
) -> int:
	"""Bookings plus the holds of others that have not expired (`holder`'s own does not count
	against them)."""
	return bookings + sum(1 for who, until in holds if until > now and who != holder)


def available_slots(
	schedule: Schedule, day: date, now: datetime, taken: Mapping[str, int]
) -> list[tuple[str, int]]:
	"""(slot, seats left) for the slots of `day` with room, none started yet (`now` is India's
	local time) and none outside the booking window."""
	if window_error(schedule, day, now.date()):
		return []
	capacity = schedule.capacity_for(day)
	result = []
	for slot in slots_on(schedule, day):
		start, _end = slot_times(slot)
		if datetime.combine(day, start) <= now:
			continue
		left = capacity - taken.get(slot, 0)
		if left > 0:
			result.append((slot, left))
	return result


DAY_PARTS = (("Morning", time(0, 0)), ("Afternoon", time(12, 0)), ("Evening", time(16, 0)))


def day_part(slot: str) -> str:
	start, _end = slot_times(slot)
	part = DAY_PARTS[0][0]
	for name, begins in DAY_PARTS:
		if start >= begins:
			part = name
	return part


def group_by_day_part(slots: Iterable[str]) -> dict[str, list[str]]:
	"""Slots under Morning / Afternoon / Evening (only parts with slots), in time order."""
	groups: dict[str, list[str]] = {}
	for slot in sorted(slots):
		groups.setdefault(day_part(slot), []).append(slot)
	return {name: groups[name] for name, _ in DAY_PARTS if name in groups}


# ---------------------------------------------------------------- the time a customer asked for

NEAREST_SLOTS = 6  # free slots offered instead of one that cannot be had


def schedule_slots(schedule: Schedule) -> tuple[str, ...]:
	"""The slots of an open day by the opening hours, whatever the slot length."""
	return tuple(slots_on(replace(schedule, open_days=frozenset(range(7)), closed_dates=frozenset(), capacity_on={}), date(2000, 1, 3)))


def slot_holding(slots: Sequence[str], wanted: time) -> str | None:
	"""The slot a time falls in (its start included, its end not): "10:30" is in 10:00-11:00
	with one-hour slots, in 10:30-12:00 with 90-minute ones from 06:00."""
	for slot in slots:
		start, end = slot_times(slot)
		if start <= wanted < end:
			return slot
	return None


def nearest_slots(free: Sequence[str], wanted: time | None, count: int = NEAREST_SLOTS) -> tuple[str, ...]:
	"""Up to `count` of the free slots nearest to the time asked for (all of them, first ones
	first, when no time was asked), in time order."""
	if wanted is None:
		return tuple(sorted(free)[:count])

	def distance(slot: str) -> tuple[int, str]:
		start, _end = slot_times(slot)
		return abs((start.hour * 60 + start.minute) - (wanted.hour * 60 + wanted.minute)), slot

	return tuple(sorted(sorted(free, key=distance)[:count]))


def in_day_part(slots: Sequence[str], part: str | None) -> tuple[str, ...]:
	"""The slots in a part of the day ("Morning", "Afternoon", "Evening", or "after HH:MM")."""
	if not part:
		return tuple(slots)
	if part.startswith("after "):
		hour, minute = (int(x) for x in part[6:].split(":"))
		return tuple(s for s in slots if slot_times(s)[0] >= time(hour, minute))
	return tuple(s for s in slots if day_part(s) == part)


def hours_text(slots: Sequence[str]) -> str:
	"""'6:00 am to 6:00 pm': the day the slots cover."""
	if not slots:
		return ""
	first, last = slot_times(slots[0])[0], slot_times(slots[-1])[1]
	return f"{clock(first)} to {clock(last)}"


def clock(moment: time) -> str:
	"""'9:00 am', '2:30 pm'."""
	hour = moment.hour % 12 or 12
	return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def nearest_dates_with_room(
	schedule: Schedule,
	day: date,
	now: datetime,
	taken_on: Mapping[date, Mapping[str, int]],
	count: int = 3,
) -> list[date]:
	"""Up to `count` other dates in the booking window with a slot free, nearest to `day` first
	(a later date before an earlier one at the same distance). `taken_on` holds the seats taken
	per slot for the dates looked at (a date missing from it has nothing taken)."""
	today = now.date()
	last = today + timedelta(days=schedule.days_ahead)
	candidates = [today + timedelta(days=n) for n in range((last - today).days + 1)]
	candidates = [d for d in candidates if d != day]
	candidates.sort(key=lambda d: (abs((d - day).days), d < day))
	found = []
	for candidate in candidates:
		if available_slots(schedule, candidate, now, taken_on.get(candidate, {})):
			found.append(candidate)
			if len(found) == count:
				break
	return found


# ---------------------------------------------------------------- choosing from a list

ORDINALS = {
	"first": 1, "1st": 1, "pehla": 1, "pehle": 1, "pahla": 1,
	"pehli": 1, "pahli": 1,
	"second": 2, "2nd": 2, "dusra": 2, "doosra": 2, "dusre": 2, "dusri": 2, "doosri": 2,
	"third": 3, "3rd": 3, "teesra": 3, "tisra": 3, "teesre": 3, "teesri": 3, "tisri": 3,
	"fourth": 4, "4th": 4, "chautha": 4, "chauthi": 4, "fifth": 5, "5th": 5, "sixth": 6, "6th": 6,
	"seventh": 7, "7th": 7, "eighth": 8, "8th": 8, "ninth": 9, "9th": 9, "tenth": 10, "10th": 10,
	"last": -1, "aakhri": -1,
}
# one `\s*` per gap (two side by side backtrack quadratically on a run of spaces)
_NUMBER_RE = re.compile(r"^\s*(?:(?:no\.?|number|option|#)\s*)?(\d{1,2})(?:\s*[.)])?\s*$", re.IGNORECASE)
_FILLER_RE = re.compile(
	r"\b(the|one|wala|waala|vala|wali|waali|vali|option|please|pls|plz|chahiye|do|de|dedo|ok|okay|then|toh|to|"
	r"number|no)\b",
	re.IGNORECASE,
)


def position_chosen(text: str, count: int) -> int | None:
	"""The index a customer named by position alone: "2", "option 2", "ok 2", "second one",
	"dusri wali", "last". None for anything else."""
	raw = (text or "").strip().lower()
	number = _NUMBER_RE.match(raw)
	words = _FILLER_RE.sub(" ", re.sub(r"[.,!)]", " ", raw)).split()
	if number:
		index = int(number.group(1)) - 1
	elif len(words) == 1 and words[0].isdigit():
		index = int(words[0]) - 1
	elif len(words) == 1 and words[0] in ORDINALS:
		index = count - 1 if ORDINALS[words[0]] == -1 else ORDINALS[words[0]] - 1
	else:
		return None
	return index if 0 <= index < count else None


def choose(text: str, options: Sequence[str], ids: Sequence[str] | None = None) -> int | None:
	"""Which of `options` (titles, in the order they were offered) the customer chose: by its
	number ("2", "2.", "option 2"), an ordinal ("second one", "dusra wala", "last"), its id (a
	list reply), its title or a title with a typo. Returns the index, or None."""
	raw = (text or "").strip()
	if not raw or not options:
		return None
	if ids:
		for index, option_id in enumerate(ids):
			if raw == option_id:
				return index
	number = _NUMBER_RE.match(raw)
	if number:
		index = int(number.group(1)) - 1
		return index if 0 <= index < len(options) else None
	lowered = raw.lower()
	for index, option in enumerate(options):
		if lowered == option.lower():
			return index
	words = _FILLER_RE.sub(" ", re.sub(r"[.,!)]", " ", lowered)).split()
	if len(words) == 1 and words[0].isdigit():  # "ok 2", "number 3 please"
		index = int(words[0]) - 1
		return index if 0 <= index < len(options) else None
	if len(words) == 1 and words[0] in ORDINALS:
		position = ORDINALS[words[0]]
		index = len(options) - 1 if position == -1 else position - 1
		return index if 0 <= index < len(options) else None
	matched = match_choice(raw, tuple(options))
	if matched is not None:
		return list(options).index(matched)
	# a title named inside a longer message ("premium wash chahiye")
	inside = [index for index, option in enumerate(options) if option.lower() in lowered]
	if len(inside) == 1:
		return inside[0]
	return None


# ---------------------------------------------------------------- the area served


def split_list(text: str | None) -> tuple[str, ...]:
	"""Entries of a list typed by staff, separated by commas or new lines."""
	return tuple(part.strip() for part in re.split(r"[,\n;]+", text or "") if part.strip())


def area_served(
	pincode: str | None, city: str | None, pincodes: Sequence[str], cities: Sequence[str]
) -> bool | None:
	"""True when the pincode (or its leading digits) or the city is one served; False when what
	the customer gave is outside; None when there is not enough to tell. No area set: all served."""
	if not pincodes and not cities:
		return True
	pin = re.sub(r"\D", "", pincode or "")
	if pin and any(pin.startswith(re.sub(r"\D", "", p)) for p in pincodes if re.sub(r"\D", "", p)):
		return True
	if city and any(city.strip().casefold() == c.casefold() for c in cities):
		return True
	if (pin and pincodes) or (city and cities and not pin):
		return False
	return None
