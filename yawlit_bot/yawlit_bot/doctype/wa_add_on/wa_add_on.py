# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from yawlit_bot.services.booking.catalog.builtin import ForgetsCatalog


class WAAddon(ForgetsCatalog, Document):
	"""An extra that can go with a service (Eco Wash, Exterior Polishing...)."""
