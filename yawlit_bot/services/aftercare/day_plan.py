"""What staff see of the day: today's to-do (to come, under way, done, no-show), tomorrow's
bookings with their reminder status, and this month's feedback average. Read for the Day Plan
page and the workspace; the groups and labels are the engine's (`engine/aftercare.py`)."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import get_datetime

from yawlit_bot.engine import aftercare as rules
from yawlit_bot.services.site.clock import now_in_india, today_in_india


def day_plan() -> dict:
	now, today = now_in_india(), today_in_india()
	rows = frappe.db.sql(
		"""select b.name, b.customer_name, b.phone, b.appointment_date, b.time_slot, b.service_type,
			b.address, b.status, b.starts_at, b.simulated, b.evening_reminder, b.morning_reminder,
			b.visit_confirmed_at, b.feedback_rating,
			ev.send_status as evening_status, mo.send_status as morning_status
		from `tabWA Service Booking` b
		left join `tabWA Message` ev on b.evening_reminder regexp '^[0-9]+$' and ev.name = b.evening_reminder
		left join `tabWA Message` mo on b.morning_reminder regexp '^[0-9]+$' and mo.name = b.morning_reminder
		where b.appointment_date in (%s, %s) and b.status != 'Cancelled'
		order by b.starts_at, b.name""",
		(today, today + timedelta(days=1)),
		as_dict=True,
	)
	todo = {group: [] for group in rules.TODO_GROUPS}
	tomorrow = []
	for row in rows:
		item = {
			"name": row.name,
			"customer": row.customer_name or row.phone,
			"slot": row.time_slot,
			"service": row.service_type,
			"address": row.address,
			"status": row.status,
			"simulated": bool(row.simulated),
			"rating": row.feedback_rating or None,
		}
		if str(row.appointment_date) == str(today):
			group = rules.todo_group(row.status, get_datetime(row.starts_at) if row.starts_at else None, now)
			if group:
				todo[group].append(item)
		elif row.status == "Confirmed":
			latest = (row.morning_reminder, row.morning_status) if row.morning_reminder else (row.evening_reminder, row.evening_status)
			item["reminder"] = rules.reminder_status(*latest, confirmed=bool(row.visit_confirmed_at))
			tomorrow.append(item)
	average, count = feedback_this_month()
	return {
		"today": str(today),
		"todo": todo,
		"counts": {group: len(items) for group, items in todo.items()},
		"tomorrow": tomorrow,
		"feedback_average": average,
		"feedback_count": count,
	}


def feedback_this_month() -> tuple[float | None, int]:
	first = today_in_india().replace(day=1)
	ratings = frappe.db.sql_list(
		"""select feedback_rating from `tabWA Service Booking`
		where feedback_rating between 1 and 5 and feedback_at >= %s and simulated = 0""",
		first,
	)
	return rules.average_rating(ratings), len(ratings)
