"""The WAPI client against the stand-in: wire format, retries, timeouts, errors."""

import pytest

from yawlit_bot.services.clients import wapi_client
from yawlit_bot.services.clients.wapi_client import (
	WapiConfig,
	WapiError,
	WapiOutcomeUnknown,
	WapiRetryableError,
	send_buttons,
	send_text,
	sent_wamid,
)
from yawlit_bot.testing.wapi_standin import WapiStandin


@pytest.fixture()
def standin():
	server = WapiStandin(token="secret-token").start()
	yield server
	server.stop()


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
	monkeypatch.setattr(wapi_client.post.retry, "wait", lambda retry_state: 0)


def config(standin, timeout=5):
	return WapiConfig(standin.base_url, standin.vendor_uid, "secret-token", timeout)


def test_text_wire_format(standin):
	response = send_text(config(standin), "919812345678", "hello")
	assert sent_wamid(response).startswith("wamid.")
	(request,) = standin.requests
	assert request.path == f"/api/{standin.vendor_uid}/contact/send-message"
	assert request.body == {"phone_number": "919812345678", "message_body": "hello"}


def test_buttons_wire_format(standin):
	send_buttons(config(standin), "919812345678", "Please check", ["Confirm", "Edit", "Cancel"])
	body = standin.requests[0].body
	assert body["interactive_type"] == "button"
	assert body["buttons"] == {"1": "Confirm", "2": "Edit", "3": "Cancel"}


def test_500_then_200_is_one_delivery(standin):
	standin.configure(fail_next=1)
	send_text(config(standin), "919812345678", "hi")
	assert [r.status for r in standin.requests] == [500, 200]
	assert len(standin.accepted) == 1


def test_three_attempts_then_error(standin):
	standin.configure(fail_next=5)
	with pytest.raises(WapiRetryableError):
		send_text(config(standin), "919812345678", "hi")
	assert len(standin.requests) == 3


def test_client_error_not_retried(standin):
	with pytest.raises(WapiError) as info:
		send_text(WapiConfig(standin.base_url, standin.vendor_uid, "wrong-token", 5), "919812345678", "hi")
	assert "401" in str(info.value)
	assert "wrong-token" not in str(info.value)
	assert len(standin.requests) == 1


def test_read_timeout_is_an_unknown_outcome_never_retried(standin):
	# WAPI may have sent it: a retry could reach the customer twice.
	standin.configure(hang_next=1, hang_seconds=1.5)
	with pytest.raises(WapiOutcomeUnknown):
		send_text(WapiConfig(standin.base_url, standin.vendor_uid, "secret-token", 1), "919812345678", "hi")
	assert len(standin.requests) <= 1


def test_bad_token_characters_do_not_leak(standin):
	with pytest.raises(WapiError) as info:
		send_text(
			WapiConfig(standin.base_url, standin.vendor_uid, "bad\ntoken-SECRET", 5), "919812345678", "hi"
		)
	assert "SECRET" not in str(info.value)


def test_unreachable_is_retryable():
	with pytest.raises(WapiRetryableError):
		send_text(WapiConfig("http://127.0.0.1:9", "v", "t", 1), "919812345678", "hi")


def test_template_wire_format(standin):
	response = wapi_client.send_template(
		config(standin),
		"919812345678",
		"diwali_offer",
		"en_US",
		{"field_1": "Ravi", "field_2": "20%"},
		header=("image", "https://example.com/offer.jpg"),
	)
	assert sent_wamid(response).startswith("wamid.")
	(request,) = standin.requests
	assert request.path == f"/api/{standin.vendor_uid}/contact/send-template-message"
	assert request.body == {
		"phone_number": "919812345678",
		"template_name": "diwali_offer",
		"template_language": "en_US",
		"field_1": "Ravi",
		"field_2": "20%",
		"header_image": "https://example.com/offer.jpg",
	}


def test_rate_limit_answer_is_its_own_error(standin):
	standin.configure(max_per_second=1)
	send_text(config(standin), "919812345678", "one")
	with pytest.raises(wapi_client.WapiRateLimited):
		send_text(config(standin), "919812345678", "two")
	assert [r.status for r in standin.requests] == [200, 429, 429, 429]  # three attempts, then give up


def test_whatsapp_rate_limit_code_in_a_failed_body_is_a_rate_limit(monkeypatch, standin):
	class Answer:
		status_code = 200

		def json(self):
			return {"result": "failed", "message": "(#131056) Pair rate limit hit"}

	monkeypatch.setattr(wapi_client._session, "post", lambda *a, **k: Answer())
	with pytest.raises(wapi_client.WapiRateLimited):
		send_text(config(standin), "919812345678", "hello")


def test_connection_dropped_after_sending_is_unknown_and_not_retried(standin):
	standin.configure(drop_next=1)
	with pytest.raises(WapiOutcomeUnknown):
		send_text(config(standin), "919812345678", "hello")
	assert len(standin.requests) == 1  # never sent twice


def test_refused_connection_is_retried(standin):
	cfg = WapiConfig("http://127.0.0.1:1/api", "v", "t", 5)  # nothing listens on port 1
	with pytest.raises(WapiRetryableError):
		send_text(cfg, "919812345678", "hello")


def test_backoff_is_long_after_a_rate_limit_and_short_after_an_error():
	from tenacity import RetryCallState, Future

	def state(exc, attempt):
		retry_state = RetryCallState(None, None, (), {})
		retry_state.attempt_number = attempt
		future = Future(attempt)
		future.set_exception(exc)
		retry_state.outcome = future
		return retry_state

	limited = wapi_client.WapiRateLimited("429")
	error = WapiRetryableError("HTTP 502")
	assert [wapi_client.wait_before_retry(state(limited, n)) for n in (1, 2)] == [0.5, 1.0]
	assert [wapi_client.wait_before_retry(state(error, n)) for n in (1, 2)] == [0.1, 0.3]
