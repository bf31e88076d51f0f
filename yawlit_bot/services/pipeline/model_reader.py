"""The language model's call for one message: bounded in time, shared circuit breaker, and a
fallback to the rules that never fails a turn.

- Settings: `ModelConfig` read once per call from `WA Bot Settings`, defaults applied here.
- The call runs on a small thread pool and is waited for at most `timeout` seconds (LiteLLM's
  own timeout is passed too, but its Ollama provider ignores it); past that the turn goes on
  with the rules' reading and the stray call is left to end on its own.
- Failures (timeouts, errors, answers that cannot be parsed) are counted in Redis for the
  site; `understanding.breaker_opens` decides when the model is paused for every worker.
- The model is asked before the conversation row is locked (see `turn.run_next_turn`), so
  the row lock is never held while waiting for it.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date

import frappe
from frappe.utils.password import get_decrypted_password
from redis.exceptions import RedisError

from yawlit_bot.engine.understanding import (
	BREAKER_OPEN_SECONDS,
	BREAKER_WINDOW_SECONDS,
	DEFAULT_THRESHOLD,
	NO_MODEL,
	ModelReading,
	breaker_opens,
)
from yawlit_bot.services.site.settings import DEFAULTS, bot_settings

# A drain job runs ten turns per visit and other conversations for up to 20 s, inside RQ's 300 s job timeout.
MAX_TIMEOUT = 15
RULES_ONLY = "rules"

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="yawlit-model")
_LMS: dict[tuple, object] = {}  # one dspy.LM per configuration, per process


@dataclass(frozen=True)
class ModelConfig:
	provider: str = NO_MODEL
	model: str = ""
	api_base: str | None = None
	api_key: str | None = None
	timeout: float = DEFAULTS["llm_timeout"]
	threshold: float = DEFAULT_THRESHOLD

	@property
	def enabled(self) -> bool:
		return self.provider not in ("", NO_MODEL) and bool(self.model)


def model_config() -> ModelConfig:
	"""The model settings (defaults from `services.settings`), with the key decrypted only when a
	provider is set."""
	settings = bot_settings()
	if settings.llm_provider == NO_MODEL:
		return ModelConfig()
	return ModelConfig(
		provider=settings.llm_provider,
		model=settings.llm_model,
		api_base=settings.llm_api_base.rstrip("/") or None,
		api_key=get_decrypted_password("WA Bot Settings", "WA Bot Settings", "llm_api_key", raise_exception=False),
		timeout=min(max(settings.llm_timeout, 1), MAX_TIMEOUT),
		threshold=min(max(settings.llm_confidence_threshold, 0.0), 1.0),
	)


def _lm(config: ModelConfig):
	from yawlit_bot.engine.model_program import make_lm

	key = (config.provider, config.model, config.api_base, config.api_key, config.timeout)
	if key not in _LMS:
		_LMS.clear()  # settings changed: the old one is no longer wanted
		_LMS[key] = make_lm(config.provider, config.model, config.api_base, config.api_key, config.timeout)
	return _LMS[key]


def _breaker_keys() -> tuple[str, str]:
	site = frappe.local.site
	return f"{site}|yawlit_bot|model-failures", f"{site}|yawlit_bot|model-paused"


def breaker_is_open() -> bool:
	try:
		# redis-py's GET: RedisWrapper.exists() would prefix the key with the site's database
		return frappe.cache.get(_breaker_keys()[1]) is not None
	except RedisError:
		return False  # Redis restarting: try the model; its own bound still holds


def record_failure() -> None:
	failures_key, paused_key = _breaker_keys()
	try:
		failures = frappe.cache.incr(failures_key)
		if failures == 1:
			frappe.cache.expire(failures_key, BREAKER_WINDOW_SECONDS)
		if breaker_opens(failures):
			frappe.cache.set(paused_key, 1, ex=BREAKER_OPEN_SECONDS)
	except RedisError:
		pass


def record_success() -> None:
	try:
		frappe.cache.delete(_breaker_keys()[0])
	except RedisError:
		pass


def warm_model_libraries() -> None:
	"""Import DSPy and LiteLLM and run LiteLLM's call path once, offline (a mock answer), so a
	worker's first model call does not spend its time limit importing. Seconds of CPU and about
	150 MB per worker: done only where a model is used (see `commands.warm_worker`)."""
	import litellm

	from yawlit_bot.engine import model_program  # noqa: F401

	litellm.completion(
		model="openai/warm-up", messages=[{"role": "user", "content": "warm-up"}], mock_response="ok"
	)


def read_with_model(
	text: str,
	recent: list[tuple[str, str]],
	known: dict,
	missing: list[str],
	expecting: tuple[str, ...],
	today: date,
	config: ModelConfig,
	choices: dict | None = None,
) -> tuple[ModelReading | None, str]:
	"""The model's reading of one message, or None, and how the message was understood (for
	the message's `understood_by`). Never raises: any failure is the rules' turn."""
	if not config.enabled:
		return None, RULES_ONLY
	if breaker_is_open():
		return None, "rules (model paused after repeated failures)"
	started = time.monotonic()
	future = None
	try:
		from yawlit_bot.engine.model_program import build_inputs, read_message

		inputs = build_inputs(text, recent, known, missing, expecting, today, choices)
		future = _POOL.submit(read_message, _lm(config), inputs)
		reading = future.result(timeout=config.timeout)
	except FutureTimeout:
		if future is not None:
			future.cancel()
		record_failure()
		return None, f"rules (model timed out after {config.timeout:g} s)"
	except Exception as exc:  # a refused call, a 500, an answer that cannot be parsed
		record_failure()
		reason = type(exc).__name__
		frappe.logger("yawlit_bot").warning(f"model call failed, rules used: {reason}: {str(exc)[:300]}")
		return None, f"rules (model failed: {reason})"[:140]
	record_success()
	return reading, f"rules + model ({time.monotonic() - started:.2f} s)"
