"""Who a campaign reaches: its recipient rows (one per campaign and phone, added from the
conversations, the bookings or a comeback rule) and the numbers that opted out (STOP and START)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from yawlit_bot.engine import campaign as rules
from yawlit_bot.engine import replies
from yawlit_bot.engine.opt_out import OptCommand, decide_opt_command
from yawlit_bot.engine.validation import normalize_whatsapp_number
from yawlit_bot.services.campaigns.results import RECIPIENT, lock_campaign, refresh_counts

# Qualified: inside the subquery a bare `phone` would be the opt-out's own column.
OPTED_OUT_SQL = (
	f"exists (select 1 from `tabWA Opt Out` o where o.phone = `{RECIPIENT}`.phone and o.opted_out = 1)"
)


def recipient_name(campaign: str, phone: str) -> str:
	return f"{campaign}-{phone}"


def _invalid_name(campaign: str, raw: str) -> str:
	return f"{campaign}-x{hashlib.sha1(raw.encode()).hexdigest()[:16]}"


def listed_phones(campaign: str) -> set[str]:
	return set(frappe.db.sql_list(f"select phone from `{RECIPIENT}` where campaign = %s", campaign))


def add_audience(campaign: str, candidates: list[rules.Candidate], source: str) -> dict:
	"""Add numbers to a draft campaign; returns how many were added, repeated or invalid."""
	lock_campaign(campaign)  # a Send committing meanwhile sees all of these rows or none
	doc = frappe.get_doc("WA Campaign", campaign)
	if doc.status != "Draft":
		frappe.throw(_("Recipients can only be added while the campaign is a Draft."))
	reading = rules.sort_audience(candidates, listed_phones(campaign))
	now = now_datetime()
	user = frappe.session.user
	fields = ["name", "campaign", "phone", "first_name", "last_name", "status", "source", "attempts"]
	fields += ["creation", "modified", "owner", "modified_by", "docstatus", "idx"]
	rows = [
		(
			recipient_name(campaign, r.phone),
			campaign,
			r.phone,
			r.first_name,
			r.last_name,
			rules.PENDING,
			source,
			0,
		)
		for r in reading.recipients
	]
	rows += [
		(_invalid_name(campaign, raw), campaign, raw[:100], None, None, rules.INVALID, source, 0)
		for raw in dict.fromkeys(reading.invalid)
	]
	# INSERT IGNORE: the same list added twice at once by two people still adds each row once.
	frappe.db.bulk_insert(
		"WA Campaign Recipient",
		fields,
		[(*row, now, now, user, user, 0, 0) for row in rows],
		ignore_duplicates=True,
	)
	refresh_counts(campaign)
	return reading.summary()


def candidates_from_conversations(filters: dict | None) -> list[rules.Candidate]:
	"""Customers who have written to the bot. Campaign managers may not read conversations
	themselves: they get numbers and names only, behind the campaign methods' role check."""
	# never the WhatsApp Simulator's numbers: a campaign is real WhatsApp traffic
	rows = frappe.get_all(
		"WA Conversation", filters={**(filters or {}), "simulated": 0}, fields=["name", "contact_name"]
	)
	return [rules.Candidate(row.name, *_split_contact_name(row.name, row.contact_name)) for row in rows]


def candidates_from_bookings(filters: dict | None) -> list[rules.Candidate]:
	rows = frappe.get_all(
		"WA Service Booking",
		filters={**(filters or {}), "simulated": 0},
		fields=["phone", "first_name", "last_name"],
		order_by="creation desc",
	)
	return [rules.Candidate(row.phone or "", row.first_name, row.last_name) for row in rows]


def comeback_candidates(rule: rules.Comeback, today) -> list[rules.Candidate]:
	"""Customers to bring back (`engine.campaign.Comeback`), by their WhatsApp conversation, named
	as on their latest booking. Never the WhatsApp Simulator's, never an opted-out number, never
	anyone with a confirmed visit still to come."""
	opted_out = "exists (select 1 from `tabWA Opt Out` o where o.phone = {0} and o.opted_out = 1)"
	if rule.never_booked:
		rows = frappe.db.sql(
			f"""select c.name, c.contact_name from `tabWA Conversation` c
			where c.simulated = 0
				and not exists (select 1 from `tabWA Service Booking` b where b.conversation = c.name)
				and not {opted_out.format("c.name")}
			order by c.name""",
			as_dict=True,
		)
		return [rules.Candidate(row.name, *_split_contact_name(row.name, row.contact_name)) for row in rows]
	conditions = ["b.status = 'Completed'", "b.simulated = 0", "b.conversation is not null"]
	values: dict = {"cutoff": today - timedelta(days=rule.away_days), "today": today}
	for column, value in (
		("city", rule.city),
		("pincode", rule.pincode),
		("vehicle_type", rule.vehicle_type),
		("service_type", rule.service),
	):
		if value:
			conditions.append(f"b.`{column}` = %({column})s")
			values[column] = value
	rows = frappe.db.sql(
		f"""select v.conversation,
			(select x.first_name from `tabWA Service Booking` x where x.conversation = v.conversation
				order by x.appointment_date desc, x.name desc limit 1) as first_name,
			(select x.last_name from `tabWA Service Booking` x where x.conversation = v.conversation
				order by x.appointment_date desc, x.name desc limit 1) as last_name
		from (
			select b.conversation, max(b.appointment_date) as last_visit from `tabWA Service Booking` b
			where {" and ".join(conditions)} group by b.conversation
		) v
		where v.last_visit <= %(cutoff)s
			and not exists (select 1 from `tabWA Service Booking` u where u.conversation = v.conversation
				and u.status = 'Completed' and u.appointment_date > %(cutoff)s)
			and not exists (select 1 from `tabWA Service Booking` u where u.conversation = v.conversation
				and u.status = 'Confirmed' and u.appointment_date >= %(today)s)
			and not {opted_out.format("v.conversation")}
		order by v.conversation""",
		values,
		as_dict=True,
	)
	return [rules.Candidate(row.conversation, row.first_name, row.last_name) for row in rows]


def _split_contact_name(phone: str, contact_name: str | None) -> tuple[str | None, str | None]:
	first, _sep, last = (contact_name or "").partition(" ")
	if first == phone:  # no profile name: the conversation was named after the number
		return None, None
	return first or None, last or None


def is_opted_out(phone: str) -> bool:
	return bool(frappe.db.get_value("WA Opt Out", phone, "opted_out"))


def record_opt_command(phone: str, command: OptCommand, source: str) -> replies.Reply | None:
	"""STOP records an opt-out and skips the number's pending campaign rows; START undoes both
	(for campaigns not finished yet). Written in the caller's transaction. None when there is
	nothing to undo: a "start" from someone who never opted out is an ordinary message."""
	phone = normalize_whatsapp_number(phone) or phone
	now = now_datetime()
	has_record = bool(frappe.db.exists("WA Opt Out", phone))
	decision = decide_opt_command(command, is_opted_out(phone), has_record)
	if decision is None:
		return None
	stop = decision.opted_out
	if decision.write_record and has_record:
		record = frappe.get_doc("WA Opt Out", phone)
		record.update({"opted_out": int(stop), "source": source, "opted_in_at": None if stop else now})
		record.flags.customer_request = True
		record.save(ignore_permissions=True)  # a Version keeps the history of consent
	elif decision.write_record:
		frappe.get_doc({"doctype": "WA Opt Out", "phone": phone, "opted_out": 1, "source": source}).insert(
			ignore_permissions=True
		)
	if stop:
		frappe.db.sql(
			f"""update `{RECIPIENT}` set status = %s, modified = %s,
			error = 'The customer opted out of marketing messages'
			where phone = %s and status = %s""",
			(rules.OPTED_OUT, now, phone, rules.PENDING),
		)
		return decision.reply
	# Back in: campaigns not yet finished include the number again.
	frappe.db.sql(
		f"""update `{RECIPIENT}` r join `tabWA Campaign` c on c.name = r.campaign
		set r.status = %s, r.error = null, r.modified = %s
		where r.phone = %s and r.status = %s and c.status in ('Draft', 'Queued', 'Sending')""",
		(rules.PENDING, now, phone, rules.OPTED_OUT),
	)
	return decision.reply
