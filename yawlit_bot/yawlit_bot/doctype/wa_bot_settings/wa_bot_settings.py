# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from yawlit_bot.engine.campaign import check_send_rate
from yawlit_bot.services.site import webhook_config
from yawlit_bot.services.site.settings import NO_MODEL, with_defaults


class WABotSettings(Document):
	def validate(self):
		# Missing or 0 numbers take their defaults (services/site/settings.py), then their bounds.
		self.update(with_defaults(self))
		self.wapi_base_url = self.wapi_base_url.rstrip("/")
		if self.wapi_base_url and not self.wapi_base_url.startswith(("http://", "https://")):
			frappe.throw(_("WAPI Base URL must start with http:// or https://"))
		self.wapi_timeout = min(max(self.wapi_timeout, 5), 10)
		self.lock_timeout = max(self.lock_timeout, 2)
		self.sweeper_age = max(self.sweeper_age, 5)
		self.max_turn_attempts = max(self.max_turn_attempts, 1)
		self.max_send_attempts = max(self.max_send_attempts, 1)
		self.flood_reply_limit = max(self.flood_reply_limit, 1)
		self.reading_budget_ms = min(max(self.reading_budget_ms, 50), 2000)
		self.campaign_batch_size = min(max(self.campaign_batch_size, 1), 1000)
		problem = check_send_rate(self.campaign_rate_limit, self.whatsapp_rate_cap)
		if problem:
			frappe.throw(_(problem))
		self.validate_model_settings()
		self.webhook_url = webhook_config.webhook_url()

	def validate_model_settings(self):
		self.llm_timeout = min(max(self.llm_timeout, 1), 15)
		self.llm_confidence_threshold = min(max(self.llm_confidence_threshold, 0.0), 1.0)
		self.llm_api_base = self.llm_api_base.rstrip("/")
		if self.llm_provider == NO_MODEL:
			return
		if not (self.llm_model or "").strip():
			frappe.throw(_("Set the Model for {0}, or choose None (rules only).").format(self.llm_provider))
		if self.llm_api_base and not self.llm_api_base.startswith(("http://", "https://")):
			frappe.throw(_("The model's API Base URL must start with http:// or https://"))
		if self.llm_provider == "OpenAI-compatible" and not self.llm_api_base:
			frappe.throw(_("An OpenAI-compatible provider needs its API Base URL (ending in /v1)."))
		if self.llm_timeout * 2 > self.lock_timeout:
			# the model is asked while the conversation's lock is held: it must end well inside it
			frappe.throw(
				_("Model Timeout ({0} s) must be at most half the Lock Timeout ({1} s).").format(
					self.llm_timeout, self.lock_timeout
				)
			)

	def on_update(self):
		# After commit: cleared earlier, a webhook could re-cache the old values in between.
		frappe.db.after_commit.add(webhook_config.forget)


@frappe.whitelist()
def regenerate_webhook_secret() -> str:
	"""A new secret (the old URL stops working at once); the full URL is shown this one time."""
	frappe.only_for("System Manager")
	return webhook_config.regenerate_secret()


@frappe.whitelist()
def reveal_webhook_url_once() -> dict:
	"""The full URL the first time a System Manager opens the settings after install, then never;
	and whether the site's public address makes it one WAPI can reach."""
	frappe.only_for("System Manager")
	return {"url": webhook_config.reveal_url_once(), "address_problem": webhook_config.public_address_problem()}
