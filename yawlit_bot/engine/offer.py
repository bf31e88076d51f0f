"""What the business's catalog changes in the conversation.

With an `Offer` (the catalog as the turn read it), `decide_turn`:
- takes a service only from the catalog, and only one priced for the customer's vehicle type:
  a catalog name anywhere in the message ("kal foam wash chahiye"), a kind the rules know
  mapped onto the catalog ("premium" -> "Premium Wash"), or, when the bot asked, the answer
  to its list (its row, its number, "second one", its title with a typo);
- asks for the service as a WhatsApp list with the price for the vehicle type;
- takes add-ons named in a message (added to those already chosen; "remove"/"hata do" takes
  one off), and offers the service's optional add-ons on the summary, where Confirm skips them;
- asks once whether water and electricity can be used at the address, only when the chosen
  service or add-ons need them (each the customer cannot provide adds the surcharge).
Without an offer the engine works as before, with the kinds of service the rules know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from yawlit_bot.engine.catalog import Catalog, CatalogError, Service, choose, utilities_needed
from yawlit_bot.engine.readers.vehicle_and_service import service_mention_blocked
from yawlit_bot.engine.fields import NO_ADDONS, REQUIRED_FIELDS, UTILITY_FIELDS
from yawlit_bot.engine.merge import missing_required
from yawlit_bot.engine.replies import ADDON_ROW, DATE_ROW, DAY_SLOT_ROW, SERVICE_ROW, SLOT_ROW


# Words every service or add-on name may carry; the others tell them apart ("foam", "tyre").
_GENERIC_WORDS = frozenset("wash washing cleaning clean service services car package".split())
_REMOVE_RE = re.compile(
	r"\b(?:remove|hata(?:o|do|dena|na)?|hatado|without|bina|cancel|drop|mat|nahi|nahin|nhi|no|not|don'?t)\b", re.I
)
# A question about a service ("foam wash mein kya hota hai?", "is foam wash good?") chooses nothing.
_QUESTION_RE = re.compile(
	r"\?|^\s*(?:is|are|does|do|can|will|should)\b|\b(?:kya|what|which|whats|does|kaisa|kaisi|kaise|hota|hoti|"
	r"better|vs|versus|difference)\b",
	re.I,
)
_WATER_RE = re.compile(r"\b(?:water|paani|pani|jal|tap|nal)\b", re.I)
_POWER_RE = re.compile(r"\b(?:electricity|electric|bijli|bijlee|power|light|current|socket|plug|switch)\b", re.I)
_NO_RE = re.compile(
	r"\b(?:no|not|nahi|nahin|nhi|na|nope|dont|don'?t|can'?t|cannot|without|bina|unavailable)\b", re.I
)
_YES_RE = re.compile(
	r"\b(?:yes|yeah|yep|haan|han|haa|ha|ji|hai|hain|available|ok|okay|sure|both|dono|milega|mil\s+jayega|de\s+denge|provide)\b",
	re.I,
)
# Words that can only mean the utilities ("power", "light" or "switch" may be a car's or a road's).
_PLAIN_UTILITY_RE = re.compile(r"\b(?:water|paani|pani|electricity|bijli|bijlee|socket)\b", re.I)
_ONLY_RE = re.compile(r"\b(?:only|sirf|bas|just)\b", re.I)
# A bare answer to the question, naming neither utility: "haan", "yes both", "nahi hai". A
# longer message without a utility word ("No. 88, 5th Cross", "address galat hai") is no answer.
_BARE_ANSWER_RE = re.compile(
	r"^(?:(?:yes|yeah|yep|haan|han|haa|ha|ji|jee|ok|okay|sure|both|dono|sab|hai|hain|available|milega|"
	r"mil\s+jayega|no|nope|nahi|nahin|nhi|na|not|neither|koi\s+nahi)[\s,.!]*){1,4}$",
	re.I,
)
_CLAUSE_RE = re.compile(r"(?<!\s)\s*(?:,|;|\.|\bbut\b|\bpar\b|\blekin\b|\band\b|\baur\b)\s*", re.I)


@dataclass(frozen=True)
class Offer:
	"""The catalog as the turn read it, and the surcharge for each utility not provided."""

	catalog: Catalog
	utility_surcharge: int = 0
	# The slots of an open day by the opening hours (catalog.schedule_slots), whatever their
	# length: a time the customer types is read into the one that holds it. Empty when the
	# booking system keeps its own slots (Yawlit's ERP: one-hour slots).
	slots: tuple[str, ...] = ()


@dataclass
class Choices:
	"""What a message chose from the catalog: values, problems, and the fields it was about."""

	fields: dict[str, str]
	invalid: dict[str, str]
	about: set[str]
	dropped: set[str]  # the rules' reading that is not in the catalog


def field_choices(offer: Offer, service: str | None = None) -> dict[str, tuple[str, ...]]:
	"""The values `service_type` and `addons` may take (see `validation.check_field`): the
	services on offer, and the add-ons that may go with `service` (all, before one is chosen)."""
	catalog = offer.catalog
	chosen = _service(offer, service)
	addons = (
		[a.addon_name for a in catalog.optional_addons(chosen.service)]
		if chosen
		else [a.addon_name for a in catalog.addons.values() if a.enabled]
	)
	return {
		"service_type": tuple(s.service_name for s in catalog.services if s.enabled and s.prices),
		"addons": tuple(addons),
		**({"time_slot": offer.slots} if offer.slots else {}),
	}


def offered_services(offer: Offer, vehicle_type: str | None) -> list[Service]:
	"""The services to offer, in list order: those priced for the vehicle type, cheapest first;
	for a vehicle not yet known, every service by its lowest price."""
	if vehicle_type:
		return offer.catalog.services_for(vehicle_type)
	offered = [s for s in offer.catalog.services if s.enabled and s.prices]
	return sorted(offered, key=lambda s: (min(s.prices.values()), s.service_name.lower()))


def _service(offer: Offer, name: str | None) -> Service | None:
	if not name:
		return None
	try:
		found = offer.catalog.service(name)
	except CatalogError:
		return None
	return found if found.enabled else None


def service_problem(offer: Offer, values: Mapping[str, str | None]) -> str | None:
	"""Why the chosen service cannot be had for this vehicle (None when it can, or when the
	service or vehicle is not known yet)."""
	chosen = _service(offer, values.get("service_type"))
	vehicle_type = values.get("vehicle_type")
	if chosen is None or not vehicle_type or chosen.price_for(vehicle_type) is not None:
		return None
	names = ", ".join(s.service_name for s in offer.catalog.services_for(vehicle_type))
	if not names:
		return f"Sorry, we have no service for a {vehicle_type} at the moment."
	return f"{chosen.service_name} is not offered for a {vehicle_type}. For a {vehicle_type} we have: {names}."


def chosen_addons(values: Mapping[str, str | None]) -> list[str]:
	raw = values.get("addons") or ""
	return [] if raw == NO_ADDONS else [part.strip() for part in raw.split(",") if part.strip()]


def utilities_missing(offer: Offer, values: Mapping[str, str | None]) -> list[str]:
	"""The utility questions the chosen service and add-ons need and the customer has not
	answered yet."""
	return [name for name in _utilities_needed(offer, values) if values.get(name) not in ("Yes", "No")]


def missing(offer: Offer | None, values: Mapping[str, str | None], today: date) -> list[str]:
	"""What is still needed before the summary, in question order."""
	if offer is None:
		return missing_required(values, today)
	gaps = set(missing_required(values, today, field_choices(offer)))
	if service_problem(offer, values):
		gaps.add("service_type")
	ordered = [name for name in REQUIRED_FIELDS if name in gaps]
	return ordered + utilities_missing(offer, values)


def addons_on_offer(offer: Offer | None, values: Mapping[str, str | None]) -> tuple[tuple[str, int], ...]:
	"""(name, price) of the chosen service's optional add-ons not chosen yet: shown on the
	summary, where Confirm skips them."""
	chosen = _service(offer, values.get("service_type")) if offer else None
	if chosen is None:
		return ()
	taken = {name.lower() for name in chosen_addons(values)}
	return tuple(
		(addon.addon_name, addon.price)
		for addon in offer.catalog.optional_addons(chosen.service)
		if addon.addon_name.lower() not in taken
	)


# ---------------------------------------------------------------- reading a message


def _key_words(name: str) -> list[str]:
	words = re.findall(r"[a-z0-9]+", name.lower())
	return [w for w in words if w not in _GENERIC_WORDS] or words


def _said(tokens: Sequence[str], word: str) -> bool:
	return any(
		token == word or (len(word) >= 5 and len(token) >= 4 and fuzz.ratio(word, token) >= 80) for token in tokens
	)


def _names(tokens: Sequence[str], name: str) -> bool:
	"""Every word that tells `name` apart is in the message (a typo allowed in longer words)."""
	return all(_said(tokens, word) for word in _key_words(name))


_ADDON_CUE = frozenset(
	"add also bhi plus extra with saath aur include remove hata hatao hatado without bina no nahi mat".split()
)


def _names_addon(tokens: Sequence[str], name: str) -> bool:
	"""An add-on by its whole name ("eco wash", "tyre shine"); by the words that tell it apart
	("tyre shine" for Tyre Shine, "polish" for Exterior Polishing) only with a word that adds
	or removes ("polish bhi kar do", "vacuum hata do"): "eco friendly shampoo" or "polishing
	chahiye" (a service) add nothing."""
	words = re.findall(r"[a-z0-9]+", name.lower())
	if all(_said(tokens, word) for word in words):
		return True
	key = _key_words(name)
	cue = bool(_ADDON_CUE & set(tokens))
	return cue and (_names(tokens, name) or _said(tokens, key[-1]))


def _mentioned_services(offer: Offer, text: str) -> list[Service]:
	"""Catalog services named in the message, not in a price question or said no to."""
	lowered = text.lower()
	tokens = re.findall(r"[a-z0-9]+", lowered)
	found = []
	for service in offer.catalog.services:
		if not service.enabled:
			continue
		at = lowered.find(service.service_name.lower())
		if at >= 0:
			if not service_mention_blocked(text, at, at + len(service.service_name)):
				found.append(service)
			continue
		key = _key_words(service.service_name)
		generic = set(re.findall(r"[a-z0-9]+", service.service_name.lower())) - set(key)
		# "foam wash chahiye": the word that tells it apart, with the kind of service named
		if _names(tokens, service.service_name) and (not generic or generic & set(tokens)):
			first = min((lowered.find(w) for w in key if w in lowered), default=0)
			if not service_mention_blocked(text, first, first + len(key[0])):
				found.append(service)
	if len(found) > 1:  # "premium foam wash": the longest name that was named
		longest = max(len(s.service_name) for s in found)
		found = [s for s in found if len(s.service_name) == longest]
	return found


def _catalog_service_for(offer: Offer, kind: str, vehicle_type: str | None = None) -> Service | None:
	"""A kind the rules read ("Premium Wash") as the catalog's service of that name or kind,
	among those offered for the vehicle ("Sedan Premium" for a sedan's "premium")."""
	exact = _service(offer, kind)
	if exact is not None:
		return exact
	candidates = [
		s
		for s in offered_services(offer, vehicle_type)
		if set(_key_words(kind)) <= set(_key_words(s.service_name))
	]
	return candidates[0] if len(candidates) == 1 else None


def _read_service(
	offer: Offer,
	text: str,
	button_id: str,
	values: Mapping[str, str | None],
	ruled: Mapping[str, str],
	expecting: Sequence[str],
	result: Choices,
) -> None:
	vehicle_type = ruled.get("vehicle_type") or values.get("vehicle_type")
	listed = offered_services(offer, vehicle_type)
	chosen: Service | None = None
	if button_id.startswith(SERVICE_ROW):
		chosen = next((s for s in offer.catalog.services if s.service == button_id[len(SERVICE_ROW) :]), None)
	asking = bool(_QUESTION_RE.search(text))
	if chosen is None and "service_type" in expecting and not service_mention_blocked(text, 0, 0) and not asking:
		index = choose(text, [s.service_name for s in listed], [SERVICE_ROW + s.service for s in listed])
		chosen = listed[index] if index is not None else None
	if chosen is not None:
		result.fields["service_type"] = chosen.service_name
		result.about.add("service_type")  # the answer to the list
		return
	named = [
		s
		for s in _mentioned_services(offer, text)
		# "address: Foam Wash Lane": a name inside another value the rules read is no choice
		if not any(s.service_name.lower() in (value or "").lower() for value in ruled.values())
	]
	chosen = named[0] if len(named) == 1 else None
	if asking:
		if ruled.get("service_type"):
			result.dropped.add("service_type")  # the rules' reading of the question too
		return  # "what is foam wash?": a question, not a choice
	if chosen is not None and not (set(ruled) - {"service_type", "addons"}) and len(text.split()) <= 6:
		# "foam wash kar do", "foam wash instead": a short message about nothing else is about
		# the service, and may change it
		result.fields["service_type"] = chosen.service_name
		result.about.add("service_type")
		return
	if chosen is None and ruled.get("service_type"):
		chosen = _catalog_service_for(offer, ruled["service_type"], vehicle_type)
		if chosen is None:
			names = ", ".join(s.service_name for s in listed)
			result.invalid["service_type"] = f"We don't offer {ruled['service_type']}. Please choose from: {names}."
			result.dropped.add("service_type")
			return
	if chosen is not None:
		result.fields["service_type"] = chosen.service_name  # in passing: fills a gap only


def _read_addons(
	offer: Offer,
	text: str,
	button_id: str,
	values: Mapping[str, str | None],
	service_name: str | None,
	ruled: Mapping[str, str],
	result: Choices,
) -> None:
	"""Add-ons added or taken off, decided clause by clause next to each name: "polish nahi
	chahiye, tyre shine add karo" takes one off and adds the other."""
	chosen = _service(offer, service_name)
	if chosen is None:
		return
	optional = offer.catalog.optional_addons(chosen.service)
	current = chosen_addons(values)
	added: list[str] = []
	removed: set[str] = set()
	if button_id.startswith(ADDON_ROW):
		added = [a.addon_name for a in optional if a.addon == button_id[len(ADDON_ROW) :]]
	else:
		# "address: 4 Eco Park Road": words inside another value the rules read are not an add-on
		inside = _words_of_other_values(ruled)
		for clause in _CLAUSE_RE.split(text):
			tokens = [t for t in re.findall(r"[a-z0-9]+", (clause or "").lower()) if t not in inside]
			named = [a for a in optional if _names_addon(tokens, a.addon_name)]
			if not named:
				continue
			if _REMOVE_RE.search(clause):
				removed |= {a.addon_name for a in named}
			else:
				added += [a.addon_name for a in named if a.addon_name not in added]
	if not (added or removed):
		return
	kept = [name for name in current if name not in removed]
	value = ", ".join(kept + [name for name in added if name not in kept and name not in removed])
	result.fields["addons"] = value or NO_ADDONS
	result.about.add("addons")


def _read_utilities(
	text: str, asked: Sequence[str], needed: Sequence[str], result: Choices, whole: str | None = None
) -> None:
	"""Yes / no for water and electricity: "haan dono", "only water", "bijli nahi hai". Unasked,
	only a utility the booking needs, named with its answer ("bijli nahi milegi")."""
	answers: dict[str, str] = {}
	if not (_WATER_RE.search(text) or _POWER_RE.search(text)):
		if not asked or not _BARE_ANSWER_RE.match((whole or text).strip()):
			return  # the whole message must be the answer ("ok Flat 9, ..." is an address)
	clauses = [c for c in _CLAUSE_RE.split(text) if c and c.strip()]
	only = None
	clauses = [part for clause in clauses for part in _per_utility(clause)]
	for clause in clauses:
		names = [
			name
			for name, pattern in zip(UTILITY_FIELDS, (_WATER_RE, _POWER_RE))
			if pattern.search(clause)
		]
		if _ONLY_RE.search(clause) and len(names) == 1:
			only = names[0]
		no = bool(_NO_RE.search(clause))
		yes = bool(_YES_RE.search(clause))
		if not (no or yes or (names and only == names[0])):
			continue  # "water" with no yes or no is no answer
		targets = names or [name for name in asked if name not in answers]
		for name in targets:
			answers[name] = "No" if no else "Yes"
	if only:
		answers = {name: ("Yes" if name == only else "No") for name in {*asked, only}}
	for name, answer in answers.items():
		if name in asked or name in needed or _PLAIN_UTILITY_RE.search(text):
			result.fields[name] = answer
			result.about.add(name)


def _words_of_other_values(ruled: Mapping[str, str]) -> set[str]:
	"""The words of what the rules read for other fields (an address, a name, notes)."""
	return {
		word
		for name, value in ruled.items()
		if name not in ("service_type", "addons")
		for word in re.findall(r"[a-z0-9]+", str(value or "").lower())
	}


def _per_utility(clause: str) -> list[str]:
	"""A clause naming both utilities split so each yes / no goes with the nearer one ("water
	yes electricity no", "paani nahi hai bijli hai"); a tie goes to the one before."""
	tokens = clause.split()
	marks = [
		i for i, token in enumerate(tokens) if _WATER_RE.fullmatch(token) or _POWER_RE.fullmatch(token)
	]
	if len(marks) < 2:
		return [clause]
	parts: dict[int, list[str]] = {m: [] for m in marks}
	for i, token in enumerate(tokens):
		nearest = min(marks, key=lambda m: (abs(m - i), m > i))
		parts[nearest].append(token)
	return [" ".join(parts[m]) for m in marks]


def read_choices(
	offer: Offer,
	text: str | None,
	button_id: str | None,
	values: Mapping[str, str | None],
	ruled: Mapping[str, str],
	expecting: Sequence[str],
) -> Choices:
	"""What the message chose from the catalog, beside what the rules read (`ruled`). A list
	row's id decides alone; a typed answer counts for the list the bot just sent."""
	text = (text or "").strip()
	row = (button_id or "").strip()
	result = Choices({}, {}, set(), set())
	if row.startswith(SLOT_ROW):
		result.fields["time_slot"] = row[len(SLOT_ROW) :]
		result.about.add("time_slot")
		return result
	if row.startswith(DAY_SLOT_ROW) and "|" in row:  # a slot of the next open day: both at once
		day, slot = row[len(DAY_SLOT_ROW) :].split("|", 1)
		result.fields.update({"appointment_date": day, "time_slot": slot})
		result.about.update(("appointment_date", "time_slot"))
		return result
	if row.startswith(DATE_ROW):
		result.fields["appointment_date"] = row[len(DATE_ROW) :]
		result.about.add("appointment_date")
		return result
	if not row.startswith(ADDON_ROW):
		_read_service(offer, text, row, values, ruled, expecting, result)
	service_name = result.fields.get("service_type") or values.get("service_type")
	if not row.startswith(SERVICE_ROW):
		_read_addons(offer, text, row, values, service_name, ruled, result)
	if "addons" in result.fields and "service_type" in result.dropped:
		# "polish bhi kar do" with Premium Wash chosen: the rules' "Polishing" was the add-on
		result.invalid.pop("service_type", None)
	asked_utilities = [name for name in UTILITY_FIELDS if name in expecting]
	needed = _utilities_needed(offer, {**values, **result.fields})
	volunteered = bool(_PLAIN_UTILITY_RE.search(text))  # "bijli hai" before the bot asks
	if not row and (asked_utilities or needed or volunteered):
		# "Flat 4, Power House Road": a word of the address is no answer about electricity
		inside = _words_of_other_values(ruled)
		own = " ".join(w for w in text.split() if re.sub(r"[^a-z0-9]", "", w.lower()) not in inside)
		_read_utilities(own if inside else text, asked_utilities, needed, result, whole=text)
	return result


def _utilities_needed(offer: Offer, values: Mapping[str, str | None]) -> list[str]:
	chosen = _service(offer, values.get("service_type"))
	if chosen is None:
		return []
	try:
		needed = utilities_needed(offer.catalog, chosen.service, chosen_addons(values))
	except CatalogError:
		return []
	return [name for name, need in zip(UTILITY_FIELDS, (needed.water, needed.electricity)) if need]
