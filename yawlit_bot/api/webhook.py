"""WAPI's webhook: `POST /api/method/yawlit_bot.api.webhook.receive?token=<webhook secret>`.

The only method of the app open to Guest. It checks the secret in constant time, reads the
body, stores what it carries and commits before answering 200. No turn runs here.
"""

from __future__ import annotations

import hmac
import json
import time

import frappe
from frappe import _

from yawlit_bot.engine.wapi_payload import PayloadError, parse_webhook
from yawlit_bot.services.pipeline.inbound import store_webhook

MAX_BODY_BYTES = 256 * 1024  # a WhatsApp delivery is a few KB; anything near this is not one


class WebhookPayloadError(frappe.ValidationError):
	http_status_code = 400


class WebhookBodyTooLarge(frappe.ValidationError):
	http_status_code = 413


def _check_token() -> dict:
	"""Returns the webhook's cached settings once the token matches."""
	given = frappe.request.args.get("token") or ""
	frappe.form_dict.pop("token", None)  # never echoed or logged
	from yawlit_bot.services.site.webhook_config import get_webhook_config

	config = get_webhook_config()
	secret = config["secret"]
	# compare_digest runs in time independent of where the strings differ.
	if not (secret and hmac.compare_digest(given.encode(), secret.encode())):
		raise frappe.PermissionError("Invalid webhook token")
	return config


def _read_body() -> object:
	if (frappe.request.content_length or 0) > MAX_BODY_BYTES:
		raise WebhookBodyTooLarge(_("Request body too large"))
	data = frappe.request.get_data(cache=True)
	if len(data) > MAX_BODY_BYTES:
		raise WebhookBodyTooLarge(_("Request body too large"))
	try:
		return json.loads(data)
	except (ValueError, RecursionError) as exc:
		raise WebhookPayloadError(_("Body is not valid JSON")) from exc


# xss_safe: Frappe would run every Guest form value through an HTML sanitiser (0.3 ms a
# request); this method reads only the raw query token and the raw body, which the payload
# reader cleans itself (names with markup are escaped before they are stored).
@frappe.whitelist(allow_guest=True, methods=["POST"], xss_safe=True)
def receive(**kwargs):
	started = time.perf_counter()
	config = _check_token()
	body = _read_body()
	try:
		parsed = parse_webhook(body)
	except PayloadError as exc:
		raise WebhookPayloadError(str(exc)) from exc
	# Frappe commits a POST before it answers: that commit stores the last message (`request_commits`).
	return store_webhook(parsed, body, bot_enabled=config["enabled"], started=started, request_commits=True)
