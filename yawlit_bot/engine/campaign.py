"""Marketing campaigns as plain data: reading an audience, template fields, progress.

The Frappe side stores what this decides; nothing here does I/O.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from yawlit_bot.engine.validation import clean_text, normalize_whatsapp_number

MAX_AUDIENCE_ENTRIES = 50_000  # one paste or upload; larger lists go in several
WHATSAPP_DEFAULT_RATE_CAP = 80  # messages per second per business number (Meta's default)
WHATSAPP_MAX_RATE_CAP = 1000  # the most Meta raises a number to

# Recipient statuses. Terminal ones are never sent again by a running campaign.
PENDING, SENDING, SENT, DELIVERED, READ = "Pending", "Sending", "Sent", "Delivered", "Read"
FAILED, OPTED_OUT, INVALID, UNKNOWN, CANCELLED = "Failed", "Opted Out", "Invalid", "Unknown", "Cancelled"
RECIPIENT_STATUSES = (PENDING, SENDING, SENT, DELIVERED, READ, FAILED, OPTED_OUT, INVALID, UNKNOWN, CANCELLED)
REACHED = (SENT, DELIVERED, READ)  # WAPI took it

# Where a template parameter's value comes from.
FIXED = "Fixed value"
RECIPIENT_SOURCES = {
	"First name": "first_name",
	"Last name": "last_name",
	"Full name": "full_name",
	"Phone": "phone",
}
PARAMETER_SOURCES = (FIXED, *RECIPIENT_SOURCES)
MAX_PARAMETER_CHARS = 1024

_PHONE_HEADERS = {
	"phone",
	"mobile",
	"number",
	"phone number",
	"mobile number",
	"whatsapp",
	"whatsapp number",
	"contact",
	"msisdn",
	"cell",
}
_FIRST_HEADERS = {"first name", "firstname", "first", "given name"}
_LAST_HEADERS = {"last name", "lastname", "last", "surname", "family name"}
_FULL_HEADERS = {"name", "full name", "fullname", "customer", "customer name"}


class AudienceError(ValueError):
	"""The list as a whole cannot be read; the message says why, for the person adding it."""


@dataclass(frozen=True)
class Candidate:
	raw: str
	first_name: str | None = None
	last_name: str | None = None


@dataclass(frozen=True)
class Recipient:
	phone: str
	first_name: str | None = None
	last_name: str | None = None


@dataclass
class AudienceReading:
	recipients: list[Recipient] = field(default_factory=list)  # new, valid, first occurrence
	duplicates: list[str] = field(default_factory=list)  # already listed (in this input or the campaign)
	invalid: list[str] = field(default_factory=list)  # not a WhatsApp number we can send to

	def summary(self) -> dict:
		return {
			"added": len(self.recipients),
			"duplicates": len(self.duplicates),
			"invalid": len(self.invalid),
			"invalid_examples": self.invalid[:20],
		}


def split_pasted_numbers(text: str | None) -> list[Candidate]:
	"""Numbers pasted one per line, or separated by commas, semicolons or tabs."""
	entries = [clean_text(part, 100) for part in re.split(r"[\n\r,;\t]+", text or "")]
	return [Candidate(entry) for entry in entries if entry]


def _header_kind(cell: str) -> str | None:
	name = re.sub(r"[_\-\s]+", " ", cell.strip().lower())
	for kind, names in (
		("phone", _PHONE_HEADERS),
		("first", _FIRST_HEADERS),
		("last", _LAST_HEADERS),
		("full", _FULL_HEADERS),
	):
		if name in names:
			return kind
	return None


def _split_full_name(full: str | None) -> tuple[str | None, str | None]:
	parts = clean_text(full or "", 140).split(" ", 1)
	return (parts[0] or None, parts[1] if len(parts) > 1 else None)


def read_csv_audience(content: str | bytes) -> list[Candidate]:
	"""Rows of a CSV file: a header row names the phone column (phone, mobile, number, ...) and
	optionally first/last or full name; without one, the first column holding a number is the phone."""
	if isinstance(content, bytes):
		try:
			content = content.decode("utf-8-sig")
		except UnicodeDecodeError:
			raise AudienceError("The CSV file is not UTF-8 text") from None
	content = content.lstrip("\ufeff")
	if not content.strip():
		raise AudienceError("The CSV file is empty")
	try:
		dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
	except csv.Error:
		dialect = csv.excel
	rows = [row for row in csv.reader(io.StringIO(content), dialect) if any(cell.strip() for cell in row)]
	if not rows:
		raise AudienceError("The CSV file has no rows")
	kinds = [_header_kind(cell) for cell in rows[0]]
	if "phone" in kinds:
		columns = {kind: kinds.index(kind) for kind in ("phone", "first", "last", "full") if kind in kinds}
		rows = rows[1:]
	else:
		phone_col = next((i for i, cell in enumerate(rows[0]) if len(re.sub(r"\D", "", cell)) >= 7), None)
		if phone_col is None:
			raise AudienceError("No phone column found: name it phone, mobile or number in the first row")
		columns = {"phone": phone_col}
		if len(rows[0]) == 2:
			columns["full"] = 1 - phone_col

	def cell(row: list[str], kind: str) -> str | None:
		index = columns.get(kind)
		value = clean_text(row[index], 140) if index is not None and index < len(row) else ""
		return value or None

	candidates = []
	for row in rows:
		first, last = cell(row, "first"), cell(row, "last")
		if not first and not last:
			first, last = _split_full_name(cell(row, "full"))
		candidates.append(Candidate(cell(row, "phone") or "", first, last))
	return candidates


def sort_audience(candidates: Iterable[Candidate], already_listed: Iterable[str] = ()) -> AudienceReading:
	"""Normalise each number; keep the first of each, report repeats and numbers we cannot send to."""
	candidates = list(candidates)
	if len(candidates) > MAX_AUDIENCE_ENTRIES:
		raise AudienceError(f"At most {MAX_AUDIENCE_ENTRIES:,} numbers at a time: split the list")
	seen = set(already_listed)
	reading = AudienceReading()
	for candidate in candidates:
		phone = normalize_whatsapp_number(candidate.raw)
		if not phone:
			reading.invalid.append(candidate.raw or "(empty)")
		elif phone in seen:
			reading.duplicates.append(candidate.raw)
		else:
			seen.add(phone)
			reading.recipients.append(
				Recipient(
					phone,
					clean_text(candidate.first_name or "", 140) or None,
					clean_text(candidate.last_name or "", 140) or None,
				)
			)
	return reading


@dataclass(frozen=True)
class TemplateParameter:
	source: str  # FIXED or a key of RECIPIENT_SOURCES
	value: str | None = None  # the fixed value, or the fallback when the recipient has none


def check_parameter(parameter: TemplateParameter) -> str | None:
	"""Why this parameter cannot be sent, or None. WhatsApp rejects empty parameters (132012)."""
	if parameter.source not in PARAMETER_SOURCES:
		return f"unknown source {parameter.source!r}"
	if not clean_text(parameter.value or ""):
		if parameter.source == FIXED:
			return "a fixed parameter needs a value"
		return "a recipient parameter needs a fallback value for recipients without one"
	return None


def template_fields(
	parameters: Sequence[TemplateParameter], recipient: Mapping[str, str | None]
) -> dict[str, str]:
	"""WAPI's `field_1`, `field_2`, ... for one recipient; never empty."""
	first, last = recipient.get("first_name"), recipient.get("last_name")
	values = {
		"first_name": first,
		"last_name": last,
		"full_name": " ".join(part for part in (first, last) if part),
		"phone": recipient.get("phone"),
	}
	fields = {}
	for position, parameter in enumerate(parameters, start=1):
		value = values.get(RECIPIENT_SOURCES.get(parameter.source, ""), None)
		# Cleaned before the fallback: a name of only spaces must not become an empty field.
		fields[f"field_{position}"] = clean_text(value or "", MAX_PARAMETER_CHARS) or clean_text(
			parameter.value or "", MAX_PARAMETER_CHARS
		)
	return fields


def check_send_rate(rate: int | None, cap: int | None) -> str | None:
	"""Why this campaign rate cannot be used, or None. The cap is the number's WhatsApp limit."""
	cap = cap or WHATSAPP_DEFAULT_RATE_CAP
	if not 1 <= cap <= WHATSAPP_MAX_RATE_CAP:
		return f"WhatsApp's limit must be between 1 and {WHATSAPP_MAX_RATE_CAP} messages per second"
	if not rate or rate < 1:
		return "The campaign rate must be at least 1 message per second"
	if rate > cap:
		return f"The campaign rate cannot exceed WhatsApp's limit for your number ({cap}/s); raise that limit first, once Meta has"
	return None


def campaign_progress(status_counts: Mapping[str, int]) -> dict[str, int | float]:
	"""Counts per kind and the share of recipients with a final outcome (percent)."""
	counts = {status: int(status_counts.get(status) or 0) for status in RECIPIENT_STATUSES}
	total = sum(counts.values())
	open_ = counts[PENDING] + counts[SENDING]
	return {
		"total": total,
		"pending": counts[PENDING],
		"sending": counts[SENDING],
		"sent": sum(counts[s] for s in REACHED),
		"delivered": counts[DELIVERED] + counts[READ],
		"read": counts[READ],
		"failed": counts[FAILED],
		"opted_out": counts[OPTED_OUT],
		"invalid": counts[INVALID],
		"unknown": counts[UNKNOWN],
		"cancelled": counts[CANCELLED],
		"percent": round(100.0 * (total - open_) / total, 1) if total else 0.0,
	}


# ---------------------------------------------------------------- bringing customers back

VEHICLE_TYPES = ("Hatchback", "Sedan", "SUV", "MUV", "Bike")
MAX_AWAY_DAYS = 3650
DEFAULT_RESULT_DAYS = 7  # a booking this soon after a campaign reached the customer counts for it


@dataclass(frozen=True)
class Comeback:
	"""Customers to bring back, chosen from the bookings (`services/campaigns.comeback_candidates`).
	Opted-out numbers are always left out, and so is anyone with a visit still to come."""

	away_days: int = 0  # the last completed visit at least this many days ago (0: any)
	city: str = ""
	pincode: str = ""
	vehicle_type: str = ""
	service: str = ""
	never_booked: bool = False  # wrote to the bot and never booked


def read_comeback(values: Mapping | None) -> Comeback:
	"""The audience form's values, checked; raises AudienceError saying what is wrong."""
	values = values or {}
	raw_days = str(values.get("away_days") or "0").strip()
	if not raw_days.isdigit() or int(raw_days) > MAX_AWAY_DAYS:
		raise AudienceError(f"Days since the last visit must be a whole number from 0 to {MAX_AWAY_DAYS}.")
	pincode = re.sub(r"\s", "", str(values.get("pincode") or ""))
	if pincode and not re.fullmatch(r"[1-9][0-9]{5}", pincode):
		raise AudienceError(f"{pincode[:20]} is not a 6-digit pincode.")
	vehicle = str(values.get("vehicle_type") or "").strip()
	if vehicle and vehicle not in VEHICLE_TYPES:
		raise AudienceError(f"Vehicle type is one of {', '.join(VEHICLE_TYPES)}.")
	rule = Comeback(
		away_days=int(raw_days),
		city=clean_text(str(values.get("city") or ""))[:100],
		pincode=pincode,
		vehicle_type=vehicle,
		service=clean_text(str(values.get("service") or ""))[:140],
		never_booked=str(values.get("never_booked") or "0").lower() in ("1", "true", "yes", "on"),
	)
	if rule.never_booked and (rule.away_days or rule.city or rule.pincode or rule.vehicle_type or rule.service):
		raise AudienceError(
			"Customers who never booked have no visit, city, vehicle or service to choose by: choose one or the other."
		)
	return rule


def campaign_results(counts: Mapping[str, int], replied: int, bookings: int, days: int) -> list[tuple[str, int, str]]:
	"""What the results page shows: (label, number, share of those sent)."""
	sent = int(counts.get("sent") or 0)

	def share(n: int) -> str:
		return f"{round(100.0 * n / sent)}%" if sent else "-"

	return [
		("Sent", sent, ""),
		("Delivered", int(counts.get("delivered") or 0), share(int(counts.get("delivered") or 0))),
		("Read", int(counts.get("read") or 0), share(int(counts.get("read") or 0))),
		("Replied", replied, share(replied)),
		("Opted out", int(counts.get("opted_out") or 0), ""),
		(f"Bookings within {days} days", bookings, share(bookings)),
	]
