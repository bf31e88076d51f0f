# Copyright (c) 2026, Yawlit and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_url
from frappe.utils.password import get_decrypted_password

from yawlit_bot.engine.campaign import check_send_rate

WEBHOOK_PATH = "/api/method/yawlit_bot.api.webhook.receive"


class WABotSettings(Document):
	def validate(self):
		self.wapi_base_url = (self.wapi_base_url or "").strip().rstrip("/")
		if self.wapi_base_url and not self.wapi_base_url.startswith(("http://", "https://")):
			frappe.throw(_("WAPI Base URL must start with http:// or https://"))
		self.wapi_timeout = min(max(self.wapi_timeout or 10, 5), 10)
		self.lock_timeout = max(self.lock_timeout or 30, 2)
		self.sweeper_age = max(self.sweeper_age or 60, 5)
		self.max_turn_attempts = max(self.max_turn_attempts or 5, 1)
		self.max_send_attempts = max(self.max_send_attempts or 5, 1)
		self.flood_reply_limit = max(self.flood_reply_limit or 10, 1)
		self.campaign_batch_size = min(max(self.campaign_batch_size or 100, 1), 1000)
		# Fields added after install have no stored value until the first save.
		self.campaign_rate_limit = self.campaign_rate_limit or 20
		self.whatsapp_rate_cap = self.whatsapp_rate_cap or 80
		problem = check_send_rate(self.campaign_rate_limit, self.whatsapp_rate_cap)
		if problem:
			frappe.throw(_(problem))
		self.validate_model_settings()
		self.webhook_url = get_url(WEBHOOK_PATH)

	def validate_model_settings(self):
		self.llm_provider = self.llm_provider or "None (rules only)"
		self.llm_timeout = min(max(self.llm_timeout or 8, 1), 15)
		if self.llm_confidence_threshold is None or not 0 <= self.llm_confidence_threshold <= 1:
			self.llm_confidence_threshold = 0.6 if self.llm_confidence_threshold is None else min(
				max(self.llm_confidence_threshold, 0), 1
			)
		self.llm_api_base = (self.llm_api_base or "").strip().rstrip("/")
		if self.llm_provider == "None (rules only)":
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
		frappe.db.after_commit.add(lambda: frappe.cache.delete_value(WEBHOOK_CONFIG_CACHE_KEY))


# What the webhook needs on every request, in one cached value (one Redis read, not two).
WEBHOOK_CONFIG_CACHE_KEY = "yawlit_bot:webhook_config"
WEBHOOK_CONFIG_TTL = 60


def webhook_url_with(secret: str) -> str:
	return f"{get_url(WEBHOOK_PATH)}?token={secret}"


def get_webhook_config() -> dict:
	"""`{"secret": str, "enabled": bool}`, cached per site, cleared when settings change."""
	config = frappe.cache.get_value(WEBHOOK_CONFIG_CACHE_KEY)
	if config is None:
		secret = get_decrypted_password(
			"WA Bot Settings", "WA Bot Settings", "webhook_secret", raise_exception=False
		)
		from yawlit_bot.services.settings import stored_bot_enabled

		config = {"secret": secret or "", "enabled": stored_bot_enabled()}
		# Expires too: a request that read the old values just before a save can cache them
		# again after on_update cleared the key, and a raw SQL change never clears it.
		frappe.cache.set_value(WEBHOOK_CONFIG_CACHE_KEY, config, expires_in_sec=WEBHOOK_CONFIG_TTL)
	return config


def get_webhook_secret() -> str | None:
	"""The secret WAPI puts in the URL."""
	return get_webhook_config()["secret"] or None


def ensure_webhook_secret() -> str:
	"""Create the secret if there is none; returns the full webhook URL."""
	secret = get_webhook_secret()
	if not secret:
		secret = _set_new_secret()
	return webhook_url_with(secret)


def _set_new_secret() -> str:
	secret = frappe.generate_hash(length=40)
	settings = frappe.get_single("WA Bot Settings")
	settings.webhook_secret = secret
	settings.webhook_secret_revealed = 0
	settings.save(ignore_permissions=True)
	return secret


@frappe.whitelist()
def regenerate_webhook_secret() -> str:
	"""A new secret (the old URL stops working at once); the full URL is shown this one time."""
	frappe.only_for("System Manager")
	secret = _set_new_secret()
	frappe.db.set_single_value("WA Bot Settings", "webhook_secret_revealed", 1)
	return webhook_url_with(secret)


@frappe.whitelist()
def reveal_webhook_url_once() -> str | None:
	"""The full URL the first time a System Manager opens the settings after install, then never."""
	frappe.only_for("System Manager")
	if frappe.db.get_single_value("WA Bot Settings", "webhook_secret_revealed"):
		return None
	url = ensure_webhook_secret()
	frappe.db.set_single_value("WA Bot Settings", "webhook_secret_revealed", 1)
	return url
