"""`WA Bot Settings` for the pipeline: one typed object, its defaults applied here once.

A field added after a site was installed has no stored value until someone saves the form (a
patch stores the defaults on migrate); Frappe reads a missing number as 0. So a number that is
0 or missing means its default, the same everywhere: in the pipeline, in the form's validation
and in the patch.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import frappe
from frappe.utils import cint
from frappe.utils.password import get_decrypted_password

from yawlit_bot.engine.flood import DEFAULT_REPLY_LIMIT
from yawlit_bot.engine.understanding import DEFAULT_THRESHOLD, NO_MODEL
from yawlit_bot.services.wapi_client import WapiConfig, WapiError


@dataclass(frozen=True)
class BotSettings:
	enabled: bool = True
	wapi_base_url: str = ""
	wapi_vendor_uid: str = ""
	wapi_timeout: int = 10
	lock_timeout: int = 30
	sweeper_age: int = 60
	max_turn_attempts: int = 5
	max_send_attempts: int = 5
	flood_reply_limit: int = DEFAULT_REPLY_LIMIT
	campaign_rate_limit: int = 20
	whatsapp_rate_cap: int = 80
	campaign_batch_size: int = 100
	llm_provider: str = NO_MODEL
	llm_model: str = ""
	llm_api_base: str = ""
	llm_timeout: int = 8
	llm_confidence_threshold: float = DEFAULT_THRESHOLD


DEFAULTS: dict[str, object] = {f.name: f.default for f in fields(BotSettings)}


def with_defaults(values) -> dict:
	"""`values` (a document or a dict) with every setting present: missing text and numbers that
	are 0 take their default; a switch keeps what is stored."""
	result = {}
	for name, default in DEFAULTS.items():
		value = values.get(name)
		if isinstance(default, bool):
			result[name] = default if value is None else bool(cint(value))
		elif isinstance(default, (int, float)):
			result[name] = type(default)(value) if value not in (None, "") and float(value) else default
		else:
			result[name] = str(value).strip() if value not in (None, "") else default
	return result


def bot_settings() -> BotSettings:
	"""The settings as cached for this site (cleared when they are saved)."""
	return BotSettings(**with_defaults(frappe.get_cached_doc("WA Bot Settings")))


def stored_bot_enabled() -> bool:
	"""The bot switch as the database holds it now, past every cache (one indexed read)."""
	value = frappe.db.get_single_value("WA Bot Settings", "enabled", cache=False)
	return bool(cint(value))


def get_wapi_config() -> WapiConfig:
	settings = bot_settings()
	token = get_decrypted_password("WA Bot Settings", "WA Bot Settings", "wapi_token", raise_exception=False)
	if not (settings.wapi_base_url and settings.wapi_vendor_uid and token):
		raise WapiError("WAPI is not configured: set base URL, vendor UID and token in WA Bot Settings")
	return WapiConfig(settings.wapi_base_url, settings.wapi_vendor_uid, token, settings.wapi_timeout)
