import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yawlit_bot.engine.wapi_payload import PayloadError, parse_webhook
from yawlit_bot.testing import payloads


def test_text_message():
	parsed = parse_webhook(payloads.text("919812345678", "Need a car wash tomorrow", wamid="wamid.A1"))
	(message,) = parsed.messages
	assert (message.wamid, message.sender, message.message_type, message.text) == (
		"wamid.A1",
		"919812345678",
		"text",
		"Need a car wash tomorrow",
	)
	assert message.profile_name == "Test Customer"


def test_falls_back_to_raw_meta_object():
	payload = payloads.text("919812345678", "hi", wamid="wamid.A2")
	payload["message"] = {"whatsapp_message_id": None, "body": None}
	payload["contact"] = None
	(message,) = parse_webhook(payload).messages
	assert (message.wamid, message.sender, message.text) == ("wamid.A2", "919812345678", "hi")


def test_button_reply_id_and_title():
	(message,) = parse_webhook(payloads.button("919812345678", "Confirm", "1")).messages
	assert (message.button_id, message.button_title, message.text) == ("1", "Confirm", "Confirm")


def test_location_pin():
	(message,) = parse_webhook(payloads.location("919812345678", "Baner, Pune 411045")).messages
	assert message.message_type == "location"
	assert message.location["address"] == "Baner, Pune 411045"
	assert message.text is None


def test_media_types():
	for kind in ("image", "sticker", "audio", "reaction", "unsupported"):
		(message,) = parse_webhook(payloads.media("919812345678", kind)).messages
		assert message.message_type == kind


def test_status_batch_skips_odd_entries_only():
	payload = payloads.statuses([("wamid.S1", "delivered"), ("wamid.S2", "read")])
	payload["whatsapp_webhook_payload"]["entry"][0]["changes"][0]["value"]["statuses"].insert(
		1, {"id": ["x"], "status": None}
	)
	parsed = parse_webhook(payload)
	assert [(s.wamid, s.status) for s in parsed.statuses] == [("wamid.S1", "delivered"), ("wamid.S2", "read")]
	assert len(parsed.skipped) == 1
	assert not parsed.messages


def test_every_message_of_a_batched_delivery():
	payload = payloads.text("919812345678", "first", wamid="wamid.M1")
	second = payloads.text("919812345679", "second", wamid="wamid.M2")
	raw_value = payload["whatsapp_webhook_payload"]["entry"][0]["changes"][0]["value"]
	raw_value["messages"] += second["whatsapp_webhook_payload"]["entry"][0]["changes"][0]["value"]["messages"]
	parsed = parse_webhook(payload)
	assert [(m.wamid, m.sender, m.text) for m in parsed.messages] == [
		("wamid.M1", "919812345678", "first"),
		("wamid.M2", "919812345679", "second"),
	]


def test_long_text_is_capped():
	(message,) = parse_webhook(payloads.text("919812345678", "a" * 10000)).messages
	assert len(message.text) == 4096


@pytest.mark.parametrize(
	"payload",
	[
		None,
		[],
		"x",
		5,
		{},
		{"contact": 5},
		{"message": "x"},
		{"message": {"body": "hi"}},
		{"message": {"whatsapp_message_id": "wamid.X", "body": "hi"}},
	],
)
def test_malformed_raises_payload_error(payload):
	with pytest.raises(PayloadError):
		parse_webhook(payload)


def test_bad_sender_rejected():
	payload = payloads.text("919812345678", "hi")
	for bad in ("abc", "12", "+91 98", None):
		broken = copy.deepcopy(payload)
		broken["contact"]["phone_number"] = bad
		broken["whatsapp_webhook_payload"]["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = bad
		with pytest.raises(PayloadError):
			parse_webhook(broken)


json_values = st.recursive(
	st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
	lambda children: (
		st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
	),
	max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_any_json_parses_or_raises_payload_error(value):
	try:
		parse_webhook(value)
	except PayloadError:
		pass


@settings(max_examples=300, deadline=None)
@given(
	st.dictionaries(
		st.sampled_from(["contact", "message", "whatsapp_webhook_payload"]), json_values, max_size=3
	)
)
def test_envelope_shaped_junk_never_crashes(value):
	try:
		parse_webhook(value)
	except PayloadError:
		pass
