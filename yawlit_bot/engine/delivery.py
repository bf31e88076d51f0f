"""What WhatsApp's delivery receipts do to a sent message: one rule for the bot's replies and
for campaign rows.

A receipt moves a message forward only: sent -> delivered -> read. "failed" may follow "sent"
but never a delivery. Our own "Unknown" (the request left, no answer came) and "Failed" (WAPI
refused, or a receipt said so) give way to WhatsApp's later word.
"""

from __future__ import annotations

RECEIPTS = ("sent", "delivered", "read", "failed")
_BEFORE_SENDING = ("Queued", "Pending")  # a reply row's and a campaign row's first status
REPLACES: dict[str, tuple[str, ...]] = {
	"sent": (*_BEFORE_SENDING, "Sending", "Unknown", "Failed"),
	"delivered": (*_BEFORE_SENDING, "Sending", "Sent", "Unknown", "Failed"),
	"read": (*_BEFORE_SENDING, "Sending", "Sent", "Delivered", "Unknown", "Failed"),
	"failed": (*_BEFORE_SENDING, "Sending", "Sent", "Unknown"),
}
# The time column each receipt stamps.
STAMPS: dict[str, str] = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}
NO_REASON_GIVEN = "WhatsApp reported the message as failed"


def status_after(receipt: str) -> str:
	"""The status a receipt sets ("delivered" -> "Delivered")."""
	return receipt.capitalize()


def failure_reason(receipt: str, error: str | None) -> str | None:
	"""The error to keep with a "failed" receipt (at most 1000 characters); None otherwise."""
	if receipt != "failed":
		return None
	return (error or NO_REASON_GIVEN)[:1000]
