"""The staff inbox's rules: who may write in a conversation, WhatsApp's 24-hour window, what a
thread line says in the list, and what a simulated conversation's reply becomes.

Plain data in, answers out; `services/inbox/staff.py` carries them out under the conversation's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# WhatsApp takes a free-form message only within 24 hours of the customer's last message;
# outside it only an approved template (error 131047 otherwise).
SERVICE_WINDOW = timedelta(hours=24)
PREVIEW_CHARS = 80

BOT, STAFF, CUSTOMER, CAMPAIGN = "bot", "staff", "customer", "campaign"


class InboxRefusal(Exception):
	"""What staff asked for cannot be done; the message says why, in their words."""


def window_closes_at(last_customer_message_at: datetime | None) -> datetime | None:
	return last_customer_message_at + SERVICE_WINDOW if last_customer_message_at else None


def in_service_window(last_customer_message_at: datetime | None, now: datetime) -> bool:
	closes = window_closes_at(last_customer_message_at)
	return bool(closes and now < closes)


def check_take_over(taken_by: str | None, user: str) -> None:
	if taken_by and taken_by != user:
		raise InboxRefusal(f"{taken_by} has taken this conversation; they can hand it back to the bot.")


def check_hand_back(taken_by: str | None, user: str, may_release_others: bool) -> None:
	"""The one who took it hands it back; a System Manager may release anyone's."""
	if not taken_by:
		raise InboxRefusal("The bot is already answering this conversation.")
	if taken_by != user and not may_release_others:
		raise InboxRefusal(f"{taken_by} has taken this conversation; only they can hand it back.")


def check_staff_reply(
	taken_by: str | None, user: str, text: str, last_customer_message_at: datetime | None, now: datetime
) -> str:
	"""The reply as it will be sent, or InboxRefusal saying why it cannot be."""
	text = (text or "").strip()
	if not text:
		raise InboxRefusal("Type a reply first.")
	if len(text) > 4096:  # WhatsApp's limit for a text message
		raise InboxRefusal("A WhatsApp message holds at most 4096 characters.")
	check_writer(taken_by, user)
	if not in_service_window(last_customer_message_at, now):
		raise InboxRefusal(
			"The customer's last message is more than 24 hours old: WhatsApp takes only an approved "
			"template now. Send the template instead."
		)
	return text


def check_writer(taken_by: str | None, user: str) -> None:
	if not taken_by:
		raise InboxRefusal("Take over the conversation first: the bot is answering it.")
	if taken_by != user:
		raise InboxRefusal(f"{taken_by} has taken this conversation.")


def check_retry(
	taken_by: str | None,
	user: str,
	written_by_staff: bool,
	status: str,
	confirmed: bool,
	is_template: bool,
	last_customer_message_at: datetime | None,
	now: datetime,
) -> None:
	"""Whether a failed reply may go again: once, by whoever may write now, inside the window."""
	if status not in ("Failed", "Unknown"):
		raise InboxRefusal("This reply is not failed any more: nothing to send again.")
	if written_by_staff:
		check_writer(taken_by, user)
	elif taken_by:
		raise InboxRefusal(f"{taken_by} has taken this conversation: the bot's reply is not sent again.")
	if status == "Unknown" and not confirmed:
		raise InboxRefusal(
			"WhatsApp may have delivered this reply already (no answer came): confirm to send it again."
		)
	if not is_template and not in_service_window(last_customer_message_at, now):
		raise InboxRefusal("The customer's last message is more than 24 hours old: WhatsApp takes only a template now.")


def check_template(
	taken_by: str | None,
	user: str,
	template_on_its_way: bool,
	last_template_at: datetime | None,
	last_customer_message_at: datetime | None,
) -> None:
	"""One template per silence: a second (a double click, a second staff member) waits for the
	customer's answer to the first."""
	check_writer(taken_by, user)
	if template_on_its_way:
		raise InboxRefusal("A template is already on its way to this customer.")
	if last_template_at and (last_customer_message_at is None or last_template_at > last_customer_message_at):
		raise InboxRefusal("A template was sent after the customer's last message: wait for their answer.")


@dataclass(frozen=True)
class TemplateReply:
	"""An approved template sent by staff outside the window: WAPI's name, language, fields."""

	name: str
	language: str
	fields: dict[str, str]

	@property
	def shown_as(self) -> str:
		filled = ", ".join(self.fields.values())
		return f"[Template {self.name}{': ' + filled if filled else ''}]"


def reopen_template(name: str, language: str, customer_name: str | None) -> TemplateReply:
	"""The template that asks the customer to write again; its {{1}} is their name."""
	if not name:
		raise InboxRefusal(
			"No template is set for writing after 24 hours: set one in WA Bot Settings (Inbox)."
		)
	return TemplateReply(name, language or "en_US", {"field_1": (customer_name or "there").strip()[:60]})


def author_of(role: str, sent_by: str | None) -> str:
	"""Who wrote a stored message: the customer, the bot, or a staff member (`sent_by`)."""
	if role == "user":
		return CUSTOMER
	return STAFF if sent_by else BOT


def line_after_turn(reply_texts: list[str], message_type: str | None, text: str | None) -> str:
	"""The inbox's line once a turn is done: the bot's last reply, or the customer's message when
	the bot said nothing (taken over, flooding)."""
	if reply_texts:
		return preview(reply_texts[-1], BOT)
	return preview(media_preview(message_type, text))


def preview(text: str | None, who: str = CUSTOMER, by: str | None = None) -> str:
	"""One line for the inbox: the text shortened, outgoing ones marked with who wrote them."""
	line = " ".join((text or "").split())
	if len(line) > PREVIEW_CHARS:
		line = line[: PREVIEW_CHARS - 1].rstrip() + "…"
	if who == BOT:
		return f"Bot: {line}"
	if who == STAFF:
		return f"{by or 'Staff'}: {line}"
	if who == CAMPAIGN:
		return f"Campaign: {line}"
	return line


def media_preview(message_type: str | None, text: str | None) -> str:
	"""What a customer's message without text is, as the inbox shows it."""
	if text and text.strip():
		return text
	kind = (message_type or "").lower()
	return {
		"location": "📍 Location",
		"image": "📷 Photo",
		"video": "🎥 Video",
		"audio": "🎤 Voice message",
		"document": "📄 Document",
		"sticker": "Sticker",
		"contacts": "Contact card",
		"reaction": "Reaction",
	}.get(kind, f"({kind or 'message'})")
