"""The staff inbox, carried out: take over, hand back, a staff reply or template, a resend, the
thread and the booking beside it as the chat view reads them.

Every change to who answers a conversation, or to what is sent in it, is written under the same
fence as a turn: the `WA Conversation` row FOR UPDATE, so a staff action and a turn never
interleave. Replies are `WA Message` rows sent by the conversation's turn job after the commit
(`services/outbound/outbox.py`), exactly as the bot's are. The rules are in `engine/inbox.py`.
"""

from __future__ import annotations

import json

import frappe
from frappe.desk.form import assign_to
from frappe.utils import get_datetime, now_datetime

from yawlit_bot.engine import inbox as rules
from yawlit_bot.services.outbound.messages import insert_message, update_message
from yawlit_bot.services.site.live import publish_list, publish_thread
from yawlit_bot.services.site.settings import bot_settings

THREAD_PAGE = 50


def lock_conversation(conversation: str) -> dict:
	row = frappe.db.sql(
		"""select name, contact_name, taken_by, simulated, state from `tabWA Conversation`
		where name = %s for update""",
		conversation,
		as_dict=True,
	)
	if not row:
		frappe.throw(frappe._("No WhatsApp conversation {0}").format(conversation), frappe.DoesNotExistError)
	return row[0]


def last_customer_message_at(conversation: str):
	return frappe.db.sql(
		"select max(received_at) from `tabWA Message` where conversation = %s and role = 'user'", conversation
	)[0][0]


def note_last_message(conversation: str, line: str, at, unread: int = 0) -> None:
	"""The inbox's columns: the thread's last line, its time, and unread customer messages."""
	frappe.db.sql(
		"""update `tabWA Conversation` set last_message = %s, last_message_at = %s,
		unread_count = ifnull(unread_count, 0) + %s where name = %s""",
		(line[:140], at, unread, conversation),
	)


def refuse(exc: rules.InboxRefusal):
	frappe.throw(str(exc), title=frappe._("Not possible"))


def take_over(conversation: str, user: str) -> dict:
	"""Assign the conversation to `user`: the bot stops answering it until handed back."""
	conv = lock_conversation(conversation)
	try:
		rules.check_take_over(conv.taken_by, user)
	except rules.InboxRefusal as exc:
		refuse(exc)
	if conv.taken_by != user:
		frappe.db.sql(
			"""update `tabWA Conversation` set taken_by = %s, taken_at = %s, needs_person = 0,
			modified = %s, modified_by = %s where name = %s""",
			(user, now_datetime(), now_datetime(), user, conversation),
		)
		hold_back_bot_replies(conversation, user)
		# Assigned as Frappe assigns anything: the sidebar, "Assigned To" filters, the ToDo list.
		assign_to.add(
			{"assign_to": [user], "doctype": "WA Conversation", "name": conversation, "description": "WhatsApp conversation taken over from the bot"},
			ignore_permissions=True,
		)
		add_comment(conversation, f"Taken over by {user}: the bot stops answering until handed back.")
		notify_desk(conversation, "taken")
	return {"taken_by": user}


def hold_back_bot_replies(conversation: str, user: str) -> None:
	"""The bot's replies not yet sent (queued by a turn just before, or refused and waiting to go
	again) stay unsent once a person holds the conversation: the customer hears from the person
	only, and no bot reply waiting for its resend holds theirs back. Shown failed, with why."""
	frappe.db.sql(
		"""update `tabWA Message` set send_status = 'Failed', send_error = %s, next_attempt_at = null,
		send_attempts = greatest(ifnull(send_attempts, 0), %s)
		where conversation = %s and role = 'assistant' and sent_by is null
			and (send_status = 'Queued' or (send_status = 'Failed' and wamid is null))""",
		(f"Not sent: {user} took the conversation over.", HELD_BACK_ATTEMPTS, conversation),
	)


HELD_BACK_ATTEMPTS = 999  # beyond any max_send_attempts: the outbox never picks the row up again


def hand_back(conversation: str, user: str) -> dict:
	"""Back to the bot, in the state the conversation was in (the turn never changed it while
	taken; what staff changed on the scratchpad stays, marked as theirs)."""
	conv = lock_conversation(conversation)
	try:
		rules.check_hand_back(conv.taken_by, user, may_release_others="System Manager" in frappe.get_roles(user))
	except rules.InboxRefusal as exc:
		refuse(exc)
	frappe.db.sql(
		"""update `tabWA Conversation` set taken_by = null, taken_at = null, times_asked = 0,
		modified = %s, modified_by = %s where name = %s""",
		(now_datetime(), user, conversation),
	)
	todo = frappe.db.get_value(
		"ToDo",
		{"reference_type": "WA Conversation", "reference_name": conversation, "allocated_to": conv.taken_by, "status": "Open"},
	)
	if todo:
		assign_to.set_status("WA Conversation", conversation, todo=todo, status="Closed", ignore_permissions=True)
	add_comment(conversation, f"Handed back to the bot by {user}.")
	notify_desk(conversation, "handed back")
	return {"taken_by": None}


def on_assignment_change(todo, method=None) -> None:
	"""A ToDo of a taken-over conversation closed or cancelled outside Hand Back: hand it back."""
	if todo.reference_type != "WA Conversation" or todo.status == "Open":
		return
	conv = lock_conversation(todo.reference_name)
	if conv.taken_by and conv.taken_by == todo.allocated_to:
		frappe.db.sql(
			"""update `tabWA Conversation` set taken_by = null, taken_at = null, times_asked = 0,
			modified = %s, modified_by = %s where name = %s""",
			(now_datetime(), frappe.session.user, conv.name),
		)
		add_comment(conv.name, f"Handed back to the bot: {frappe.session.user} removed the assignment of {todo.allocated_to}.")
		notify_desk(conv.name, "handed back")


def send_staff_reply(conversation: str, user: str, text: str) -> int:
	"""Store the reply (sent after commit by the conversation's job, once, with its status)."""
	conv = lock_conversation(conversation)
	try:
		text = rules.check_staff_reply(
			conv.taken_by, user, text, last_customer_message_at(conversation), now_datetime()
		)
	except rules.InboxRefusal as exc:
		refuse(exc)
	name = queue_staff_message(conversation, user, {"message_type": "text", "content": text})
	note_last_message(conversation, rules.preview(text, rules.STAFF, staff_name(user)), now_datetime())
	notify_desk(conversation, "message")  # the inbox's last message column too
	return name


def send_reopen_template(conversation: str, user: str) -> int:
	"""The approved template from the settings, for a customer whose window has closed."""
	conv = lock_conversation(conversation)
	settings = bot_settings()
	templates = frappe.db.sql(
		"""select send_status, creation from `tabWA Message` where conversation = %s and role = 'assistant'
		and message_type = 'template' and sent_by is not null order by name desc limit 1""",
		conversation,
		as_dict=True,
	)
	last = templates[0] if templates else None
	try:
		rules.check_template(
			conv.taken_by,
			user,
			bool(last and last.send_status in ("Queued", "Sending")),
			last.creation if last and last.send_status not in ("Failed",) else None,
			last_customer_message_at(conversation),
		)
		template = rules.reopen_template(
			settings.reopen_template_name, settings.reopen_template_language, customer_name(conv)
		)
	except rules.InboxRefusal as exc:
		refuse(exc)
	name = queue_staff_message(
		conversation,
		user,
		{
			"message_type": "template",
			"content": template.shown_as,
			"template": json.dumps(
				{"name": template.name, "language": template.language, "fields": template.fields}, ensure_ascii=False
			),
		},
	)
	note_last_message(conversation, rules.preview(template.shown_as, rules.STAFF, staff_name(user)), now_datetime())
	return name


def queue_staff_message(conversation: str, user: str, values: dict) -> int:
	if not insert_message(
		{"conversation": conversation, "role": "assistant", "send_status": "Queued", "sent_by": user, **values}
	):
		raise RuntimeError("WA Message id clash storing a staff reply: check wa_message_id_seq")
	name = frappe.db.sql("select lastval(`wa_message_id_seq`)")[0][0]
	send_after_commit(conversation)
	publish_thread(conversation)
	return name


def retry_reply(message, user: str, confirmed: bool = False) -> None:
	"""Send a failed or unknown reply again, once: back to Queued for the outbox, by whoever may
	write in the conversation now (`engine/inbox.check_retry`). A second click finds it Queued
	(or sent) and changes nothing."""
	row = frappe.db.get_value(
		"WA Message", message, ["conversation", "role", "send_status", "sent_by", "message_type"], as_dict=True
	)
	if not row or row.role != "assistant":
		frappe.throw(frappe._("Only a reply can be sent again."))
	conv = lock_conversation(row.conversation)
	status = frappe.db.get_value("WA Message", message, "send_status")  # as it is now, under the lock
	try:
		rules.check_retry(
			conv.taken_by,
			user,
			bool(row.sent_by),
			status,
			confirmed,
			row.message_type == "template",
			last_customer_message_at(row.conversation),
			now_datetime(),
		)
	except rules.InboxRefusal as exc:
		refuse(exc)
	# The old wamid goes: a late receipt for the first attempt must not mark this one sent.
	changed = update_message(
		message,
		{
			"send_status": "Queued",
			"send_error": None,
			"next_attempt_at": None,
			"wamid": None,
			"modified": now_datetime(),
		},
		where="role = 'assistant' and send_status in ('Failed', 'Unknown')",
	)
	if not changed:
		frappe.throw(frappe._("This reply is not failed any more: nothing to send again."))
	add_comment(row.conversation, f"Reply {message} sent again by {user}.")
	send_after_commit(row.conversation)
	publish_thread(row.conversation, "status")


def send_after_commit(conversation: str) -> None:
	from yawlit_bot.services.pipeline.turn_offers import enqueue_turn

	frappe.db.after_commit.add(lambda: enqueue_turn(conversation, force=True))


def mark_read(conversation: str) -> None:
	frappe.db.sql("update `tabWA Conversation` set unread_count = 0 where name = %s and unread_count > 0", conversation)


def add_comment(conversation: str, text: str) -> None:
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": "WA Conversation",
			"reference_name": conversation,
			"content": text,
		}
	).insert(ignore_permissions=True)


def notify_desk(conversation: str, what: str) -> None:
	"""The form and the list see who holds the conversation without a reload."""
	publish_list(conversation)
	publish_thread(conversation, what)


def staff_name(user: str) -> str:
	return frappe.utils.get_fullname(user) or user


def customer_name(conv) -> str:
	first = frappe.db.get_value(
		"WA Booking Scratchpad", {"conversation": conv.name}, "first_name", order_by="creation desc"
	)
	return first or (conv.contact_name if conv.contact_name != conv.name else "")


# ------------------------------------------------------------------ the thread, as Desk reads it


def thread(conversation: str, before: int | None = None, limit: int = THREAD_PAGE) -> dict:
	"""The latest messages (or those before `before`), oldest first, with campaign messages the
	customer received in the same span; `more` when older ones remain."""
	limit = max(1, min(int(limit or THREAD_PAGE), 200))
	rows = frappe.db.sql(
		f"""select name, role, message_type, content, buttons, location, template, sent_by,
			send_status, send_error, send_attempts, received_at, creation, sent_at, delivered_at, read_at,
			processing_status, processing_error
		from `tabWA Message` where conversation = %(c)s {"and name < %(before)s" if before else ""}
		order by name desc limit %(limit)s""",
		{"c": conversation, "before": before, "limit": limit + 1},
		as_dict=True,
	)
	more = len(rows) > limit
	rows = rows[:limit][::-1]
	messages = [thread_item(row) for row in rows]
	if rows:
		start = rows[0].creation if more else None
		end = None if before is None else _creation_of(before)
		messages = merge_by_time(messages, campaign_items(conversation, start, end))
	conv = frappe.db.get_value(
		"WA Conversation", conversation, ["taken_by", "state", "needs_person", "simulated"], as_dict=True
	)
	last_customer = last_customer_message_at(conversation)
	return {
		"messages": messages,
		"more": more,
		"oldest": rows[0].name if rows else None,
		"taken_by": conv.taken_by if conv else None,
		"taken_by_name": staff_name(conv.taken_by) if conv and conv.taken_by else None,
		"in_window": rules.in_service_window(last_customer, now_datetime()),
		"window_closes_at": rules.window_closes_at(last_customer),
		"has_template": bool(bot_settings().reopen_template_name),
	}


def _creation_of(name):
	return frappe.db.get_value("WA Message", name, "creation")


def thread_item(row) -> dict:
	who = rules.author_of(row.role, row.sent_by)
	item = {
		"name": row.name,
		"who": who,
		"by": staff_name(row.sent_by) if row.sent_by else None,
		"type": row.message_type or "text",
		"text": row.content or "",
		"at": row.received_at or row.creation,
		"status": row.send_status or None,
		"error": row.send_error or row.processing_error if (row.send_status in ("Failed", "Unknown") or row.processing_status == "Failed") else None,
		"choices": _choices(row.buttons),
		"location": _json(row.location),
	}
	if row.processing_status == "Failed":
		item["status"] = "Not handled"
	return item


def campaign_items(conversation: str, start, end) -> list[dict]:
	"""What campaigns sent this customer between `start` and `end` (None: open ended)."""
	recipient, campaign = frappe.qb.DocType("WA Campaign Recipient"), frappe.qb.DocType("WA Campaign")
	query = (
		frappe.qb.from_(recipient)
		.join(campaign)
		.on(recipient.campaign == campaign.name)
		.select(recipient.name, recipient.status, recipient.sent_at, recipient.error, campaign.title, campaign.template_name)
		.where((recipient.phone == conversation) & recipient.sent_at.isnotnull())
	)
	if start:
		query = query.where(recipient.sent_at >= start)
	if end:
		query = query.where(recipient.sent_at < end)
	return [
		{
			"name": f"campaign-{row.name}",
			"who": rules.CAMPAIGN,
			"by": row.title,
			"type": "template",
			"text": f"{row.title} (template {row.template_name})",
			"at": row.sent_at,
			"status": row.status if row.status in ("Sent", "Delivered", "Read", "Failed") else None,
			"error": row.error if row.status == "Failed" else None,
			"choices": [],
			"location": None,
		}
		for row in query.run(as_dict=True)
	]


def merge_by_time(messages: list[dict], others: list[dict]) -> list[dict]:
	return sorted(messages + others, key=lambda item: (get_datetime(item["at"]), str(item["name"])))


def _choices(raw) -> list[dict]:
	"""A reply's buttons or list rows as the customer saw them, with the id a tap sends back
	(buttons: their position from 1, as WAPI numbers them; list rows: their row id)."""
	value = _json(raw)
	if isinstance(value, list):
		return [{"id": str(position), "title": str(title)} for position, title in enumerate(value, 1)]
	if isinstance(value, dict):
		return [
			{"id": row.get("id"), "title": row.get("title", ""), "description": row.get("description", ""), "section": section.get("title", "")}
			for section in value.get("sections") or []
			for row in section.get("rows") or []
		]
	return []


def _json(raw):
	if not raw:
		return None
	try:
		return json.loads(raw)
	except ValueError:
		return None


def booking_panel(conversation: str) -> dict:
	"""Beside the chat: the booking being collected, field by field with its source, what is
	missing, and the customer's bookings."""
	from yawlit_bot.engine.fields import DETAIL_FIELDS, LABELS
	from yawlit_bot.engine.merge import missing_required
	from yawlit_bot.services.site.clock import today_in_india

	conv = frappe.db.get_value("WA Conversation", conversation, ["active_scratchpad", "state"], as_dict=True)
	fields, missing, scratchpad = [], [], None
	if conv and conv.active_scratchpad:
		pad = frappe.get_doc("WA Booking Scratchpad", conv.active_scratchpad)
		scratchpad = {"name": pad.name, "status": pad.status}
		sources = _json(pad.value_sources) or {}
		for field in DETAIL_FIELDS:
			value = pad.get(field)
			if value:
				fields.append(
					{
						"field": field,
						"label": LABELS.get(field, field),
						"value": str(value),
						"source": (sources.get(field) or {}).get("source", "rule"),
					}
				)
		if pad.status == "Active":
			missing = [LABELS.get(field, field) for field in missing_required(pad.booking_values(), today_in_india(), pad.catalog_choices())]
	bookings = frappe.get_all(
		"WA Service Booking",
		filters={"conversation": conversation},
		fields=["name", "service_type", "appointment_date", "time_slot", "status"],
		order_by="creation desc",
		limit=10,
	)
	return {"scratchpad": scratchpad, "fields": fields, "missing": missing, "bookings": bookings}
