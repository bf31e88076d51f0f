"""Car brands, models and vehicle types as Indian customers write them.

`find_vehicle` reads a brand, model and/or vehicle type out of free text, tolerant of
spacing ("wagon r", "XUV-700") and small typos ("Hundai", "scorpoi"), while refusing to see
cars in ordinary words ("which city", "create a booking", "MG Road").
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

HATCHBACK, SEDAN, SUV, MUV = "Hatchback", "Sedan", "SUV", "MUV"

BRAND_MODELS: dict[str, dict[str, str]] = {
	"Maruti Suzuki": {
		"Swift": HATCHBACK,
		"Baleno": HATCHBACK,
		"Alto": HATCHBACK,
		"WagonR": HATCHBACK,
		"Dzire": SEDAN,
		"Ciaz": SEDAN,
		"Brezza": SUV,
		"Ertiga": MUV,
		"Celerio": HATCHBACK,
		"Ignis": HATCHBACK,
		"S-Presso": HATCHBACK,
		"XL6": MUV,
		"Grand Vitara": SUV,
		"Fronx": SUV,
		"Jimny": SUV,
	},
	"Hyundai": {
		"i10": HATCHBACK,
		"Grand i10": HATCHBACK,
		"i20": HATCHBACK,
		"Santro": HATCHBACK,
		"Verna": SEDAN,
		"Creta": SUV,
		"Venue": SUV,
		"Alcazar": SUV,
		"Tucson": SUV,
		"Aura": SEDAN,
		"Exter": SUV,
	},
	"Tata": {
		"Nexon": SUV,
		"Punch": SUV,
		"Tiago": HATCHBACK,
		"Tigor": SEDAN,
		"Altroz": HATCHBACK,
		"Harrier": SUV,
		"Safari": SUV,
	},
	"Mahindra": {
		"Scorpio": SUV,
		"Scorpio N": SUV,
		"XUV300": SUV,
		"XUV500": SUV,
		"XUV700": SUV,
		"XUV 3XO": SUV,
		"Thar": SUV,
		"Bolero": SUV,
		"Marazzo": MUV,
	},
	"Honda": {
		"City": SEDAN,
		"Amaze": SEDAN,
		"Jazz": HATCHBACK,
		"WR-V": SUV,
		"Elevate": SUV,
	},
	"Toyota": {
		"Innova": MUV,
		"Innova Crysta": MUV,
		"Innova Hycross": MUV,
		"Fortuner": SUV,
		"Glanza": HATCHBACK,
		"Urban Cruiser Hyryder": SUV,
		"Camry": SEDAN,
		"Etios": SEDAN,
	},
	"Kia": {
		"Seltos": SUV,
		"Sonet": SUV,
		"Carens": MUV,
		"Carnival": MUV,
	},
	"MG": {
		"Hector": SUV,
		"Astor": SUV,
		"ZS EV": SUV,
		"Comet": HATCHBACK,
	},
	"Renault": {
		"Kwid": HATCHBACK,
		"Triber": MUV,
		"Kiger": SUV,
		"Duster": SUV,
	},
	"Nissan": {
		"Magnite": SUV,
		"Sunny": SEDAN,
	},
	"Skoda": {
		"Slavia": SEDAN,
		"Kushaq": SUV,
		"Octavia": SEDAN,
		"Superb": SEDAN,
		"Rapid": SEDAN,
	},
	"Volkswagen": {
		"Polo": HATCHBACK,
		"Virtus": SEDAN,
		"Taigun": SUV,
		"Vento": SEDAN,
	},
	"Ford": {
		"EcoSport": SUV,
		"Figo": HATCHBACK,
		"Aspire": SEDAN,
		"Endeavour": SUV,
	},
	"BMW": {
		"3 Series": SEDAN,
		"5 Series": SEDAN,
		"X1": SUV,
		"X3": SUV,
		"X5": SUV,
	},
	"Mercedes-Benz": {
		"C-Class": SEDAN,
		"E-Class": SEDAN,
		"GLA": SUV,
		"GLC": SUV,
		"GLE": SUV,
	},
	"Audi": {
		"A4": SEDAN,
		"A6": SEDAN,
		"Q3": SUV,
		"Q5": SUV,
		"Q7": SUV,
	},
}

# Lower-case spellings (and common misspellings) -> brand. Multi-word aliases are matched
# as phrases; the canonical names are included so one table answers every lookup.
BRAND_ALIASES: dict[str, str] = {
	"maruti suzuki": "Maruti Suzuki",
	"maruti": "Maruti Suzuki",
	"maruthi": "Maruti Suzuki",
	"suzuki": "Maruti Suzuki",
	"hyundai": "Hyundai",
	"hundai": "Hyundai",
	"hyundae": "Hyundai",
	"huyndai": "Hyundai",
	"tata": "Tata",
	"tata motors": "Tata",
	"mahindra": "Mahindra",
	"mahindra and mahindra": "Mahindra",
	"honda": "Honda",
	"toyota": "Toyota",
	"tayota": "Toyota",
	"kia": "Kia",
	"kia motors": "Kia",
	"mg": "MG",
	"mg motor": "MG",
	"morris garages": "MG",
	"renault": "Renault",
	"nissan": "Nissan",
	"skoda": "Skoda",
	"volkswagen": "Volkswagen",
	"volkswagon": "Volkswagen",
	"vw": "Volkswagen",
	"ford": "Ford",
	"bmw": "BMW",
	"mercedes": "Mercedes-Benz",
	"mercedes benz": "Mercedes-Benz",
	"benz": "Mercedes-Benz",
	"merc": "Mercedes-Benz",
	"audi": "Audi",
}

# Other spellings of models -> canonical model name.
MODEL_ALIASES: dict[str, str] = {
	"wagon r": "WagonR",
	"swift dzire": "Dzire",
	"vitara brezza": "Brezza",
	"vitara": "Grand Vitara",
	"alto k10": "Alto",
	"alto 800": "Alto",
	"grand i10 nios": "Grand i10",
	"i10 nios": "Grand i10",
	"nios": "Grand i10",
	"crysta": "Innova Crysta",
	"hycross": "Innova Hycross",
	"hyryder": "Urban Cruiser Hyryder",
	"hyrider": "Urban Cruiser Hyryder",
	"urban cruiser": "Urban Cruiser Hyryder",
	"scorpio classic": "Scorpio",
	"3xo": "XUV 3XO",
	"thaar": "Thar",
	"eco sport": "EcoSport",
	"ecosport": "EcoSport",
	"etios liva": "Etios",
	"c class": "C-Class",
	"e class": "E-Class",
	"zsev": "ZS EV",
}

# Plain words that are also model names: read as the model only with support (see
# find_vehicle). "City" is the strictest: "which city" / "my city is Pune" are common.
AMBIGUOUS_MODELS = frozenset(
	{
		"City",
		"Punch",
		"Safari",
		"Venue",
		"Aura",
		"Comet",
		"Exter",
		"Glanza",
		"Rapid",
		"Superb",
		"Aspire",
		"Endeavour",
		"Carnival",
		"Duster",
		"Sunny",
		"Hector",
		"Jazz",
		"Harrier",
		"Astor",
		"Tucson",
		"Amaze",
		"Elevate",
		"Octavia",
	}
)
STRICT_MODELS = frozenset({"City"})
# Brand words with an everyday meaning: "kia" is Hinglish "did" ("book kia"), "MG Road".
AMBIGUOUS_BRANDS = frozenset({"kia", "mg", "tata"})

VEHICLE_TYPE_WORDS: dict[str, str] = {
	"hatchback": HATCHBACK,
	"hatch back": HATCHBACK,
	"hatch": HATCHBACK,
	"sedan": SEDAN,
	"saloon": SEDAN,
	"suv": SUV,
	"compact suv": SUV,
	"muv": MUV,
	"mpv": MUV,
	"bike": "Bike",
	"motorcycle": "Bike",
	"motorbike": "Bike",
	"scooter": "Bike",
	"scooty": "Bike",
	"two wheeler": "Bike",
}

# Words that say "this is about my vehicle" and so let an ambiguous model name count.
VEHICLE_CONTEXT_WORDS = frozenset(
	"car cars gaadi gadi gaddi vehicle model owner own have drive drives my mera meri mere "
	"apni apna hamari hamara wash".split()
)
# Words that may sit next to a lone model name without making it something else.
_SOLE_FILLER = frozenset(
	"it is its it's the a an hai h he ji car gaadi gadi gaddi my mera meri mere model sir mam "
	"please pls plz wali wala vala vali hamari hamara apni apna have i ok okay".split()
)
# Real words one typo away from a model or brand (found by checking an English word list);
# they are never fuzzed.
_NOT_FUZZY = frozenset(
	"tribes virtue virtues fortune fortunes slavic vernal cretan mercies sonnet sonnets verona".split()
)
_NO_JOIN_FIRST = frozenset("i a an to in on at is it of or and my me".split())


def _key(text: str) -> str:
	return re.sub(r"[^a-z0-9]", "", text.lower())


_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def tokenize(text: str) -> list[str]:
	"""Lower-case word tokens; hyphenated and apostrophe words stay one token ("wr-v")."""
	return _TOKEN_RE.findall(str(text or "").lower())


MODEL_BRAND: dict[str, str] = {
	model: brand for brand, models in BRAND_MODELS.items() for model, _ in models.items()
}
MODEL_TYPE: dict[str, str] = {
	model: vtype for models in BRAND_MODELS.values() for model, vtype in models.items()
}


def _build_indexes() -> tuple[
	dict[str, str], dict[tuple[str, ...], str], dict[str, str], dict[tuple[str, ...], str]
]:
	"""Single-token keys and multi-token phrases for models and brands."""
	model_keys: dict[str, str] = {}
	model_phrases: dict[tuple[str, ...], str] = {}
	spellings = [(model, model) for model in MODEL_BRAND] + list(MODEL_ALIASES.items())
	for spelling, model in spellings:
		model_keys[_key(spelling)] = model
		words = tuple(re.findall(r"[a-z0-9]+", spelling.lower()))
		if len(words) > 1:
			model_phrases[words] = model
	brand_keys: dict[str, str] = {}
	brand_phrases: dict[tuple[str, ...], str] = {}
	for alias, brand in BRAND_ALIASES.items():
		words = tuple(alias.split())
		if len(words) > 1:
			brand_phrases[words] = brand
		else:
			brand_keys[alias] = brand
	return model_keys, model_phrases, brand_keys, brand_phrases


MODEL_KEYS, MODEL_PHRASES, BRAND_KEYS, BRAND_PHRASES = _build_indexes()
TYPE_PHRASES: dict[tuple[str, ...], str] = {
	tuple(word.split()): vtype for word, vtype in VEHICLE_TYPE_WORDS.items()
}

# Fuzzy candidates: alphabetic keys of 5+ letters only; short names ("Thar", "X1") match exactly.
# Plain-word models ("Venue", "Sunny") match only exactly: "venus", "sunni" are not cars.
_FUZZY_MODELS = tuple(
	_key(spelling)
	for spelling, model in [(m, m) for m in MODEL_BRAND] + list(MODEL_ALIASES.items())
	if len(spelling) >= 5 and spelling.isalpha() and model not in AMBIGUOUS_MODELS
)
_FUZZY_BRANDS = tuple(k for k in BRAND_KEYS if len(k) >= 5 and k.isalpha())
_FUZZY_TYPES = tuple(k for k in VEHICLE_TYPE_WORDS if len(k) >= 5 and k.isalpha())


def close_match(
	word: str,
	candidates: tuple[str, ...] | list[str],
	blocked: frozenset[str] = frozenset(),
	min_length: int = 5,
) -> str | None:
	"""The candidate one typo away from `word` (two for long words), or None.

	OSA distance counts a swap ("confrim", "scorpoi") as one edit. The word needs
	`min_length` letters and the candidate's first letter: short words are too close to
	each other ("virus" is one edit from "Virtus").
	"""
	if len(word) < min_length or not word.isalpha() or word in blocked:
		return None
	best: str | None = None
	best_distance = 3
	for candidate in candidates:
		if candidate[0] != word[0] or abs(len(candidate) - len(word)) > 2:
			continue
		allowed = 2 if len(candidate) >= 8 else 1
		distance = OSA.distance(word, candidate, score_cutoff=allowed)
		if distance <= allowed and distance < best_distance:
			best, best_distance = candidate, distance
	return best


def _match_at(tokens: list[str], i: int, fuzzy: bool = True) -> tuple[str, str, int] | None:
	"""(kind, value, length) of the brand/model/type starting at token i; longest wins."""
	for n in (4, 3, 2):
		if i + n > len(tokens):
			continue
		words = tuple(tokens[i : i + n])
		if words in MODEL_PHRASES:
			return "model", MODEL_PHRASES[words], n
		if words in BRAND_PHRASES:
			return "brand", BRAND_PHRASES[words], n
		if words in TYPE_PHRASES:
			return "type", TYPE_PHRASES[words], n
		joined = _key("".join(words))
		# "wagon r", "xuv 700", "eco sport"; never "i 10" or "at 10" glued into a model.
		if len(joined) >= 5 and words[0] not in _NO_JOIN_FIRST and joined in MODEL_KEYS:
			return "model", MODEL_KEYS[joined], n
	token = tokens[i]
	key = _key(token)
	if not key:
		return None
	if key in MODEL_KEYS:
		return "model", MODEL_KEYS[key], 1
	if key in BRAND_KEYS:
		return "brand", BRAND_KEYS[key], 1
	if (token,) in TYPE_PHRASES:
		return "type", TYPE_PHRASES[(token,)], 1
	if not fuzzy:
		return None
	# Car-name typos need 6+ letters: 5-letter English words sit one edit from too many cars.
	fuzzy = close_match(key, _FUZZY_MODELS, _NOT_FUZZY, 6)
	if fuzzy:
		return "fuzzy_model", MODEL_KEYS[fuzzy], 1
	fuzzy = close_match(key, _FUZZY_BRANDS, _NOT_FUZZY, 6)
	if fuzzy:
		return "brand", BRAND_KEYS[fuzzy], 1
	fuzzy = close_match(key, _FUZZY_TYPES, _NOT_FUZZY, 6)
	if fuzzy:
		return "type", VEHICLE_TYPE_WORDS[fuzzy], 1
	return None


def _scan(tokens: list[str], fuzzy: bool = True) -> list[tuple[str, str, int, int]]:
	"""Every (kind, value, start, length) found, left to right, without overlaps."""
	found = []
	i = 0
	while i < len(tokens):
		hit = _match_at(tokens, i, fuzzy)
		if hit:
			kind, value, n = hit
			found.append((kind, value, i, n))
			i += n
		else:
			i += 1
	return found


def is_vehicle_word(word: str) -> bool:
	"""True if a single word is exactly a brand, an unambiguous model or a vehicle type.

	Used to keep car words out of names. Ambiguous models ("Sunny", "Hector") and typo
	matches ("Mahendra" is a first name as well as a misspelt Mahindra) do not count.
	"""
	tokens = tokenize(word)
	if len(tokens) != 1:
		return False
	hit = _match_at(tokens, 0, fuzzy=False)
	if not hit:
		return False
	kind, value, _ = hit
	if kind in ("model", "fuzzy_model"):
		return value not in AMBIGUOUS_MODELS
	if kind == "brand":
		return tokens[0] not in AMBIGUOUS_BRANDS
	return True


def find_vehicle(text: str, *, vehicle_context: bool = False, exact: bool = False) -> dict[str, str]:
	"""vehicle_brand / vehicle_model / vehicle_type named in `text` (any subset, maybe none).

	A model implies its brand and type; an explicit type word ("sedan") wins over the
	model's usual type. Ambiguous plain-word models (Punch, Safari, Venue...) count only
	with their brand in the message, a vehicle word (car, gaadi, my, ...), as the whole
	message, or with `vehicle_context` (the bot just asked for the car). "City" needs its
	brand, the whole message or `vehicle_context`. Ambiguous brand words (kia, mg, tata)
	need one of their models, a car word or type next to them, the whole message or
	`vehicle_context`. `exact=True` turns typo matching off.
	"""
	tokens = tokenize(text)[:400]  # a car is named early; bounds the work on 4096-char input
	if not tokens:
		return {}
	hits = _scan(tokens, fuzzy=not exact)
	if not hits:
		return {}
	brands_named = {value for kind, value, _, _ in hits if kind == "brand"}
	covered = {j for _, _, start, n in hits for j in range(start, start + n)}
	rest = [t for j, t in enumerate(tokens) if j not in covered and t not in _SOLE_FILLER]
	sole = not rest
	has_context = vehicle_context or any(t in VEHICLE_CONTEXT_WORDS for t in tokens)

	def model_ok(model: str) -> bool:
		if model not in AMBIGUOUS_MODELS or MODEL_BRAND[model] in brands_named or sole or vehicle_context:
			return True
		return model not in STRICT_MODELS and has_context

	def brand_ok(start: int, n: int) -> bool:
		word = " ".join(tokens[start : start + n])
		if word not in AMBIGUOUS_BRANDS:
			return True
		if sole or vehicle_context:
			return True
		neighbours = tokens[max(0, start - 1) : start] + tokens[start + n : start + n + 1]
		if word == "mg" and neighbours[-1:] and neighbours[-1] in ("road", "rd", "marg", "nagar", "colony"):
			return False
		return any(t in VEHICLE_CONTEXT_WORDS or (t,) in TYPE_PHRASES for t in neighbours)

	result: dict[str, str] = {}
	models = [
		(value, start)
		for kind, value, start, _ in hits
		if kind in ("model", "fuzzy_model") and model_ok(value)
	]
	if models:
		# Prefer a model of the brand the customer named ("Tata Safari", not a stray "Venue").
		model = next((m for m, _ in models if MODEL_BRAND[m] in brands_named), models[0][0])
		result["vehicle_brand"] = MODEL_BRAND[model]
		result["vehicle_model"] = model
		result["vehicle_type"] = MODEL_TYPE[model]
	else:
		for kind, value, start, n in hits:
			if kind == "brand" and brand_ok(start, n):
				result["vehicle_brand"] = value
				break
	types = [value for kind, value, _, _ in hits if kind == "type"]
	if types:
		result["vehicle_type"] = types[0]
	return result
