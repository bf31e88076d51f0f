"""Yawlit's ERP booking API over HTTP (`requests` + `tenacity`). No frappe import.

Every call is a POST to `/api/method/yawlit_automotive_services.api.<method>` with a JSON body
and `Authorization: token <key>:<secret>`; the answer is inside `message`. Reads are retried
(three attempts, backoff) when the ERP is unreachable, answers 5xx or does not answer in time;
a refusal (4xx, `success: false`) is final. Every failure is an `ErpError` whose text can be
shown to staff as it is; the secret never appears in one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import requests
from tenacity import retry, retry_if_exception, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.exceptions import NewConnectionError

from yawlit_bot.engine.catalog import CatalogError

CONNECT_TIMEOUT = 5
ATTEMPTS = 3
METHOD_PREFIX = "yawlit_automotive_services.api."


@dataclass(frozen=True)
class ErpConfig:
	base_url: str
	api_key: str
	api_secret: str = field(repr=False)  # never in a repr, so never in a logged traceback
	timeout: float = 10

	def url(self, method: str) -> str:
		return f"{self.base_url.rstrip('/')}/api/method/{METHOD_PREFIX}{method}"


class ErpError(CatalogError):
	"""The ERP could not answer, or refused. The text says which, for staff and logs."""


class ErpUnavailable(ErpError):
	"""Unreachable, a 5xx or no answer in time: another attempt may work."""


class ErpOutcomeUnknown(ErpError):
	"""A write the ERP received but did not answer in time: it may have been done. Never sent
	again blindly (a second booking); the caller records it for a person to check."""


class ErpAuthError(ErpError):
	"""The ERP refused our API key and secret."""


_session = requests.Session()


def _server_message(data: Any) -> str:
	"""Frappe's error text: the first of `_server_messages`, else `exc_type`, HTML removed."""
	if not isinstance(data, dict):
		return ""
	text = ""
	try:
		messages = json.loads(data.get("_server_messages") or "[]")
		if messages:
			first = json.loads(messages[0]) if isinstance(messages[0], str) else messages[0]
			text = first.get("message", "") if isinstance(first, dict) else str(first)
	except (ValueError, TypeError, AttributeError):
		text = ""
	text = text or str(data.get("exception") or data.get("exc_type") or "")
	return re.sub(r"<[^>]+>", "", text).strip()[:300]


def read_answer(status: int, data: Any) -> dict:
	"""The `message` of a good answer; raises ErpError for everything else."""
	if status in (401, 403):
		raise ErpAuthError("Yawlit's ERP refused the API key: check the ERP settings in WA Booking Settings.")
	if status >= 500:
		raise ErpUnavailable(f"Yawlit's ERP is not answering properly (HTTP {status}).")
	if status >= 400:
		reason = _server_message(data) or f"HTTP {status}"
		raise ErpError(f"Yawlit's ERP refused the request: {reason}")
	message = data.get("message") if isinstance(data, dict) else None
	if not isinstance(message, dict):
		raise ErpError("Yawlit's ERP answered something unreadable.")
	if message.get("success") is False:
		raise ErpError(f"Yawlit's ERP refused the request: {str(message.get('message') or 'no reason given')[:300]}")
	return message


@retry(
	retry=retry_if_exception_type(ErpUnavailable),
	stop=stop_after_attempt(ATTEMPTS),
	wait=wait_exponential(multiplier=0.5, max=4),
	reraise=True,
)
def call(config: ErpConfig, method: str, **params) -> dict:
	"""One read of the ERP (`method` like "booking.get_optional_addons"); its `message`."""
	try:
		response = _session.post(
			config.url(method),
			json=params,
			headers={"Authorization": f"token {config.api_key}:{config.api_secret}"},
			timeout=(CONNECT_TIMEOUT, config.timeout),
		)
	except requests.Timeout:
		raise ErpUnavailable("Yawlit's ERP did not answer in time.") from None
	except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL):
		raise ErpError("The ERP URL in WA Booking Settings is not a web address (https://...).") from None
	except requests.RequestException:
		raise ErpUnavailable("Yawlit's ERP cannot be reached.") from None
	try:
		data = response.json()
	except ValueError:
		data = None
	return read_answer(response.status_code, data)


def _never_sent(exc: BaseException) -> bool:
	"""The connection was never made (refused, no route, no answer to connect): the ERP cannot
	have seen the request. A connection dropped later may have delivered it."""
	if isinstance(exc, requests.ConnectTimeout):
		return True
	reason = getattr(exc.args[0], "reason", None) if exc.args else None
	return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


# A proxy's answers: the ERP behind it may have done the work before the proxy gave up.
PROXY_GAVE_UP = (502, 503, 504, 520, 522, 524)


@retry(
	retry=retry_if_exception(_never_sent),
	stop=stop_after_attempt(ATTEMPTS),
	wait=wait_exponential(multiplier=0.5, max=4),
	reraise=True,
)
def _post_once(config: ErpConfig, method: str, params: dict) -> requests.Response:
	# Sent again only when it never reached the ERP (`_never_sent`).
	return _session.post(
		config.url(method),
		json=params,
		headers={"Authorization": f"token {config.api_key}:{config.api_secret}"},
		timeout=(CONNECT_TIMEOUT, config.timeout),
	)


def write(config: ErpConfig, method: str, **params) -> dict:
	"""One write (a booking): sent again only if it never reached the ERP. No answer in time
	raises ErpOutcomeUnknown; a 5xx, ErpUnavailable (Frappe rolled its transaction back)."""
	try:
		response = _post_once(config, method, params)
	except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL):
		raise ErpError("The ERP URL in WA Booking Settings is not a web address (https://...).") from None
	except requests.RequestException as exc:
		if _never_sent(exc):
			raise ErpUnavailable("Yawlit's ERP cannot be reached.") from None
		raise ErpOutcomeUnknown("Yawlit's ERP did not answer in time; the booking may have been made.") from None
	if response.status_code in PROXY_GAVE_UP:
		raise ErpOutcomeUnknown(f"Yawlit's ERP did not answer (HTTP {response.status_code}); the booking may have been made.")
	try:
		data = response.json()
	except ValueError:
		data = None
	return read_answer(response.status_code, data)
