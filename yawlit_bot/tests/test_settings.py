"""Settings are read through one typed object with their defaults applied once, and a patch
stores the defaults on sites installed before a setting existed."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from yawlit_bot.patches import fill_settings_defaults
from yawlit_bot.services.site.settings import DEFAULTS, BotSettings, bot_settings, with_defaults


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

	def test_the_first_save_goes_through_after_the_webhook_url_was_shown(self):
		from yawlit_bot.services.site import webhook_config

		self.addCleanup(frappe.db.rollback)
		frappe.db.set_single_value("WA Bot Settings", "webhook_secret_revealed", 0)
		opened = frappe.get_doc("WA Bot Settings")  # the form, as the browser loaded it
		opened.load_from_db()
		self.assertTrue(webhook_config.reveal_url_once())  # shown once, as the form does on load
		self.assertIsNone(webhook_config.reveal_url_once())
		opened.flood_reply_limit = 12
		opened.save()  # no "Document has been modified after you have opened it"
		self.assertEqual(frappe.db.get_single_value("WA Bot Settings", "flood_reply_limit"), 12)

	def test_a_site_without_a_public_https_address_is_told_so(self):
		from yawlit_bot.services.site import webhook_config

		saved = frappe.conf.get("host_name")
		self.addCleanup(lambda: frappe.conf.update({"host_name": saved}))
		frappe.conf.host_name = None
		self.assertIn("set-config host_name", webhook_config.public_address_problem())
		frappe.conf.host_name = "http://yawlit.example.com"
		self.assertIn("not https", webhook_config.public_address_problem())
		frappe.conf.host_name = "https://yawlit.example.com"
		self.assertIsNone(webhook_config.public_address_problem())
		self.assertTrue(webhook_config.webhook_url_with("s").startswith("https://yawlit.example.com/api/method/"))
