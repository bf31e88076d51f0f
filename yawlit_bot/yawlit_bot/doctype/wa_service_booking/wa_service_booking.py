# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from datetime import datetime

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate


class WAServiceBooking(Document):
	"""A booking made from a confirmed scratchpad. The unique scratchpad link means one booking
	per scratchpad, whatever races above it. Staff may cancel it or move it to another date or
	slot: its seat is taken and given back through the slot's row, the way the bot does
	(`services/booking/slots.py`)."""

	def validate(self):
		self.customer_name = " ".join(filter(None, (self.first_name, self.last_name)))
		self.set_calendar_times()
		self.check_visit_outcome()
		if not self.flags.seat_taken:
			self.move_seat()

	def check_visit_outcome(self):
		"""Completed or No-show set on the form (not only by the Mark buttons): the same rule, and
		who marked it and when, which the feedback request waits on."""
		from yawlit_bot.engine.aftercare import VISIT_OUTCOMES, visit_outcome_problem
		from yawlit_bot.services.site.clock import today_in_india

		before = self.get_doc_before_save()
		if before is None or before.status == self.status or self.status not in VISIT_OUTCOMES:
			return
		problem = visit_outcome_problem(before.status, self.status, getdate(self.appointment_date), today_in_india())
		if problem:
			frappe.throw(_(problem), title=_("Cannot mark {0}").format(self.name))
		if not self.visit_marked_at:
			self.visit_marked_at = frappe.utils.now_datetime()
			self.visit_marked_by = frappe.session.user

	def set_calendar_times(self):
		from yawlit_bot.engine.catalog import CatalogError, slot_times

		self.starts_at = self.ends_at = None
		if self.appointment_date and self.time_slot:
			try:
				start, end = slot_times(self.time_slot)
			except CatalogError:
				return
			day = getdate(self.appointment_date)
			self.starts_at, self.ends_at = datetime.combine(day, start), datetime.combine(day, end)

	def seat(self, doc) -> tuple | None:
		"""The seat `doc` (this booking now, or before the change) holds: confirmed bookings hold one."""
		if doc is None or doc.status != "Confirmed" or not (doc.appointment_date and doc.time_slot):
			return None
		return (str(getdate(doc.appointment_date)), doc.time_slot)

	def move_seat(self):
		"""Give back the seat it held, take the one it holds now (in the slot rows' name order, so
		two opposite moves cannot deadlock); a full slot refuses the change."""
		from yawlit_bot.services.booking import slots
		from yawlit_bot.services.booking.catalog import BUILT_IN
		from yawlit_bot.services.site.settings import booking_settings

		old, new = self.seat(self.get_doc_before_save()), self.seat(self)
		if old == new or booking_settings().backend != BUILT_IN:
			return  # with Yawlit's ERP as the backend, its seats are the ERP's
		for seat in sorted(filter(None, (old, new))):
			if seat == old:
				slots.free_seat(*seat)
				continue
			check, row = slots.check_slot(*seat, self.conversation)
			if not check.available:
				free = ", ".join(check.free_slots) or ", ".join(check.other_dates)
				frappe.throw(
					_("{0} Free instead: {1}").format(check.reason, free or _("nothing in the booking window")),
					title=_("No seat"),
				)
			slots.take_seat(row, self.conversation)

	def on_update(self):
		"""A move or cancellation by staff is told to the customer: queued with this change, sent
		once after it commits (the conversation's turn job sends it, in order with its other
		replies)."""
		from yawlit_bot.engine.staff_changes import notice_for

		before = self.get_doc_before_save()
		if before is None or not self.conversation or self.flags.by_customer:
			return  # a new booking, or the customer's own cancellation: the bot answers it itself
		notice = notice_for(before.as_dict(), self.as_dict(), self.name)
		if notice is None:
			return
		from yawlit_bot.services.outbound.messages import queue_reply
		from yawlit_bot.services.pipeline.turn_offers import enqueue_turn

		queue_reply(self.conversation, notice)
		conversation = self.conversation
		frappe.db.after_commit.add(lambda: enqueue_turn(conversation, force=True))

	def on_trash(self):
		from yawlit_bot.services.booking import slots
		from yawlit_bot.services.booking.catalog import BUILT_IN
		from yawlit_bot.services.site.settings import booking_settings

		seat = self.seat(self)
		if seat and booking_settings().backend == BUILT_IN:
			slots.free_seat(*seat)
