"""The webhook's secret and the small config every webhook request reads (one cached value,
one Redis read), and the secret's rotation. The settings form and install call these."""

from __future__ import annotations

import frappe
from frappe.utils import get_url
from frappe.utils.password import get_decrypted_password

from yawlit_bot.services.site.settings import stored_bot_enabled

WEBHOOK_PATH = "/api/method/yawlit_bot.api.webhook.receive"


# What the webhook needs on every request, in one cached value (one Redis read, not two).
WEBHOOK_CONFIG_CACHE_KEY = "yawlit_bot:webhook_config"
WEBHOOK_CONFIG_TTL = 60


def webhook_url() -> str:
	"""The webhook's address from the site's public address (`host_name`) as it is (a dev bench's
	`get_url` would add its own port to it); without one, what Frappe makes of the site."""
	host = (frappe.conf.get("host_name") or "").strip().rstrip("/")
	if host:
		return (host if "://" in host else f"https://{host}") + WEBHOOK_PATH
	return get_url(WEBHOOK_PATH)


def webhook_url_with(secret: str) -> str:
	return f"{webhook_url()}?token={secret}"


def get_webhook_config() -> dict:
	"""`{"secret": str, "enabled": bool}`, cached per site, cleared when settings change."""
	config = frappe.cache.get_value(WEBHOOK_CONFIG_CACHE_KEY)
	if config is None:
		secret = get_decrypted_password(
			"WA Bot Settings", "WA Bot Settings", "webhook_secret", raise_exception=False
		)
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




def forget() -> None:
	"""Drop the cached config (after the settings' commit: cleared earlier, a webhook could
	cache the old values again in between)."""
	frappe.cache.delete_value(WEBHOOK_CONFIG_CACHE_KEY)


def regenerate_secret() -> str:
	"""A new secret (the old URL stops working at once); returns the full URL, shown this once."""
	secret = _set_new_secret()
	frappe.db.set_single_value("WA Bot Settings", "webhook_secret_revealed", 1)
	return webhook_url_with(secret)


def reveal_url_once() -> str | None:
	"""The full URL the first time it is asked for after install, then never. Marked shown
	without touching the settings' modified time: the form open in the browser stays current
	and its first Save goes through."""
	if frappe.db.get_single_value("WA Bot Settings", "webhook_secret_revealed"):
		return None
	url = ensure_webhook_secret()
	frappe.db.set_single_value("WA Bot Settings", "webhook_secret_revealed", 1, update_modified=False)
	return url


def public_address_problem() -> str | None:
	"""Why the webhook URL may not be one WAPI can reach: the site has no public address
	(`host_name`), or it is not https. None when it looks right."""
	host = (frappe.conf.get("host_name") or "").strip()
	site = frappe.local.site
	if not host:
		return (
			"This site has no public address set, so the URL above is built from the site's name and port. "
			f"Set it first: bench --site {site} set-config host_name https://your-domain, then regenerate the secret."
		)
	if not host.startswith("https://"):
		return f"The site's public address ({host}) is not https: WAPI needs an https URL it can reach."
	return None
