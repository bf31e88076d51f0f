"""`WA Bot Settings` and `WA Booking Settings`: typed objects, their defaults applied here once.

A field added after a site was installed has no stored value until someone saves the form (a
patch stores the defaults on migrate); Frappe reads a missing number as 0. So a number that is
0 or missing means its default, the same everywhere: in the pipeline, in the form's validation
and in the patch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import frappe
from frappe.utils import cint, get_time, getdate
from frappe.utils.password import get_decrypted_password

from yawlit_bot.engine.aftercare import (
	DEFAULT_EVENING_AT,
	DEFAULT_FEEDBACK_DELAY_MINUTES,
	DEFAULT_MORNING_AT,
	ReminderTimes,
	read_template_sources,
)
from yawlit_bot.engine.catalog import (
	DEFAULT_CLOSES,
	DEFAULT_OPENS,
	Schedule,
	opening_hours_problem,
	split_list,
)
from yawlit_bot.engine.flood import DEFAULT_REPLY_LIMIT
from yawlit_bot.engine.understanding import DEFAULT_THRESHOLD, NO_MODEL
from yawlit_bot.services.clients.wapi_client import WapiConfig, WapiError
from yawlit_bot.services.clients.yawlit_erp_client import ErpConfig


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
	reading_budget_ms: int = 250  # CPU time a turn may spend reading one message (services/pipeline/reading_budget.py)
	campaign_rate_limit: int = 20
	whatsapp_rate_cap: int = 80
	campaign_batch_size: int = 100
	reopen_template_name: str = ""  # the approved template staff send after the 24-hour window
	reopen_template_language: str = "en_US"
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


def read_afresh() -> None:
	"""Forget what this process read from the cache so far, as a new job starts: the next read
	goes to Redis (cleared whenever settings, the catalog or a service are saved). A drain job
	serves customers for up to 20 s; what staff saved meanwhile must reach the next customer.
	This is what `frappe.set_user` does to the same request-local cache."""
	frappe.local.cache = {}
	frappe.db.value_cache = {}


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


@dataclass(frozen=True)
class BookingSettings:
	"""`WA Booking Settings`: the schedule the engine cuts into slots, and the area served."""

	schedule: Schedule
	hold_minutes: int
	served_pincodes: tuple[str, ...]
	served_cities: tuple[str, ...]
	utility_surcharge: int
	backend: str = "Built-in"
	erp: ErpConfig | None = None  # with the Yawlit ERP backend over HTTP
	cancel_cutoff_hours: int = 2  # closer to its slot, a customer's cancellation goes to a person
	aftercare: AftercareSettings = field(default_factory=lambda: AftercareSettings())


@dataclass(frozen=True)
class Template:
	"""An approved WhatsApp template and what fills its {{1}}, {{2}}... (`aftercare.TEMPLATE_SOURCES`)."""

	name: str = ""
	language: str = "en"
	sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class AftercareSettings:
	"""Reminders before the visit and feedback after it (`engine/aftercare.py`)."""

	times: ReminderTimes = ReminderTimes()
	reminder_template: Template = Template()
	feedback_delay_minutes: int = DEFAULT_FEEDBACK_DELAY_MINUTES
	feedback_template: Template = Template()


def store_missing_defaults() -> None:
	"""Store the default of every setting that has no stored value, in both settings forms, so
	the form shows (and saves) what the bot does. Run on install, on every migrate and by the
	patches: a site whose install stopped half-way, or that predates a setting, is repaired by the
	next migrate. A value an admin stored, even an empty one, is never replaced."""
	stored = frappe.db.get_singles_dict("WA Bot Settings")
	for name, default in DEFAULTS.items():
		if stored.get(name) is None:
			frappe.db.set_single_value("WA Bot Settings", name, int(default) if isinstance(default, bool) else default)
	stored = frappe.db.get_singles_dict("WA Booking Settings")
	for df in frappe.get_meta("WA Booking Settings").fields:
		if df.default not in (None, "") and stored.get(df.fieldname) is None:
			frappe.db.set_single_value("WA Booking Settings", df.fieldname, df.default)
	frappe.clear_document_cache("WA Bot Settings", "WA Bot Settings")
	frappe.clear_document_cache("WA Booking Settings", "WA Booking Settings")


def repair_opening_hours() -> bool:
	"""Opening hours that allow no slot become 06:00-18:00; hours that allow one are the admin's
	and stay. Frappe fills every Time field of a new document with the current time, so an
	install once stored its own moment as both Opens At and Closes At: no slot on any day.
	Run on install, on migrate and by a patch. Returns whether it repaired anything."""
	stored = frappe.db.get_singles_dict("WA Booking Settings")
	opens = get_time(stored.get("opens_at")) if stored.get("opens_at") else None
	closes = get_time(stored.get("closes_at")) if stored.get("closes_at") else None
	slot_minutes = cint(stored.get("slot_minutes")) or 60
	if not opening_hours_problem(opens, closes, slot_minutes):
		return False
	values = {"opens_at": f"{DEFAULT_OPENS:%H:%M:%S}", "closes_at": f"{DEFAULT_CLOSES:%H:%M:%S}"}
	if opening_hours_problem(DEFAULT_OPENS, DEFAULT_CLOSES, slot_minutes):
		values["slot_minutes"] = 60  # a slot longer than the whole default day
	frappe.db.set_single_value("WA Booking Settings", values)
	frappe.clear_document_cache("WA Booking Settings", "WA Booking Settings")
	return True


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def booking_settings() -> BookingSettings:
	"""The booking settings as cached for this site (cleared when they are saved); fields with
	no stored value take the form's defaults."""
	doc = frappe.get_cached_doc("WA Booking Settings")
	stored = doc.as_dict()

	def number(field: str, default: int) -> int:
		value = stored.get(field)
		return default if value in (None, "") else cint(value)

	# a day with no stored value is open (the form's default)
	open_days = frozenset(
		i for i, day in enumerate(WEEKDAYS) if stored.get(f"open_{day}") is None or cint(stored.get(f"open_{day}"))
	)
	schedule = Schedule(
		open_days=open_days,
		opens=get_time(stored.get("opens_at") or "06:00:00"),
		closes=get_time(stored.get("closes_at") or "18:00:00"),
		slot_minutes=number("slot_minutes", 60) or 60,
		capacity=number("capacity_per_slot", 2),
		days_ahead=number("days_ahead", 30),
		closed_dates=frozenset(getdate(row.date) for row in doc.get("closed_dates") or []),
		capacity_on={getdate(row.date): cint(row.capacity) for row in doc.get("capacity_overrides") or []},
	)
	return BookingSettings(
		schedule=schedule,
		hold_minutes=number("hold_minutes", 10),
		cancel_cutoff_hours=number("change_cutoff_hours", 2),
		aftercare=aftercare_settings(stored, number),
		served_pincodes=split_list(stored.get("served_pincodes")),
		served_cities=split_list(stored.get("served_cities")),
		utility_surcharge=number("utility_surcharge", 150),
		backend=stored.get("catalog_backend") or "Built-in",
		erp=ErpConfig(
			base_url=stored.get("erp_url") or "",
			api_key=stored.get("erp_api_key") or "",
			api_secret=get_decrypted_password(
				"WA Booking Settings", "WA Booking Settings", "erp_api_secret", raise_exception=False
			)
			or "",
			timeout=number("erp_timeout", 10) or 10,
		)
		if stored.get("catalog_backend") == "Yawlit ERP"
		else None,
	)


def aftercare_settings(stored: dict, number) -> AftercareSettings:
	def template(prefix: str, default_sources: str) -> Template:
		try:
			sources = read_template_sources(stored.get(f"{prefix}_template_values") or default_sources)
		except ValueError:  # the form refuses these; a value stored past it falls back
			sources = read_template_sources(default_sources)
		return Template(
			(stored.get(f"{prefix}_template_name") or "").strip(),
			(stored.get(f"{prefix}_template_language") or "en").strip(),
			sources,
		)

	morning_on = stored.get("morning_reminder") is not None and cint(stored.get("morning_reminder"))
	return AftercareSettings(
		times=ReminderTimes(
			evening=get_time(stored.get("evening_reminder_at")) if stored.get("evening_reminder_at") else DEFAULT_EVENING_AT,
			morning=(get_time(stored.get("morning_reminder_at")) if stored.get("morning_reminder_at") else DEFAULT_MORNING_AT)
			if morning_on
			else None,
		),
		reminder_template=template("reminder", "first_name, day, slot"),
		# 0 or missing means the default, as for every number here (a field added after install reads 0)
		feedback_delay_minutes=number("feedback_delay_minutes", 0) or DEFAULT_FEEDBACK_DELAY_MINUTES,
		feedback_template=template("feedback", "first_name, service"),
	)
