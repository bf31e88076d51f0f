"""WAPI's send endpoints over `requests`, with tenacity retries. No frappe import.

Three attempts when WAPI certainly did not take the message (unreachable, 429, 5xx): after
a 429, exponential backoff; after an error or an unreachable WAPI, quick retries (a blip
clears in a moment, and the wait sits inside the turn job the customer waits on). A 4xx or
a `result: failed` body is final; a read timeout is reported as an unknown outcome and
never retried, so a reply is not sent twice. Errors never carry the token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from yawlit_bot.engine import send_outcome as outcome

CONNECT_TIMEOUT = 5


class WapiError(Exception):
	"""WAPI refused the message; retrying the same request will not help. `kind` is the
	outcome's kind (`engine.send_outcome`), which says what the row becomes."""

	kind = outcome.REFUSED


class WapiRetryableError(WapiError):
	"""WAPI certainly did not take the message (unreachable, 429, 5xx): another attempt may."""

	kind = outcome.RETRY


class WapiRateLimited(WapiRetryableError):
	"""WAPI or WhatsApp said "too many messages" (HTTP 429, error 131056): slow down."""

	kind = outcome.RATE_LIMITED


class WapiAuthError(WapiError):
	"""WAPI refused our credentials (HTTP 401/403): nothing will go until settings are fixed."""

	kind = outcome.AUTH


# A row still `Sending` whose worker died (reply or campaign message): it cannot be known
# whether WAPI got it, so it is marked `Unknown` with this note and never resent.
WORKER_DIED_MID_SEND = "The worker stopped while sending: WAPI may or may not have it. Not resent."


class WapiOutcomeUnknown(WapiError):
	"""The request left and no answer came (read timeout): WAPI may have sent it. Never resent."""

	kind = outcome.NO_ANSWER


ERRORS: dict[str, type[WapiError]] = {
	outcome.RATE_LIMITED: WapiRateLimited,
	outcome.RETRY: WapiRetryableError,
	outcome.AUTH: WapiAuthError,
	outcome.REFUSED: WapiError,
	outcome.NO_ANSWER: WapiOutcomeUnknown,
}


@dataclass(frozen=True)
class WapiConfig:
	base_url: str
	vendor_uid: str
	token: str = field(repr=False)  # never in a repr, so never in a logged traceback
	timeout: float = 10

	def url(self, path: str) -> str:
		return f"{self.base_url.rstrip('/')}/{self.vendor_uid}/{path}"


_session = requests.Session()


def _post_once(config: WapiConfig, path: str, body: dict[str, Any]) -> dict[str, Any]:
	try:
		response = _session.post(
			config.url(path),
			json=body,
			headers={"Authorization": f"Bearer {config.token.strip()}"},
			timeout=(CONNECT_TIMEOUT, config.timeout),
		)
	except requests.ReadTimeout:
		raise WapiOutcomeUnknown(f"WAPI did not answer within {config.timeout}s") from None
	except requests.ConnectTimeout as exc:
		raise WapiRetryableError(f"WAPI unreachable: {type(exc).__name__}") from None
	except requests.ConnectionError as exc:
		if _never_connected(exc):
			raise WapiRetryableError(f"WAPI unreachable: {type(exc).__name__}") from None
		# The connection broke after the request went out: WAPI may have taken it.
		raise WapiOutcomeUnknown("The connection to WAPI broke before its answer came") from None
	except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
		raise WapiOutcomeUnknown("WAPI's answer was cut off") from None
	except (requests.RequestException, ValueError) as exc:
		# e.g. a malformed URL or token: report the kind only, the text may carry the token
		raise WapiError(f"WAPI request failed: {type(exc).__name__}") from None
	try:
		data = response.json()
	except ValueError:
		data = {}
	kind, reason = outcome.read_answer(response.status_code, data)
	if kind != outcome.OK:
		raise ERRORS[kind](reason)
	return data


def _never_connected(exc: requests.ConnectionError) -> bool:
	"""True when no connection was made (refused, no route, DNS): nothing reached WAPI."""
	reason = getattr(exc.args[0], "reason", None) if exc.args else None
	return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


RATE_LIMIT_WAIT = wait_exponential(multiplier=0.5, min=0.5, max=4)  # 0.5 s, then 1 s
ERROR_WAITS = (0.1, 0.3)  # seconds before the second and third attempt after a 5xx or no connection


def wait_before_retry(retry_state) -> float:
	if isinstance(retry_state.outcome.exception(), WapiRateLimited):
		return RATE_LIMIT_WAIT(retry_state)
	return ERROR_WAITS[min(retry_state.attempt_number, len(ERROR_WAITS)) - 1]


@retry(
	stop=stop_after_attempt(3),
	wait=wait_before_retry,
	retry=retry_if_exception_type(WapiRetryableError),
	reraise=True,
)
def post(config: WapiConfig, path: str, body: dict[str, Any]) -> dict[str, Any]:
	return _post_once(config, path, body)


def sent_wamid(response: dict[str, Any]) -> str | None:
	data = response.get("data")
	return (data.get("wamid") or None) if isinstance(data, dict) else None


def send_text(config: WapiConfig, phone: str, text: str) -> dict[str, Any]:
	return post(config, "contact/send-message", {"phone_number": phone, "message_body": text})


def send_buttons(config: WapiConfig, phone: str, text: str, buttons: list[str]) -> dict[str, Any]:
	"""At most three buttons of 1-20 characters (WhatsApp's rule)."""
	body = {
		"phone_number": phone,
		"interactive_type": "button",
		"body_text": text[:1024],
		"buttons": {str(i): title[:20] for i, title in enumerate(buttons[:3], start=1)},
	}
	return post(config, "contact/send-interactive-message", body)


def send_list(config: WapiConfig, phone: str, text: str, chosen: dict[str, Any]) -> dict[str, Any]:
	"""A WhatsApp list (`Reply.list_payload`: a button text and sections of rows) in WAPI's
	shape: sections and rows keyed objects, each row with `id` and `row_id`; at most 10 rows,
	titles of 24 characters, descriptions of 72."""
	sections: dict[str, Any] = {}
	left = 10
	for s_index, section in enumerate(chosen.get("sections") or [], start=1):
		rows = {}
		for r_index, row in enumerate((section.get("rows") or [])[:left], start=1):
			rows[f"row_{r_index}"] = {
				"id": row["id"],
				"row_id": row["id"],
				"title": str(row.get("title") or row["id"])[:24],
				"description": str(row.get("description") or "")[:72],
			}
		left -= len(rows)
		if rows:
			sections[f"section_{s_index}"] = {
				"title": str(section.get("title") or "")[:24],
				"id": f"section_{s_index}",
				"rows": rows,
			}
	body = {
		"phone_number": phone,
		"interactive_type": "list",
		"body_text": text[:1024],
		"list_data": {"button_text": str(chosen.get("button") or "Choose")[:20], "sections": sections},
	}
	return post(config, "contact/send-interactive-message", body)


def send_template(
	config: WapiConfig,
	phone: str,
	template_name: str,
	language: str,
	fields: dict[str, str],
	header: tuple[str, str] | None = None,
) -> dict[str, Any]:
	"""A marketing template: `fields` are WAPI's `field_1`...; `header` is (image|video|document, url)."""
	body: dict[str, Any] = {
		"phone_number": phone,
		"template_name": template_name,
		"template_language": language or "en_US",
		**fields,
	}
	if header and header[1]:
		body[f"header_{header[0]}"] = header[1]
	return post(config, "contact/send-template-message", body)
