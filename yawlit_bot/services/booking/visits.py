"""What a customer's answer writes on their booking, inside the turn that read it: the visit
confirmed from a reminder, the rating and the comment after it. Each is written only on a
booking of the same conversation in the right status, so a stale or forged row id changes nothing."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from yawlit_bot.services.site.db import rows_changed


def confirm_visit(booking: str, conversation: str) -> bool:
	frappe.db.sql(
		"""update `tabWA Service Booking` set visit_confirmed_at = %s, modified = %s
		where name = %s and conversation = %s and status = 'Confirmed'""",
		(now_datetime(), now_datetime(), booking, conversation),
	)
	return rows_changed() == 1


def store_rating(booking: str, conversation: str, rating: int) -> bool:
	"""On a completed booking of this conversation only: a row id cannot rate another's visit."""
	frappe.db.sql(
		"""update `tabWA Service Booking` set feedback_rating = %s, feedback_at = %s, modified = %s
		where name = %s and conversation = %s and status = 'Completed'""",
		(rating, now_datetime(), now_datetime(), booking, conversation),
	)
	return rows_changed() == 1


def store_comment(booking: str, conversation: str, comment: str) -> bool:
	frappe.db.sql(
		"""update `tabWA Service Booking` set feedback_comment = %s, modified = %s
		where name = %s and conversation = %s and status = 'Completed'""",
		(comment, now_datetime(), booking, conversation),
	)
	return rows_changed() == 1
