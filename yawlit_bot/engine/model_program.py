"""The DSPy program that reads a customer message: one language-model call per message,
returning every booking field, the intent and a confidence level per field.

Only the program's logic lives here (signature, inputs, reading its answer, which LiteLLM
model a provider setting means); the call itself, its time limit and the circuit breaker are
the Frappe side's (`services/pipeline/model_reader.py`). What the model says is joined to the rules'
reading by `understanding.combine`; its words never reach the customer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

# LiteLLM fetches a model price list from the network when imported, unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import dspy  # noqa: E402
import litellm  # noqa: E402

litellm.suppress_debug_info = True  # its banners on every failed call say nothing we log

from yawlit_bot.engine.fields import DETAIL_FIELDS, LABELS, SERVICE_TYPES, VEHICLE_TYPES  # noqa: E402
from yawlit_bot.engine.understanding import INTENTS, ModelReading, read_model_output  # noqa: E402

RECENT_MESSAGES = 3
PROVIDERS: dict[str, str] = {
	# setting -> LiteLLM prefix, default api base
	"Ollama": "ollama_chat",
	"OpenRouter": "openrouter",
	"OpenAI-compatible": "openai",
}


class ReadBookingMessage(dspy.Signature):
	"""Read one WhatsApp message from a customer of Yawlit, a car-wash service in India that
	washes cars at the customer's address. Customers write Indian English, Hinglish (Hindi in
	Latin letters: "kal" tomorrow, "parso" day after tomorrow, "subah" morning, "shaam" evening,
	"baje" o'clock, "naam" name, "pata" address, "gaadi" car) or Devanagari.

	Return only values the customer gives in THIS message, each in its own field; never guess,
	never copy a known value back. A label the customer writes ("Address:", "Name -", "Pin:",
	"Car:") decides the field. A place (area, city, building, landmark) is never a name. What the
	customer refuses is no value: "kal nahi, parso" gives the day after tomorrow; "not Swift,
	it's a Baleno" gives Baleno. Names keep the script they were written in.
	Formats: appointment_date as YYYY-MM-DD (resolve relative days against `today`);
	time_slot as a one-hour slot "HH:00-HH:00" between 06:00 and 18:00, only if an hour is
	given; phone as 10 digits; vehicle_plate as written without spaces; pincode as 6 digits;
	service_type and vehicle_type only from `choices`; address as written, with all its parts."""

	message: str = dspy.InputField(desc="the customer's new message")
	recent_messages: list[str] = dspy.InputField(
		desc="up to 3 earlier messages, oldest first, each starting 'customer:' or 'bot:'"
	)
	known_fields: dict[str, str] = dspy.InputField(desc="booking values collected so far")
	missing_fields: list[str] = dspy.InputField(desc="required booking fields still missing")
	bot_asked: str = dspy.InputField(desc="what the bot just asked the customer for ('' if nothing)")
	today: str = dspy.InputField(desc="today's date in Asia/Kolkata, with its weekday")
	choices: dict[str, list[str]] = dspy.InputField(desc="the allowed values of choice fields")

	values: dict[str, str] = dspy.OutputField(
		desc="booking field -> value, for every field this message gives; field names: " + ", ".join(DETAIL_FIELDS)
	)
	confidence: dict[str, Literal["high", "medium", "low"]] = dspy.OutputField(
		desc="for each field in `values`: high, medium or low"
	)
	intent: Literal[INTENTS] = dspy.OutputField(  # type: ignore[valid-type]
		desc="provide (gives details), confirm (agrees to the booking summary), edit (wants to change a "
		"detail), cancel, greeting, question, opt_out (stop marketing messages) or other"
	)
	edit_target: str = dspy.OutputField(desc="for intent edit: the field to change, else ''")


class BookingReader(dspy.Module):
	"""One prediction per message: no chain of thought, no retries (the call is bounded)."""

	def __init__(self):
		super().__init__()
		self.read = dspy.Predict(ReadBookingMessage)

	def forward(self, **inputs) -> dspy.Prediction:
		return self.read(**inputs)


# One call per message: when an answer cannot be parsed, ChatAdapter would ask again in JSON.
ADAPTER = dspy.ChatAdapter(use_json_adapter_fallback=False)


def build_inputs(
	text: str,
	recent: Sequence[tuple[str, str]],
	known: Mapping[str, str | None],
	missing: Sequence[str],
	expecting: Sequence[str],
	today: date,
	choices: Mapping[str, Sequence[str]] | None = None,
) -> dict:
	"""The program's inputs. `recent` holds (role, text) pairs, oldest first (role "user" is
	the customer); `choices` the allowed values (the catalog's names once there is one)."""
	return {
		"message": str(text or "")[:4096],
		"recent_messages": [
			f"{'customer' if role == 'user' else 'bot'}: {str(body or '')[:500]}"
			for role, body in list(recent)[-RECENT_MESSAGES:]
		],
		"known_fields": {name: str(value) for name, value in known.items() if value},
		"missing_fields": list(missing),
		"bot_asked": ", ".join(LABELS[name].lower() for name in expecting if name in LABELS),
		"today": f"{today.isoformat()} ({today.strftime('%A')})",
		"choices": {
			name: list(values)
			for name, values in (
				choices or {"service_type": SERVICE_TYPES, "vehicle_type": VEHICLE_TYPES}
			).items()
		},
	}


def reading_of(prediction: dspy.Prediction) -> ModelReading:
	return read_model_output(
		prediction.get("values"),
		prediction.get("confidence"),
		prediction.get("intent"),
		prediction.get("edit_target"),
	)


def read_message(lm: dspy.LM, inputs: Mapping[str, object], program: BookingReader | None = None) -> ModelReading:
	"""Ask `lm` once. Raises on a failed call or an answer that cannot be parsed; the caller
	falls back to the rules. Uses `dspy.context`, never a global configuration, so workers
	with different settings (or none) never share one."""
	with dspy.context(lm=lm, adapter=ADAPTER):
		return reading_of((program or BookingReader())(**inputs))


def litellm_model(provider: str, model: str) -> str:
	"""The LiteLLM model name for a provider setting ("Ollama" + "llama3.1" -> "ollama_chat/llama3.1")."""
	prefix = PROVIDERS[provider]
	model = model.strip()
	return model if model.startswith(prefix + "/") else f"{prefix}/{model}"


def make_lm(provider: str, model: str, api_base: str | None, api_key: str | None, timeout: float) -> dspy.LM:
	"""A LiteLLM-backed LM for one provider setting: no cache, no retries (one call per message),
	LiteLLM's own timeout set too (the app enforces its own: Ollama's provider ignores this)."""
	kwargs = {"api_base": api_base} if api_base else {}
	return dspy.LM(
		litellm_model(provider, model),
		api_key=api_key or "none",
		temperature=0.0,
		max_tokens=800,
		cache=False,
		num_retries=0,  # LiteLLM's retries
		max_retries=0,  # and the OpenAI client's own
		timeout=timeout,
		**kwargs,
	)
