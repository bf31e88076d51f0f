"""Indian scripts in customer text: digits of every script read as 0-9, and the Devanagari
words a booking needs (dates, times, "my name is", address words) read as their Hinglish
spelling, so one set of rules serves both scripts. Names and addresses keep their script:
only the words listed here are rewritten.
"""

from __future__ import annotations

import re
import unicodedata

# Devanagari word -> the Hinglish spelling the rules already read.
DEVANAGARI_WORDS: dict[str, str] = {
	# days and times
	"आज": "aaj",
	"कल": "kal",
	"परसों": "parso",
	"परसो": "parso",
	"सुबह": "subah",
	"सुबे": "subah",
	"दोपहर": "dopahar",
	"शाम": "shaam",
	"रात": "raat",
	"बजे": "baje",
	"बज": "baje",
	"तारीख": "tarikh",
	"समय": "samay",
	"टाइम": "time",
	"तारीख़": "tarikh",
	"डेट": "date",
	"सोमवार": "somvar",
	"मंगलवार": "mangalvar",
	"बुधवार": "budhvar",
	"गुरुवार": "guruvar",
	"शुक्रवार": "shukravar",
	"शनिवार": "shanivar",
	"रविवार": "ravivar",
	"अगले": "agle",
	"अगला": "agla",
	# hours said in words, and the fractions a time is said with ("साढ़े दस बजे": 10:30)
	"साढ़े": "saade",
	"साढे": "saade",
	"सवा": "sawa",
	"पौने": "paune",
	"डेढ़": "dedh",
	"डेढ": "dedh",
	"ढाई": "dhai",
	"एक": "ek",
	"दो": "do",
	"तीन": "teen",
	"चार": "chaar",
	"पांच": "paanch",
	"पाँच": "paanch",
	"छह": "chhe",
	"छः": "chhe",
	"सात": "saat",
	"आठ": "aath",
	"नौ": "nau",
	"दस": "das",
	"ग्यारह": "gyarah",
	"बारह": "barah",
	# people and places
	"मेरा": "mera",
	"मेरी": "meri",
	"मेरे": "mere",
	"नाम": "naam",
	"मैं": "main",
	"में": "mein",
	"हूं": "hoon",
	"हूँ": "hoon",
	"हूँ।": "hoon",
	"है": "hai",
	"हैं": "hain",
	"बोल": "bol",
	"रहा": "raha",
	"रही": "rahi",
	"पता": "pata",
	"पिन": "pin",
	"पिनकोड": "pincode",
	"शहर": "shehar",
	"रहता": "rehta",
	"रहती": "rehti",
	"नंबर": "number",
	"मोबाइल": "mobile",
	"फोन": "phone",
	"फ़ोन": "phone",
	"गाड़ी": "gaadi",
	"गाडी": "gaadi",
	"कार": "car",
	# actions
	"नहीं": "nahi",
	"नही": "nahi",
	"हाँ": "haan",
	"हां": "haan",
	"जी": "ji",
	"नमस्ते": "namaste",
	"हाय": "hi",
	"हेलो": "hello",
	"हैलो": "hello",
	"धन्यवाद": "dhanyavad",
	"करो": "karo",
	"कर": "kar",
	"करना": "karna",
	"चाहिए": "chahiye",
	"बुक": "book",
	"कैंसल": "cancel",
	"वॉश": "wash",
	"धुलाई": "wash",
	"को": "ko",
	"का": "ka",
	"की": "ki",
	"के": "ke",
	"और": "aur",
	"से": "se",
	"गलत": "galat",
	"लिखिए": "likhiye",
	"लिखिये": "likhiye",
	"लिखो": "likho",
	"लिखें": "likhe",
	"लिखना": "likhna",
	"सही": "sahi",
	"बदलना": "badalna",
	"बदलनी": "badalni",
	"बदल": "badal",
	"बदलो": "badlo",
	"नया": "naya",
	"नई": "nayi",
	# services and cars
	"प्रीमियम": "premium",
	"बेसिक": "basic",
	"इंटीरियर": "interior",
	"पॉलिश": "polish",
	"पोलिश": "polish",
	"डिटेलिंग": "detailing",
	"मारुति": "maruti",
	"मारुती": "maruti",
	"सुजुकी": "suzuki",
	"हुंडई": "hyundai",
	"हुंडाई": "hyundai",
	"होंडा": "honda",
	"टाटा": "tata",
	"महिंद्रा": "mahindra",
	"टोयोटा": "toyota",
	"किआ": "kia",
	"स्विफ्ट": "swift",
	"बलेनो": "baleno",
	"डिजायर": "dzire",
	"ऑल्टो": "alto",
	"वैगनआर": "wagonr",
	"ब्रेज़ा": "brezza",
	"ब्रेजा": "brezza",
	"अर्टिगा": "ertiga",
	"क्रेटा": "creta",
	"वेन्यू": "venue",
	"वरना": "verna",
	"नेक्सन": "nexon",
	"पंच": "punch",
	"टियागो": "tiago",
	"स्कॉर्पियो": "scorpio",
	"थार": "thar",
	"बोलेरो": "bolero",
	"इनोवा": "innova",
	"फॉर्च्यूनर": "fortuner",
	"सिटी": "city",
	"अमेज़": "amaze",
	"सेल्टोस": "seltos",
	"सोनेट": "sonet",
	"हैचबैक": "hatchback",
	"सेडान": "sedan",
	"एसयूवी": "suv",
}

# A run of letters and marks of the Indian scripts (Devanagari to Malayalam).
_INDIC_RUN_RE = re.compile(r"[\u0900-\u0DFF]+")
_DANDA_RE = re.compile(r"[\u0964\u0965]")  # । and ॥ end a sentence, like a full stop


def ascii_digits(text: str) -> str:
	"""Every decimal digit as 0-9 ("४११०४५" -> "411045")."""
	if text.isascii():
		return text
	return "".join(str(unicodedata.digit(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def read_indic(text: str) -> str:
	"""Digits as 0-9, dandas as full stops, and the listed Devanagari words in Hinglish."""
	return read_indic_mapped(text)[0]


def read_indic_mapped(text: str) -> tuple[str, list[int]]:
	"""`read_indic`, with where each character of the result came from in `text` (one more
	entry at the end: `len(text)`), so that a value can be taken as the customer wrote it."""
	if text.isascii():
		return text, list(range(len(text) + 1))
	text_digits = _DANDA_RE.sub(".", ascii_digits(text))  # same length as `text`
	pieces: list[str] = []
	positions: list[int] = []
	last = 0
	for match in _INDIC_RUN_RE.finditer(text_digits):
		pieces.append(text_digits[last : match.start()])
		positions.extend(range(last, match.start()))
		word = DEVANAGARI_WORDS.get(match.group(), match.group())
		pieces.append(word)
		# a rewritten word's letters all stand for the whole word as written
		positions.extend(
			range(match.start(), match.end()) if word == match.group() else [match.start()] * len(word)
		)
		last = match.end()
	pieces.append(text_digits[last:])
	positions.extend(range(last, len(text_digits) + 1))
	return "".join(pieces), positions


def is_letter(ch: str) -> bool:
	"""A letter or a combining mark (Devanagari vowel signs are marks, not letters)."""
	return unicodedata.category(ch)[0] in "LM"
