"""Sites installed before a setting existed have no stored value for it: store every default
(services/settings.py), so the form shows what the bot does and the pipeline reads one value."""

import frappe

from yawlit_bot.services.settings import DEFAULTS


def execute():
	stored = set(frappe.db.get_singles_dict("WA Bot Settings"))
	for field, default in DEFAULTS.items():
		if field not in stored:
			value = int(default) if isinstance(default, bool) else default
			frappe.db.set_single_value("WA Bot Settings", field, value)
