# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cstr

from yawlit_bot.engine.fields import ALL_FIELDS, LABELS
from yawlit_bot.engine.merge import completeness, missing_required
from yawlit_bot.engine.understanding import SOURCE_STAFF
from yawlit_bot.engine.validation import check_field
from yawlit_bot.services.site.clock import today_in_india

FINAL_STATUSES = ("Completed", "Cancelled")


class WABookingScratchpad(Document):
	"""The booking being collected. Completed and cancelled scratchpads are kept read-only."""

	def validate(self):
		before = self.get_doc_before_save()
		if before and before.status in FINAL_STATUSES:
			frappe.throw(_("This scratchpad is {0} and can no longer be changed.").format(_(before.status)))
		self.normalise_changed_fields(before)
		values = self.booking_values()
		today = today_in_india()
		choices = self.catalog_choices()
		self.completeness = completeness(values, today, choices)
		self.missing_fields = ", ".join(LABELS[name] for name in missing_required(values, today, choices))

	def catalog_choices(self) -> dict | None:
		"""The services and add-ons a value must be one of: as the bot's turn checked them, or
		the catalog as it is now (a staff member's edit)."""
		if "choices" not in self.flags:
			from yawlit_bot.engine.offer import field_choices
			from yawlit_bot.services.booking.catalog import load_offer

			offer = load_offer()
			self.flags.choices = field_choices(offer) if offer else None
		return self.flags.choices

	def normalise_changed_fields(self, before):
		"""Whoever edits (the bot or staff in Desk), a stored value is a valid, normalised one."""
		today = today_in_india()
		for name in ALL_FIELDS:
			value = self.get(name)
			# compare as text: a reloaded date is a `date`, the engine hands back "YYYY-MM-DD"
			if not value or (before and cstr(before.get(name)) == cstr(value)):
				continue
			check = check_field(name, value, today, self.catalog_choices())
			if not check.ok:
				frappe.throw(_("{0}: {1}").format(_(LABELS[name]), check.error), title=_("Invalid value"))
			self.set(name, check.value)
			if not self.flags.from_bot:  # a staff member's edit in Desk
				self.record_sources({name: {"source": SOURCE_STAFF, "confidence": 1.0}})

	def record_sources(self, sources: dict) -> None:
		"""Where each value came from (rule, model, location pin, customer edit, staff) and how
		sure the reading was; shown to staff beside the values."""
		if not sources:
			return
		current = self.sources()
		current.update(sources)
		self.value_sources = json.dumps(current, ensure_ascii=False, sort_keys=True)

	def sources(self) -> dict:
		raw = self.get("value_sources")
		if isinstance(raw, dict):
			return dict(raw)
		try:
			value = json.loads(raw) if raw else {}
		except ValueError:
			return {}
		return value if isinstance(value, dict) else {}

	def booking_values(self) -> dict:
		return {name: (str(self.get(name)) if self.get(name) else None) for name in ALL_FIELDS}

	def on_trash(self):
		frappe.throw(_("Booking scratchpads are kept as a record and cannot be deleted."))
