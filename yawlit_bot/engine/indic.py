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
	"सोमवार": "somvar",
	"मंगलवार": "mangalvar",
	"बुधवार": "budhvar",
	"गुरुवार": "guruvar",
	"शुक्रवार": "shukravar",
	"शनिवार": "shanivar",
	"रविवार": "ravivar",
	"अगले": "agle",
	"अगला": "agla",
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
	"दो": "do",
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
	"""Digits as 0-9, dandas as full stops, and the listed Devanagari words in Hinglish.

	Keeps every other character where it was, so the text can be read as it was written."""
	if text.isascii():
		return text
	text = _DANDA_RE.sub(".", ascii_digits(text))
	return _INDIC_RUN_RE.sub(lambda m: DEVANAGARI_WORDS.get(m.group(), m.group()), text)


def is_letter(ch: str) -> bool:
	"""A letter or a combining mark (Devanagari vowel signs are marks, not letters)."""
	return unicodedata.category(ch)[0] in "LM"
