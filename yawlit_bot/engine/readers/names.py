"""The customer's name: "mera naam ...", "I am ...", "this is ... here", an honorific, or a bare
reply when the bot asked. Words that are greetings, cars, places or fillers never become a name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from yawlit_bot.engine.intents import Intent, read_intent
from yawlit_bot.engine.places import (
	ADDRESS_WORDS,
	CITY_WORDS,
	LOCALITIES,
	looks_like_place,
)
from yawlit_bot.engine.readers.text import (
	ANSWER,
	EDIT_WORDS,
	MASK,
	STATED,
	SYMBOLS_RE,
	Context,
	Extraction,
	Text,
	put,
	strip_tail,
)
from yawlit_bot.engine.vocab import (
	AMBIGUOUS_MODELS,
	BRAND_ALIASES,
	find_vehicle,
	is_vehicle_word,
	tokenize,
)

# A letter of any script, the Indic scripts' vowel signs included (they are marks, not letters).
# The two branches are disjoint: a character both could match made `{_LETTER}+` try every way
# of splitting a long Indic word between them, time doubling with each letter.
_INDIC = "\u0900-\u0dff"

_LETTER = rf"(?:[^\W\d_{_INDIC}]|[{_INDIC}])"

_NAME_WORD = rf"{_LETTER}+(?:['.\-]{_LETTER}+)*\.?"

_NAME_INTRO_RE = re.compile(
	r"\b(?P<intro>my\s+name\s+is|my\s+name'?s|name\s*(?:is|:|-|=)|(?:naam|nam)(?:\s*(?:is|hai|:|-|toh|to))?|mera\s+(?:naam|nam)"
	r"|name(?=\s+(?-i:[A-Z]))"
	r"|i\s+am|i'm|im|this\s+is|myself)"
	rf"\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}})",
	re.I,
)

_HONORIFIC = r"(?:mr|mrs|ms|shri|shree|sri|smt|dr|miss)\.?"

_HONORIFICS = frozenset("mr mrs ms shri shree sri smt dr miss".split())

# Greetings Indian customers open with, in several languages.
_GREETINGS = (
	r"hi+|hello|hey|namaste|namaskar|namaskaram|vanakkam|nomoskar|good\s+\w+|ji|ram\s+ram|radhe\s+radhe"
	r"|jai\s+(?:shri|shree|sri)\s+\w+|jai\s+hind|jai\s+mata\s+di|sat\s+sri\s+akal|salaam|adaab|kem\s+cho"
)

_GREETING_START = rf"^(?:(?:{_GREETINGS})[\s,!.]+)*"

# "Ravi here", "Mr. Joseph here", "Ravi Kumar this side", "Rajesh bol raha hoon".
_NAME_HERE_RE = re.compile(
	_GREETING_START + rf"(?:(?:main|mai|mein)\s+)?(?:{_HONORIFIC}\s+)?"
	rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})\s+"
	r"(?:here|this\s+side|speaking|bol\s*(?:raha|rahi|rha|rhi|rahe)|bool\s*raha)\b",
	re.I,
)

# "Main Ravi Sharma hoon" (Hinglish: I am Ravi Sharma).
_MAIN_HOON_RE = re.compile(
	rf"(?:^|[,.!]\s*|\b(?:ji|haan|hello|hi|namaste)\s+)(?:main|mai|mein)\s+(?:{_HONORIFIC}\s+)?"
	rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})\s+(?:hoon|hu|hun|hoo|hai)\b",
	re.I,
)

# Whose name: "driver ka naam", "my son's name", "uska naam".
SOMEBODY_ELSES_RE = re.compile(
	r"(?:\b\w+\s+(?:ka|ki|ke)\s*$|\b\w+'s\s*$|\b(?:uska|uski|unka|unki|his|her|their)\s*$)", re.I
)

# "near Dr. Sharma clinic" is a landmark; "Jai Shree Krishna" a greeting.
_LANDMARK_BEFORE_RE = re.compile(
	r"\b(?:near|opp|opposite|behind|beside|besides|next\s+to|paas|saamne|samne|jai)\.?\s*$", re.I
)

_THIRD_PERSON = frozenset("ne ka ki ke ko se ji ne's".split())

# "Mr. Joseph", "Dr Anil Mehta": an honorific names a person, unless a street follows
# ("Dr Ambedkar Road").
_HONORIFIC_NAME_RE = re.compile(
	rf"(?<![\w{MASK}])(?:mr|mrs|ms|smt|dr|shri|shree)\.?\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})",
	re.I,
)

# Words that end a name ("I am Ravi from Pune", "mera naam Ravi hai").
_NAME_ENDERS = frozenset(
	"and aur from se hai hain hoon hu hun h here with my mera meri or ji sir speaking bol "
	"calling writing".split()
)

# Words that are never a name, so "I am looking for a wash" and "haan" give no name.
NOT_NAMES = frozenset(
	"""
	a an the this that these those it its his her their our your my mine me we us you he she they
	i am is are was were be been being not no yes yeah yep ok okay okk fine good great well sure
	here there from of for to by at in on near with without about into out over under up down off
	and or but if then so also just very really still again already only even too
	looking interested interest planning thinking trying wondering checking asking calling writing
	waiting coming going leaving staying living working travelling traveling sending messaging texting
	contacting reaching searching hoping having facing getting using booking washing cleaning
	available free busy ready new old regular existing urgent confused worried tired unable able glad
	happy sorry late early fine outside inside home office away based located owner customer user client
	member resident glad back done finished sorted bahar ghar yahan wahan pareshan
	typo spelling actually real surname kyu kyun kyon why what who how when where which
	vanakkam namaskaram nomoskar salaam adaab jai hind
	wait hold minute minutes min mins sec secs second seconds moment one ek do abhi form bhej bhejta
	bhejti raha rahi rha rhi rahe later baad dekh dekhta check hang sorry oops hmm arre arey
	haan han ha haa ji jee nahi nahin nhi na hai hain hoon hu hun tha thi kya kaise kab kahan kyun kitna
	kitne kitni main mai mera meri mere hum humara hamara apna apni aap tum tu wo woh ye yeh kuch sab
	bahut bohot bilkul abhi baad pehle phir fir wala wali vala vali ka ki ke ko se me mein par pe tak bhi
	toh na hi ya chahiye chahte chahta chahti karna karni karo kar do dena sakta sakti batao bataiye
	bolo bol suno achha accha acha achcha theek thik sahi galat bas
	kal aaj aj parso today tomorrow tmrw tonight morning evening afternoon night noon subah shaam sham
	dopahar raat baje
	monday tuesday wednesday thursday friday saturday sunday
	hi hii hello helo hey namaste namaskar thanks thank please pls plz sir madam mam bhai bhaiya boss
	rate price cost charge charges wash washing cleaning service services premium basic interior polish
	polishing detailing driver driving package car cars gaadi gadi vehicle bike scooter booking book
	slot time date address pincode pin phone mobile number email mail name naam confirm cancel edit
	change update details detail location first last second full
	want need needs required require like love
	""".split()
)

_LEADING_FILLER_RE = re.compile(
	rf"^(?:(?:{_GREETINGS}|haan|han|ok|okay|sure|yes|sir|madam|mam|bhai|bhaiya|dear|its|it's|it\s+is"
	r"|main|mai|myself|i\s+am|i'm|im|this\s+is)\b[\s,.!:-]*)+",
	re.I,
)

_TRAILING_NAME_CHARS = " \t\n,.!"

_TRAILING_NAME_WORD_RE = re.compile(
	r"\b(?:here|hai|hoon|hu|hun|ji|sir|madam|this\s+side|speaking|pls|plz|please|thanks|thank\s+you)$", re.I
)


def _is_name_word(word: str) -> bool:
	lower = word.lower().rstrip(".")
	if re.search(r"'s$|’s$", lower):
		return False  # "Rahul's driver": somebody else's
	if len(lower) == 1:
		return lower.isalpha()  # an initial ("Ravi K."); callers require a longer first word
	if (
		lower in NOT_NAMES
		or lower in CITY_WORDS
		or lower in LOCALITIES
		or lower in ADDRESS_WORDS
		or lower in _HONORIFICS
	):
		return False
	if len(lower) >= 6 and lower.endswith("ing"):
		return False  # "looking", "calling"
	if read_intent(word).intent is not None:
		return False
	return not is_vehicle_word(word)


def name_from_words(words: list[str]) -> tuple[list[str], int] | None:
	"""Up to three name words from the start of `words` (after "Mr", "Dr"...) and how many
	words that used, or None if the first is no name."""
	skipped = 0
	while skipped < len(words) and words[skipped].lower().rstrip(".") in _HONORIFICS:
		skipped += 1
	taken: list[str] = []
	for word in words[skipped : skipped + 3]:
		if word.lower() in _NAME_ENDERS or not _is_name_word(word):
			break
		taken.append(word.rstrip("."))
	if not taken or len(taken[0]) < 2:
		return None
	following = words[skipped + len(taken) : skipped + len(taken) + 2]
	ends_sentence = words[skipped + len(taken) - 1].endswith(
		(".", ",", ";")
	)  # "I am Vikram Singh. House 221"
	if not ends_sentence and any(w.lower().strip(".,") in ADDRESS_WORDS for w in following):
		return None  # "Green Park Society", "Dr Ambedkar Road": a place, not a person
	return taken, skipped + len(taken)


def store_name(
	result: Extraction, words: list[str], today: date, expecting: Sequence[str] = (), basis: str = STATED
) -> bool:
	if len(words) == 1:
		target = "last_name" if "last_name" in expecting and "first_name" not in expecting else "first_name"
		return put(result, target, words[0], today, basis=basis)
	first_ok = put(result, "first_name", " ".join(words[:-1]), today, basis=basis)
	last_ok = put(result, "last_name", words[-1], today, basis=basis)
	return first_ok or last_ok


def _take_words(text: Text, match: re.Match, count: int) -> None:
	word_ends = [m.end() for m in re.finditer(r"\S+", match["name"])]
	text.take(match.start("name"), match.start("name") + word_ends[count - 1], "name")


def read_name_pattern(text: Text, result: Extraction, context: Context) -> None:
	today = context.today
	for pattern in (_NAME_HERE_RE, _MAIN_HOON_RE):
		match = pattern.search(text.text)
		if match:
			words = [w.rstrip(".") for w in match["name"].split()]
			if all(_is_name_word(w) for w in words) and store_name(result, words, today):
				text.take(match.start("name"), match.end("name"), "name")
				return
	for match in _NAME_INTRO_RE.finditer(text.text):
		if SOMEBODY_ELSES_RE.search(text.text[max(0, match.start("intro") - 25) : match.start("intro")]):
			continue  # "driver ka naam Suresh hai", "my friend's name is"
		words = match["name"].split()
		intro = re.sub(r"\s+", " ", match["intro"].lower())
		if intro == "this is" and not (words[0][:1].isupper() or _ends_after(text.text, match, len(words))):
			continue  # "this is urgent": only a capitalised word or one ending the message
		found = name_from_words(words)
		if found and store_name(result, found[0], today):
			_take_words(text, match, found[1])
			return
	for match in _HONORIFIC_NAME_RE.finditer(text.text):
		if _LANDMARK_BEFORE_RE.search(text.text[max(0, match.start() - 12) : match.start()]):
			continue  # "near Dr. Sharma clinic": a landmark in an address
		found = name_from_words(match["name"].split())
		after = text.text[match.start("name") :].split()[found[1] : found[1] + 2] if found else []
		if any(w.lower() in _THIRD_PERSON for w in after):
			continue  # "Mr. Bhatia ne recommend kiya": somebody else
		if found and store_name(result, found[0], today):
			_take_words(text, match, found[1])
			return


def _ends_after(text: str, match: re.Match, count: int) -> bool:
	rest = text[match.start("name") :].split()
	return len(rest) <= count + 1


def read_name_reply(text: Text, result: Extraction, context: Context) -> None:
	"""The bot asked for the name: a short reply of name words is the name. Never a place:
	a clause that names one is skipped, and with a place in the message a lone word is too
	("Baner, Pune" and "Wakad, near Phoenix mall" are where the customer is, not who)."""
	today, expecting = context.today, context.expecting
	if "?" in text.original:
		return  # "naam kyu chahiye?" asks, it does not answer
	place_in_message = looks_like_place(text.original)
	if re.search(r"\b(?:surname|last\s+name)\b", text.original, re.I):
		expecting = ("last_name",)
	editing = read_intent(text.original).intent is Intent.EDIT
	for clause in re.split(rf"[,;\n|{MASK}]+|\s[-–—]+\s|:", text.text):
		clause = SYMBOLS_RE.sub(" ", clause)  # "Mohit Agarwal 👍"
		if editing:  # "change my name to Rohit", "naam galat hai, Rohit"
			clause = " ".join(w for w in clause.split() if w.lower().strip(".") not in EDIT_WORDS)
		clause = _LEADING_FILLER_RE.sub("", clause.strip())
		clause = strip_tail(clause, _TRAILING_NAME_CHARS, _TRAILING_NAME_WORD_RE).strip()
		if not clause:
			continue
		words = clause.split()
		if (
			not 1 <= len(words) <= 3
			or not all(re.fullmatch(_NAME_WORD, w) for w in words)
			or len(words[0].rstrip(".")) < 2
		):
			continue
		if any(not _is_name_word(w) for w in words) or _names_a_car(clause) or looks_like_place(clause):
			continue
		if place_in_message and len(words) < 2:
			continue
		if store_name(result, [w.strip(".") for w in words], today, expecting, basis=ANSWER):
			position = text.text.find(clause)
			if position >= 0:
				text.take(position, position + len(clause), "name")
			return


def is_person_name(value: str) -> bool:
	"""Could this be a person's name: name words only, no place, no car ("Baner Pune" is not)."""
	words = value.split()
	return (
		bool(words)
		and all(_is_name_word(w) for w in words)
		and not _names_a_car(value)
		and not (looks_like_place(value))
	)


def _names_a_car(text: str) -> bool:
	"""A brand or an unambiguous model ("Wagon R", "Maruti", "Tata Punch"), not "Sunny" or "Hector"."""
	found = find_vehicle(text, exact=True)
	model = found.get("vehicle_model")
	brand_written = any(token in BRAND_ALIASES for token in tokenize(text))
	return bool(model and (model not in AMBIGUOUS_MODELS or brand_written)) or (
		"vehicle_brand" in found and not model
	)
