# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WAServiceAddon(Document):
	"""An add-on that may go with a service (included, or an optional extra)."""

	pass
