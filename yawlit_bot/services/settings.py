"""Reading `WA Bot Settings` for the pipeline."""

import frappe
from frappe.utils import cint
from frappe.utils.password import get_decrypted_password

from yawlit_bot.services.wapi_client import WapiConfig, WapiError


def get_bot_settings():
	return frappe.get_cached_doc("WA Bot Settings")


def stored_bot_enabled() -> bool:
	"""The bot switch as the database holds it now, past every cache (one indexed read)."""
	row = frappe.db.sql("select value from `tabSingles` where doctype = 'WA Bot Settings' and field = 'enabled'")
	return bool(row and cint(row[0][0]))


def get_wapi_config() -> WapiConfig:
	settings = get_bot_settings()
	token = get_decrypted_password("WA Bot Settings", "WA Bot Settings", "wapi_token", raise_exception=False)
	if not (settings.wapi_base_url and settings.wapi_vendor_uid and token):
		raise WapiError("WAPI is not configured: set base URL, vendor UID and token in WA Bot Settings")
	return WapiConfig(settings.wapi_base_url, settings.wapi_vendor_uid, token, settings.wapi_timeout or 10)
