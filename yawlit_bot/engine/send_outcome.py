"""What a send's outcome means: WAPI's answer read as one kind of outcome, and what each kind
does to a reply row and to a campaign row. One home for both, the client only raises it.

- OK: WAPI took it.
- RATE_LIMITED: HTTP 429 or WhatsApp's 131056; nothing was sent; slow down and try later.
- RETRY: WAPI unreachable or a 5xx; nothing was sent; another attempt may work.
- AUTH: WAPI refused our credentials; nothing goes until the settings are fixed.
- REFUSED: WAPI refused this message; the same request will not work.
- NO_ANSWER: the request left and no answer came; WAPI may have sent it: never resent.
"""

from __future__ import annotations

from collections.abc import Mapping

OK, RATE_LIMITED, RETRY, AUTH, REFUSED, NO_ANSWER = "ok", "rate limited", "retry", "auth", "refused", "no answer"
RATE_LIMIT_CODE = "131056"  # WhatsApp's "too many messages to this number"


def _message(data: object) -> str:
	if isinstance(data, Mapping):
		return str(data.get("message") or data.get("error") or "")[:300]
	return ""


def read_answer(status_code: int, data: object) -> tuple[str, str]:
	"""The kind of outcome of WAPI's HTTP answer, and the reason to keep with it."""
	message = _message(data)
	if status_code == 429:
		return RATE_LIMITED, "WAPI answered HTTP 429 (too many messages)"
	if status_code >= 500:
		return RETRY, f"WAPI answered HTTP {status_code}"
	if RATE_LIMIT_CODE in message:
		return RATE_LIMITED, f"WhatsApp rate limit: {message}"
	if status_code in (401, 403):
		return AUTH, f"WAPI refused the credentials (HTTP {status_code}): check WA Bot Settings"
	if status_code >= 400:
		return REFUSED, f"WAPI answered HTTP {status_code}: {message}"
	if not isinstance(data, Mapping) or data.get("result") == "failed":
		return REFUSED, f"WAPI refused the message: {message}"
	return OK, ""


def reply_status_after(kind: str) -> str:
	"""A bot reply that did not go: `Unknown` when WAPI may have it (never resent), else `Failed`
	(sent again later while attempts remain)."""
	return "Unknown" if kind == NO_ANSWER else "Failed"


# A bot reply WAPI refused goes again after these many seconds, by its attempt: the first
# retry soon (a blip), later ones spaced out (an outage would use up the attempts otherwise).
RESEND_DELAYS = (5, 60, 120, 300)


def resend_delay(attempts_made: int) -> int:
	"""Seconds before a refused reply's next attempt, after `attempts_made` attempts (>= 1)."""
	return RESEND_DELAYS[min(max(attempts_made, 1), len(RESEND_DELAYS)) - 1]


def campaign_row_after(kind: str, attempts: int, max_attempts: int) -> tuple[str, bool]:
	"""A campaign row that did not go: its status, and whether the whole campaign must stop."""
	if kind == RATE_LIMITED:
		return ("Pending" if attempts < max_attempts else "Failed"), False
	if kind == AUTH:
		return "Pending", True  # nothing can go: keep the row for when the settings are fixed
	if kind == NO_ANSWER:
		return "Unknown", False
	return "Failed", False
