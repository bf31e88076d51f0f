"""Sites installed before the language-model settings existed have no stored value for them:
store their defaults (rules only, 8 s, 0.6) so the form shows what the bot does."""

import frappe

DEFAULTS = {
	"llm_provider": "None (rules only)",
	"llm_timeout": 8,
	"llm_confidence_threshold": 0.6,
}


def execute():
	for field, default in DEFAULTS.items():
		if frappe.db.get_single_value("WA Bot Settings", field) in (None, "", 0):
			frappe.db.set_single_value("WA Bot Settings", field, default)
