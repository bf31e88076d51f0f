"""WAPI webhook payloads as WAPI sends them, for tests, the harness and the fuzzer."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

_counter = itertools.count(1)


def new_wamid() -> str:
	return f"wamid.TEST{uuid.uuid4().hex}{next(_counter)}"


def _envelope(
	phone: str,
	wamid: str,
	body: str | None,
	raw_message: dict[str, Any],
	name: str = "Test Customer",
	media: Any = None,
) -> dict:
	return {
		"contact": {
			"status": "existing",
			"phone_number": phone,
			"uid": f"c-{phone}",
			"first_name": name,
			"last_name": "",
			"email": "",
			"language_code": "",
			"country": None,
		},
		"message": {
			"whatsapp_business_phone_number_id": "700000000000001",
			"whatsapp_message_id": wamid,
			"replied_to_whatsapp_message_id": None,
			"is_new_message": True,
			"body": body,
			"status": None,
			"media": media if media is not None else [],
		},
		"whatsapp_webhook_payload": {
			"object": "whatsapp_business_account",
			"entry": [
				{
					"id": "1",
					"changes": [
						{
							"field": "messages",
							"value": {
								"messaging_product": "whatsapp",
								"metadata": {
									"display_phone_number": "15550000000",
									"phone_number_id": "700000000000001",
								},
								"contacts": [{"profile": {"name": name}, "wa_id": phone}],
								"messages": [
									{
										"from": phone,
										"id": wamid,
										"timestamp": str(int(time.time())),
										**raw_message,
									}
								],
							},
						}
					],
				}
			],
		},
	}


def text(phone: str, body: str, wamid: str | None = None) -> dict:
	return _envelope(phone, wamid or new_wamid(), body, {"type": "text", "text": {"body": body}})


def button(phone: str, title: str, button_id: str, wamid: str | None = None) -> dict:
	raw = {
		"type": "interactive",
		"interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
	}
	return _envelope(phone, wamid or new_wamid(), title, raw)


def list_choice(phone: str, title: str, row_id: str, wamid: str | None = None) -> dict:
	"""A row chosen from a WhatsApp list: WAPI copies its title into the body, the id is in the
	raw payload's `list_reply`."""
	raw = {
		"type": "interactive",
		"interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title, "description": ""}},
	}
	return _envelope(phone, wamid or new_wamid(), title, raw)


def template_button(phone: str, title: str, payload: str, wamid: str | None = None) -> dict:
	"""A tap on a marketing template's quick-reply button (e.g. its opt-out button)."""
	raw = {"type": "button", "button": {"payload": payload, "text": title}}
	return _envelope(phone, wamid or new_wamid(), title, raw)


def location(
	phone: str,
	address: str | None,
	latitude: float = 18.5204,
	longitude: float = 73.8567,
	name: str | None = None,
) -> dict:
	raw = {
		"type": "location",
		"location": {
			"address": address,
			"latitude": latitude,
			"longitude": longitude,
			"name": name,
			"url": None,
		},
	}
	return _envelope(phone, new_wamid(), None, raw)


def media(phone: str, kind: str = "image") -> dict:
	raw = {"type": kind, kind: {"id": "media-1", "mime_type": "image/jpeg"}}
	return _envelope(
		phone,
		new_wamid(),
		None,
		raw,
		media={
			"type": kind,
			"link": "https://example.invalid/x.jpg",
			"caption": None,
			"mime_type": "image/jpeg",
			"file_name": None,
			"original_filename": None,
		},
	)


def statuses(entries: list[tuple[str, str]]) -> dict:
	"""A batch of status callbacks, as Meta's object carries them."""
	return {
		"contact": {"phone_number": "919800000000"},
		"message": {
			"whatsapp_message_id": entries[0][0] if entries else None,
			"is_new_message": False,
			"status": entries[0][1] if entries else None,
			"body": None,
			"media": [],
		},
		"whatsapp_webhook_payload": {
			"object": "whatsapp_business_account",
			"entry": [
				{
					"id": "1",
					"changes": [
						{
							"field": "messages",
							"value": {
								"messaging_product": "whatsapp",
								"statuses": [
									{
										"id": wamid,
										"status": status,
										"timestamp": str(int(time.time())),
										"recipient_id": "919800000000",
									}
									for wamid, status in entries
								],
							},
						}
					],
				}
			],
		},
	}
