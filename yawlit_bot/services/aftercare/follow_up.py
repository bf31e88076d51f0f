"""After the booking, carried out: reminders and feedback requests queued exactly once, the
visit marked done by staff (what the customer answers is stored by `booking.visits`, in the turn).

Exactly once: each reminder (and each feedback request) is queued in the same transaction that
writes its message's id on the booking, with the conversation row and then the booking row
locked, and the booking's field checked again under that lock. A second scheduler run, or two
at once, finds the field set and queues nothing. The outbox sends the queued row after commit
(the conversation's turn job, or the sweeper when the job was lost with its worker). The
scheduler job runs every minute, so a reminder due while the site was down goes when it is
back, while its slot has not begun (`engine.aftercare.reminder_due`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate, now_datetime

from yawlit_bot.engine import aftercare as rules
from yawlit_bot.engine.inbox import in_service_window
from yawlit_bot.engine.replies import Reply
from yawlit_bot.services.outbound.messages import insert_message, queue_reply
from yawlit_bot.services.site.clock import now_in_india, today_in_india
from yawlit_bot.services.site.retry import run_with_db_retries
from yawlit_bot.services.site.settings import Template, booking_settings

FIELDS = {rules.EVENING: "evening_reminder", rules.MORNING: "morning_reminder"}


def send_due() -> None:
	"""The scheduler's entry (every minute): reminders, then feedback requests. One failing does
	not stop the other; what was not queued is due again at the next run."""
	for run in (send_due_reminders, send_due_feedback_requests):
		try:
			run()
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=f"yawlit_bot: {run.__name__} failed (the next minute tries again)")
			frappe.db.commit()


# ---------------------------------------------------------------- reminders


def send_due_reminders(now: datetime | None = None) -> dict:
	"""Queue every reminder due now (India time). Returns how many were queued and skipped."""
	now = now or now_in_india()
	settings = booking_settings().aftercare
	rows = frappe.db.sql(
		"""select name, appointment_date, time_slot, starts_at, creation, first_name, service_type,
			address, total_amount, evening_reminder, morning_reminder
		from `tabWA Service Booking`
		where status = 'Confirmed' and conversation is not null and starts_at > %(now)s
			and starts_at <= %(horizon)s
			and (ifnull(evening_reminder, '') = '' or (%(morning)s and ifnull(morning_reminder, '') = ''))
		order by starts_at, name""",
		{"now": now, "horizon": now + timedelta(days=2), "morning": int(settings.times.morning is not None)},
		as_dict=True,
	)
	counts = {"queued": 0, "skipped": 0}
	for row in rows:
		kind = rules.reminder_due(visit_of(row), settings.times, now)
		if kind:
			outcome = run_with_db_retries(lambda: _remind(row.name, kind, now))
			if outcome:
				counts[outcome] += 1
	return counts


def visit_of(row) -> rules.Visit:
	return rules.Visit(
		booking_id=row.name,
		day=getdate(row.appointment_date),
		slot=row.time_slot or "",
		starts_at=get_datetime(row.starts_at),
		booked_at=get_datetime(row.creation),
		first_name=row.first_name or "",
		service=row.service_type or "",
		address=row.address or "",
		total=int(row.total_amount or 0) or None,
		done=frozenset(kind for kind, field in FIELDS.items() if row.get(field)),
	)


def _remind(booking: str, kind: str, now: datetime) -> str | None:
	"""One reminder, in its own transaction: queued (and its id written on the booking), or
	skipped with the reason written there. None when another run did it first."""
	frappe.db.rollback()
	field = FIELDS[kind]
	conversation = frappe.db.get_value("WA Service Booking", booking, "conversation")
	conv = _lock_conversation(conversation)
	row = frappe.db.sql(
		f"""select name, appointment_date, time_slot, starts_at, creation, first_name, service_type,
			address, total_amount, evening_reminder, morning_reminder, phone
		from `tabWA Service Booking` where name = %s and status = 'Confirmed' and ifnull(`{field}`, '') = ''
		for update""",
		booking,
		as_dict=True,
	)
	if not conv or not row or get_datetime(row[0].starts_at) <= now:
		frappe.db.commit()
		return None
	visit = visit_of(row[0])
	template = booking_settings().aftercare.reminder_template
	reply = rules.reminder(visit, kind, today_in_india())
	result = _queue(conv, reply, template, rules.visit_values(visit))
	_write(booking, {field: result})
	frappe.db.commit()
	if result.startswith(rules.SKIPPED):
		return "skipped"
	_offer(conversation)
	return "queued"


# ---------------------------------------------------------------- feedback


def send_due_feedback_requests(now: datetime | None = None) -> dict:
	"""Queue the feedback request of every visit marked Completed `feedback_delay_minutes` ago."""
	now = now or now_datetime()
	delay = booking_settings().aftercare.feedback_delay_minutes
	rows = frappe.db.sql(
		"""select name, visit_marked_at from `tabWA Service Booking`
		where status = 'Completed' and conversation is not null and ifnull(feedback_request, '') = ''
			and visit_marked_at between %s and %s""",
		(now - rules.FEEDBACK_MAX_AGE, now - timedelta(minutes=delay)),
		as_dict=True,
	)
	counts = {"queued": 0, "skipped": 0}
	for row in rows:
		if rules.feedback_due(get_datetime(row.visit_marked_at), now, delay):
			outcome = run_with_db_retries(lambda: _ask_feedback(row.name))
			if outcome:
				counts[outcome] += 1
	return counts


def _ask_feedback(booking: str) -> str | None:
	frappe.db.rollback()
	conversation = frappe.db.get_value("WA Service Booking", booking, "conversation")
	conv = _lock_conversation(conversation)
	row = frappe.db.sql(
		"""select name, first_name, service_type, phone from `tabWA Service Booking`
		where name = %s and status = 'Completed' and ifnull(feedback_request, '') = '' for update""",
		booking,
		as_dict=True,
	)
	if not conv or not row:
		frappe.db.commit()
		return None
	row = row[0]
	reply = rules.feedback_request(booking, row.first_name or "", row.service_type or "")
	template = booking_settings().aftercare.feedback_template
	values = {"first_name": row.first_name or "", "service": row.service_type or "", "booking": booking}
	result = _queue(conv, reply, template, values)
	_write(booking, {"feedback_request": result})
	if not result.startswith(rules.SKIPPED) and not conv.pending_change and conv.state not in ("COLLECTING", "CONFIRMING"):
		# a typed "4" is then read as the rating (a tap on the list names its booking anyway)
		frappe.db.sql(
			"update `tabWA Conversation` set pending_change = %s where name = %s",
			(rules.pending_question(rules.RATE, booking), conversation),
		)
	frappe.db.commit()
	if result.startswith(rules.SKIPPED):
		return "skipped"
	_offer(conversation)
	return "queued"


# ---------------------------------------------------------------- shared


def _lock_conversation(conversation: str | None):
	"""The conversation row first, as every writer of a conversation and its messages does."""
	if not conversation:
		return None
	rows = frappe.db.sql(
		"""select name, last_inbound_at, pending_change, state from `tabWA Conversation`
		where name = %s for update""",
		conversation,
		as_dict=True,
	)
	return rows[0] if rows else None


def _queue(conv, reply: Reply, template: Template, values: dict) -> str:
	"""The message queued for the customer: `reply` inside WhatsApp's 24-hour window, else the
	approved template. Returns its id, or why nothing was queued (`rules.SKIPPED`...)."""
	from yawlit_bot.services.campaigns.audience import is_opted_out

	if is_opted_out(conv.name):
		return rules.SKIPPED + "the number opted out"
	if in_service_window(conv.last_inbound_at, now_datetime()):
		queue_reply(conv.name, reply)
	elif template.name:
		insert_message(
			{
				"conversation": conv.name,
				"role": "assistant",
				"message_type": "template",
				"content": reply.body,
				"template": json.dumps(
					{
						"name": template.name,
						"language": template.language,
						"fields": rules.template_fields(template.sources, values),
					},
					ensure_ascii=False,
				),
				"send_status": "Queued",
			}
		)
	else:
		return rules.SKIPPED + "outside the 24-hour window and no template is set"
	return str(frappe.db.sql("select lastval(`wa_message_id_seq`)")[0][0])


def _write(booking: str, values: dict) -> None:
	"""Plain SQL: the booking's own save would run its seat move and staff notice for a field
	nobody edits."""
	assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
	frappe.db.sql(
		f"update `tabWA Service Booking` set {assignments}, modified = %(_now)s where name = %(_name)s",
		{**values, "_now": now_datetime(), "_name": booking},
	)


def _offer(conversation: str) -> None:
	from yawlit_bot.services.pipeline.turn_offers import enqueue_turn

	enqueue_turn(conversation, force=True)


# ---------------------------------------------------------------- the visit done (staff)


def mark_visit(booking: str, outcome: str) -> str:
	"""Mark one booking Completed or No-show, under its row lock. Returns its status after;
	raises a ValidationError saying why not."""
	row = frappe.db.sql(
		"select status, appointment_date from `tabWA Service Booking` where name = %s for update", booking, as_dict=True
	)
	if not row:
		frappe.throw(_("Booking {0} not found").format(booking), frappe.DoesNotExistError)
	problem = rules.visit_outcome_problem(row[0].status, outcome, getdate(row[0].appointment_date), today_in_india())
	if problem:
		frappe.throw(_(problem), title=_("Cannot mark {0}").format(booking))
	if row[0].status == outcome:
		return outcome
	doc = frappe.get_doc("WA Service Booking", booking)
	doc.status = outcome
	doc.visit_marked_at = now_datetime()
	doc.visit_marked_by = frappe.session.user
	doc.save()  # the seat goes back through the booking's own seat move; the change is versioned
	return outcome
