"""Reading WAPI's webhook payload into plain data.

Every field of WAPI's envelope may be missing or null, so each value is looked for in
WAPI's own keys first and in the raw Meta object second. A status batch is read entry by
entry: one odd entry is skipped, never the whole batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_CHARS = 4096
SEND_STATUSES = ("sent", "delivered", "read", "failed")
_WAMID_RE = re.compile(r"^[A-Za-z0-9._:=+/-]{1,200}$")
_SENDER_RE = re.compile(r"^\d{7,15}$")


class PayloadError(ValueError):
	"""The body is not a WAPI delivery we can act on; the message says why."""


@dataclass
class InboundMessage:
	wamid: str
	sender: str  # digits with country code, as WhatsApp gives it
	message_type: str  # text, interactive, button, location, image, sticker, audio, reaction, ...
	text: str | None = None
	button_id: str | None = None
	button_title: str | None = None
	location: dict[str, Any] | None = None
	timestamp: int | None = None
	profile_name: str | None = None


@dataclass
class StatusUpdate:
	wamid: str
	status: str
	error: str | None = None
	timestamp: int | None = None


@dataclass
class ParsedWebhook:
	messages: list[InboundMessage] = field(default_factory=list)
	statuses: list[StatusUpdate] = field(default_factory=list)
	skipped: list[str] = field(default_factory=list)  # why odd status entries were left out


def _dict(value: Any) -> dict:
	return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
	return value if isinstance(value, list) else []


def _str(value: Any, limit: int = 500) -> str | None:
	if isinstance(value, bool) or value is None:
		return None
	if isinstance(value, (int, float)):
		value = str(value)
	if not isinstance(value, str):
		return None
	value = value.strip()
	return value[:limit] if value else None


def _int(value: Any) -> int | None:
	try:
		number = int(str(value))
	except (TypeError, ValueError):
		return None
	return number if 0 <= number < 10**11 else None


def _raw_values(payload: dict) -> list[dict]:
	"""The `value` objects of Meta's envelope, whatever shape they arrive in."""
	raw = _dict(payload.get("whatsapp_webhook_payload"))
	values = []
	for entry in _list(raw.get("entry")):
		for change in _list(_dict(entry).get("changes")):
			value = _dict(_dict(change).get("value"))
			if value:
				values.append(value)
	return values


def _clean_wamid(value: Any) -> str | None:
	wamid = _str(value, 300)
	return wamid if wamid and _WAMID_RE.match(wamid) else None


def _sender(value: Any) -> str | None:
	digits = re.sub(r"[\s+-]", "", _str(value, 40) or "")
	return digits if _SENDER_RE.match(digits) else None


def _read_messages(payload: dict, values: list[dict]) -> list[InboundMessage]:
	"""WAPI describes one message; Meta's object may carry more, each read from the raw side."""
	message = _dict(payload.get("message"))
	raw_messages = [_dict(m) for v in values for m in _list(v.get("messages"))]
	if message.get("is_new_message") is False or (_str(message.get("status")) and not raw_messages):
		return []  # a status callback, read elsewhere
	if not raw_messages:
		return [m for m in [_read_message(_dict(payload.get("contact")), message, {}, values)] if m]
	found = [_read_message(_dict(payload.get("contact")), message, raw_messages[0], values)]
	found += [_read_message({}, {}, raw, values) for raw in raw_messages[1:]]
	return [m for m in found if m]


def _read_message(contact: dict, message: dict, raw: dict, values: list[dict]) -> InboundMessage | None:
	if not message and not raw:
		return None

	wamid = _clean_wamid(message.get("whatsapp_message_id")) or _clean_wamid(raw.get("id"))
	if not wamid:
		raise PayloadError("message has no valid whatsapp_message_id")
	sender = _sender(contact.get("phone_number")) or _sender(raw.get("from"))
	if not sender:
		raise PayloadError("message has no valid sender phone_number")

	message_type = (_str(raw.get("type"), 40) or "").lower()
	text = _str(message.get("body"), MAX_TEXT_CHARS) or _str(
		_dict(raw.get("text")).get("body"), MAX_TEXT_CHARS
	)
	button_id = button_title = None
	interactive = _dict(raw.get("interactive"))
	reply = _dict(interactive.get("button_reply")) or _dict(interactive.get("list_reply"))
	if reply:
		button_id, button_title = _str(reply.get("id"), 200), _str(reply.get("title"), 200)
	elif raw.get("button"):
		button = _dict(raw.get("button"))
		button_id, button_title = _str(button.get("payload"), 200), _str(button.get("text"), 200)
	location = None
	raw_location = _dict(raw.get("location"))
	if message_type == "location" or raw_location:
		location = {
			key: _str(raw_location.get(key), 300)
			for key in ("address", "name", "url", "latitude", "longitude")
		}
		message_type = "location"
	if not message_type:
		media = message.get("media")
		media_type = _str(_dict(media).get("type"), 40) if isinstance(media, dict) else None
		message_type = media_type or ("text" if text else "unknown")
	if message_type in ("interactive", "button") and not text:
		text = button_title

	profile = next((_dict(c) for v in values for c in _list(v.get("contacts"))), {})
	return InboundMessage(
		wamid=wamid,
		sender=sender,
		message_type=message_type,
		text=text,
		button_id=button_id,
		button_title=button_title,
		location=location,
		timestamp=_int(raw.get("timestamp")),
		profile_name=_str(_dict(profile.get("profile")).get("name"), 140),
	)


def _read_statuses(payload: dict, values: list[dict], parsed: ParsedWebhook) -> None:
	message = _dict(payload.get("message"))
	entries = [s for v in values for s in _list(v.get("statuses"))]
	if not entries and _str(message.get("status")) and message.get("is_new_message") is not True:
		entries = [{"id": message.get("whatsapp_message_id"), "status": message.get("status")}]
	for entry in entries:
		entry = _dict(entry)
		wamid = _clean_wamid(entry.get("id"))
		status = (_str(entry.get("status"), 20) or "").lower()
		if not wamid or status not in SEND_STATUSES:
			parsed.skipped.append(f"status entry without a valid id or status: {str(entry)[:120]}")
			continue
		errors = [_dict(e) for e in _list(entry.get("errors"))]
		error = None
		if errors:
			error = " ".join(filter(None, (_str(errors[0].get("code")), _str(errors[0].get("title")))))
		parsed.statuses.append(StatusUpdate(wamid, status, error or None, _int(entry.get("timestamp"))))


def parse_webhook(payload: Any) -> ParsedWebhook:
	"""Messages and statuses in one WAPI delivery; raises PayloadError when there are none."""
	if not isinstance(payload, dict):
		raise PayloadError("body must be a JSON object")
	values = _raw_values(payload)
	parsed = ParsedWebhook()
	_read_statuses(payload, values, parsed)
	parsed.messages.extend(_read_messages(payload, values))
	if not parsed.messages and not parsed.statuses and not parsed.skipped:
		raise PayloadError("no message or status in payload")
	return parsed
