"""Settings are read through one typed object with their defaults applied once, and a patch
stores the defaults on sites installed before a setting existed."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from yawlit_bot.patches import fill_settings_defaults
from yawlit_bot.services.settings import DEFAULTS, BotSettings, bot_settings, with_defaults


class TestSettings(FrappeTestCase):
	def test_missing_and_zero_numbers_take_their_defaults_a_switch_keeps_its_value(self):
		self.assertEqual(with_defaults({}), DEFAULTS)
		values = with_defaults({"lock_timeout": 0, "flood_reply_limit": None, "enabled": 0, "llm_model": " m "})
		self.assertEqual((values["lock_timeout"], values["flood_reply_limit"]), (30, 10))
		self.assertIs(values["enabled"], False)
		self.assertEqual(values["llm_model"], "m")
		self.assertIsInstance(bot_settings(), BotSettings)

	def test_the_patch_stores_every_missing_default(self):
		self.addCleanup(frappe.db.rollback)
		frappe.db.delete("Singles", {"doctype": "WA Bot Settings", "field": ("in", ["llm_timeout", "sweeper_age"])})
		fill_settings_defaults.execute()
		stored = dict(
			frappe.db.sql(
				"select field, value from `tabSingles` where doctype = 'WA Bot Settings' and field in ('llm_timeout', 'sweeper_age')"
			)
		)
		self.assertEqual({k: int(v) for k, v in stored.items()}, {"llm_timeout": 8, "sweeper_age": 60})
