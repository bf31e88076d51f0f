"""The LLM stand-in: OpenAI wire format, ChatAdapter answers, and its failure switches."""

import threading
import time

import pytest
import requests

from yawlit_bot.testing.llm_standin import GARBAGE, LlmStandin, render

KEY = "secret-key"


@pytest.fixture()
def standin():
	server = LlmStandin(api_key=KEY).start()
	yield server
	server.stop()


def chat(standin, user="Hi, I am Rajesh", key=KEY, timeout=5, **extra):
	body = {
		"model": "gpt-standin",
		"messages": [
			{"role": "system", "content": "Your input fields are: `message` (str)."},
			{"role": "user", "content": user},
		],
		**extra,
	}
	return requests.post(
		f"{standin.base_url}/chat/completions",
		json=body,
		headers={"Authorization": f"Bearer {key}"},
		timeout=timeout,
	)


def content(response):
	return response.json()["choices"][0]["message"]["content"]


def test_configured_answer_in_chat_adapter_format(standin):
	standin.configure(answer={"first_name": "Rajesh", "intent": "provide", "slots": ["a", "b"]})
	response = chat(standin)
	assert response.status_code == 200
	data = response.json()
	assert data["id"].startswith("chatcmpl-")
	assert data["object"] == "chat.completion"
	assert isinstance(data["created"], int)
	assert data["model"] == "gpt-standin"
	(choice,) = data["choices"]
	assert choice["index"] == 0
	assert choice["finish_reason"] == "stop"
	assert choice["message"]["role"] == "assistant"
	assert choice["message"]["content"] == (
		"[[ ## first_name ## ]]\nRajesh\n\n"
		"[[ ## intent ## ]]\nprovide\n\n"
		'[[ ## slots ## ]]\n["a", "b"]\n\n'
		"[[ ## completed ## ]]"
	)
	usage = data["usage"]
	assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
	(request,) = standin.requests
	assert request.path == "/v1/chat/completions"
	assert request.status == 200
	assert request.body["model"] == "gpt-standin"
	assert standin.count == 1
	assert standin.last_user_content() == "Hi, I am Rajesh"


def test_default_answer_is_just_completed(standin):
	assert content(chat(standin)) == "[[ ## completed ## ]]"


def test_answers_by_text_matches_last_user_message(standin):
	standin.configure(
		answer={"intent": "provide"},
		answers_by_text=[["CANCEL", {"intent": "cancel"}], ["book", {"intent": "book"}]],
	)
	assert content(chat(standin, "please cancel my booking")) == render({"intent": "cancel"})
	assert content(chat(standin, "I want to Book a wash")) == render({"intent": "book"})
	assert content(chat(standin, "hello")) == render({"intent": "provide"})
	# only the last user message counts, not the system prompt
	assert content(chat(standin, "input fields")) == render({"intent": "provide"})
	standin.configure(raw="verbatim")
	assert content(chat(standin, "cancel")) == "verbatim"
	assert standin.last_user_content(0) == "please cancel my booking"


def test_wrong_key_is_401(standin):
	response = chat(standin, key="wrong")
	assert response.status_code == 401
	assert response.json()["error"]["type"] == "invalid_request_error"
	assert response.json()["error"]["code"] == "invalid_api_key"
	response = requests.get(f"{standin.base_url}/models", timeout=5)
	assert response.status_code == 401


def test_models(standin):
	response = requests.get(
		f"{standin.base_url}/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=5
	)
	assert response.json() == {"object": "list", "data": [{"id": "standin", "object": "model"}]}


def test_stream_is_refused(standin):
	response = chat(standin, stream=True)
	assert response.status_code == 400
	assert "stream" in response.json()["error"]["message"].lower()


def test_fail_next_then_success(standin):
	standin.configure(answer={"intent": "provide"}, fail_next=1)
	first = chat(standin)
	assert first.status_code == 500
	assert first.json()["error"]["message"]
	second = chat(standin)
	assert second.status_code == 200
	assert content(second) == render({"intent": "provide"})
	assert [r.status for r in standin.requests] == [500, 200]


def test_fail_rate_with_seed_is_repeatable(standin):
	def run():
		standin.reset()
		standin.configure(fail_rate=0.5, seed=7)
		return [chat(standin).status_code for _ in range(10)]

	first = run()
	assert set(first) == {200, 500}
	assert run() == first


def test_garbage_next(standin):
	standin.configure(answer={"intent": "provide"}, garbage_next=1)
	first = chat(standin)
	assert first.status_code == 200
	assert content(first) == GARBAGE
	assert "[[ ##" not in content(first)
	assert content(chat(standin)) == render({"intent": "provide"})


def test_hang_next_times_out_while_others_are_answered(standin):
	standin.configure(hang_next=1, hang_seconds=3)
	with pytest.raises(requests.Timeout):
		chat(standin, timeout=0.5)
	started = time.monotonic()
	response = chat(standin, timeout=2)
	assert response.status_code == 200
	assert time.monotonic() - started < 1
	assert standin.count == 2
	assert standin.requests[0].status is None  # still held


def test_stop_does_not_wait_for_hung_handlers():
	standin = LlmStandin().start()
	standin.configure(hang_next=1, hang_seconds=30)
	thread = threading.Thread(target=lambda: _swallow(lambda: chat(standin, timeout=30)), daemon=True)
	thread.start()
	assert standin.wait_for_requests(1, timeout=5)
	started = time.monotonic()
	standin.stop()
	assert time.monotonic() - started < 5


def _swallow(call):
	try:
		call()
	except requests.RequestException:
		pass


def test_drop_next_is_a_connection_error(standin):
	standin.configure(drop_next=1)
	with pytest.raises(requests.ConnectionError):
		chat(standin)
	assert chat(standin).status_code == 200
	assert [r.status for r in standin.requests] == [0, 200]


def test_wait_for_requests(standin):
	assert not standin.wait_for_requests(1, timeout=0.1)
	threading.Timer(0.2, lambda: chat(standin)).start()
	assert standin.wait_for_requests(1, timeout=5, answered=True)
	assert standin.requests[0].status == 200


def test_reset_clears_switches_and_records(standin):
	standin.configure(answer={"intent": "provide"}, fail_next=3, raw="x")
	chat(standin)
	standin.reset()
	assert standin.requests == []
	assert standin.count == 0
	response = chat(standin)
	assert response.status_code == 200
	assert content(response) == "[[ ## completed ## ]]"


def test_http_control_endpoints(standin):
	base = standin.base_url.removesuffix("/v1")
	assert requests.post(f"{base}/_standin/config", json={"answer": {"intent": "x"}}, timeout=5).ok
	assert requests.post(f"{base}/_standin/config", json={"nope": 1}, timeout=5).status_code == 400
	assert content(chat(standin)) == render({"intent": "x"})
	rows = requests.get(f"{base}/_standin/requests", timeout=5).json()
	assert [row["status"] for row in rows] == [200]
	assert requests.post(f"{base}/_standin/reset", timeout=5).ok
	assert standin.requests == []
	assert content(chat(standin)) == "[[ ## completed ## ]]"


def test_unknown_switch_is_refused(standin):
	with pytest.raises(AttributeError):
		standin.configure(nope=1)
