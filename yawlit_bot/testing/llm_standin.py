"""A local stand-in for an OpenAI-compatible chat-completions API, for tests and benchmarks.

It speaks the wire format LiteLLM's `openai/<model>` provider sends with `api_base=<base_url>`
(`POST {base}/chat/completions`, Bearer key, `{"choices": [{"message": {"content": ...}}]}`),
answers in DSPy's ChatAdapter format (`[[ ## field ## ]]` blocks, then `[[ ## completed ## ]]`),
records every request, and has switches for 500s, a failure rate, slowness, hangs past the
client's timeout, answers not in the format and dropped connections.

In-process:
	standin = LlmStandin(api_key="k").start()      # standin.base_url -> http://127.0.0.1:PORT/v1
	standin.configure(answer={"first_name": "Rajesh", "intent": "provide"})
	standin.configure(answers_by_text=[["cancel", {"intent": "cancel"}]])
	standin.configure(fail_next=1)                 # the next completion answers 500
	standin.last_user_content()                    # what DSPy put in the last user message
Stand-alone:
	python -m yawlit_bot.testing.llm_standin --port 8902 --api-key k
	curl -X POST localhost:8902/_standin/config -d '{"answer": {"intent": "provide"}}'
	curl localhost:8902/_standin/requests
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from yawlit_bot.testing.standin_http import JsonHandler, StandinServer, serve_until_interrupted

COMPLETIONS_PATHS = ("/v1/chat/completions", "/chat/completions")
MODELS_PATHS = ("/v1/models", "/models")
GARBAGE = "Sure! I think the name is probably Rajesh."


@dataclass
class Switches:
	answer: dict = field(default_factory=dict)  # output field -> value, rendered in ChatAdapter format
	answers_by_text: list = field(default_factory=list)  # [[substring, answer], ...] on the last user message
	raw: str | None = None  # content returned verbatim (wins over `answer` and `answers_by_text`)
	delay: float = 0.0  # seconds before every answer
	fail_next: int = 0  # answer the next N completions with `fail_status`
	fail_status: int = 500
	fail_rate: float = 0.0  # answer this share of completions with `fail_status`
	seed: int | None = None
	hang_next: int = 0  # hold the next N completions for `hang_seconds` (past a client's timeout)
	hang_seconds: float = 30.0
	garbage_next: int = 0  # answer the next N completions 200 with content not in the format
	drop_next: int = 0  # read the next N completions, then close the connection without an answer


@dataclass
class Recorded:
	path: str
	body: Any
	status: int | None  # None while the request is being answered, 0 when dropped
	at: float  # when it was received
	content: str | None = None  # the assistant content answered, on 200s


@dataclass
class StandinState:
	api_key: str | None
	switches: Switches = field(default_factory=Switches)
	requests: list[Recorded] = field(default_factory=list)
	lock: threading.Lock = field(default_factory=threading.Lock)
	rng: random.Random = field(default_factory=random.Random)
	stopping: threading.Event = field(default_factory=threading.Event)  # wakes hung handlers on stop()
	changed: threading.Condition | None = None  # notified on every completion received or answered

	def __post_init__(self):
		self.changed = threading.Condition(self.lock)


def render(answer: dict) -> str:
	"""An answer in DSPy's ChatAdapter format; non-str values are written as JSON."""
	parts = []
	for name, value in answer.items():
		text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
		parts.append(f"[[ ## {name} ## ]]\n{text}\n\n")
	parts.append("[[ ## completed ## ]]")
	return "".join(parts)


def message_text(content: Any) -> str:
	"""A message's content as text (a plain string, or OpenAI's list of content parts)."""
	if isinstance(content, str):
		return content
	if isinstance(content, list):
		return "".join(str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content)
	return "" if content is None else str(content)


def last_user_message(body: Any) -> str | None:
	messages = body.get("messages") if isinstance(body, dict) else None
	if not isinstance(messages, list):
		return None
	for message in reversed(messages):
		if isinstance(message, dict) and message.get("role") == "user":
			return message_text(message.get("content"))
	return None


def error(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
	return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def failure(status: int) -> dict:
	if status == 429:
		return error("stand-in rate limit", "rate_limit_error", "rate_limit_exceeded")
	if status >= 500:
		return error("stand-in failure", "server_error", "server_error")
	return error("stand-in failure", "invalid_request_error")


def tokens(text: str) -> int:
	return max(1, len(text) // 4) if text else 0


class _Handler(JsonHandler):
	server_version = "LlmStandin/1.0"
	state: StandinState  # set on the subclass made per server

	def _path(self) -> str:
		return self.path.split("?")[0].rstrip("/") or "/"

	def _authorized(self) -> bool:
		auth = self.headers.get("Authorization") or ""
		return not self.state.api_key or auth == f"Bearer {self.state.api_key}"

	def _unauthorized(self) -> None:
		self._reply(
			401,
			error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
		)

	def do_GET(self):
		path = self._path()
		if path == "/_standin/requests":
			with self.state.lock:
				rows = [dict(r.__dict__) for r in self.state.requests]
			return self._reply(200, rows)
		if path in MODELS_PATHS:
			if not self._authorized():
				return self._unauthorized()
			return self._reply(200, {"object": "list", "data": [{"id": "standin", "object": "model"}]})
		return self._reply(404, error(f"Unknown path {path}", "invalid_request_error", "not_found"))

	def do_POST(self):
		body = self._body()
		path = self._path()
		if path.startswith("/_standin/"):
			return self._control(path, body)
		if path in COMPLETIONS_PATHS:
			return self._complete(path, body)
		return self._reply(404, error(f"Unknown path {path}", "invalid_request_error", "not_found"))

	def _control(self, path: str, body: Any) -> None:
		state = self.state
		if path == "/_standin/reset":
			with state.lock:
				state.requests.clear()
				state.switches = Switches()
			return self._reply(200, {"ok": True})
		if path == "/_standin/config" and isinstance(body, dict):
			unknown = [key for key in body if not hasattr(state.switches, key)]
			if unknown:
				return self._reply(400, {"ok": False, "unknown": unknown})
			with state.lock:
				for key, value in body.items():
					setattr(state.switches, key, value)
				if "seed" in body and state.switches.seed is not None:
					state.rng.seed(state.switches.seed)
			return self._reply(200, {"ok": True})
		return self._reply(400, {"ok": False, "message": "unknown control"})

	def _complete(self, path: str, body: Any) -> None:
		state = self.state
		record = Recorded(path, body, None, time.time())
		with state.lock:
			state.requests.append(record)
			switches = Switches(**state.switches.__dict__)
			drop = state.switches.drop_next > 0
			if drop:
				state.switches.drop_next -= 1
			hang = not drop and state.switches.hang_next > 0
			if hang:
				state.switches.hang_next -= 1
			state.changed.notify_all()

		if drop:  # as a proxy or the provider dying mid-request: the client gets no answer
			self._finish(record, 0, None)
			self.close_connection = True
			return
		if switches.delay:
			state.stopping.wait(switches.delay)
		if hang:
			state.stopping.wait(switches.hang_seconds)

		status, payload, content = self._answer(body, switches)
		self._finish(record, status, content)
		self._reply(status, payload)

	def _finish(self, record: Recorded, status: int, content: str | None) -> None:
		with self.state.lock:
			record.status = status
			record.content = content
			self.state.changed.notify_all()

	def _answer(self, body: Any, switches: Switches) -> tuple[int, dict, str | None]:
		state = self.state
		if not self._authorized():
			return (
				401,
				error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
				None,
			)
		if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
			return 400, error("'messages' is required", "invalid_request_error", param="messages"), None
		if body.get("stream"):
			return (
				400,
				error(
					"Streaming is not supported by the stand-in.",
					"invalid_request_error",
					"unsupported_parameter",
					"stream",
				),
				None,
			)
		with state.lock:
			fail = state.switches.fail_next > 0
			if fail:
				state.switches.fail_next -= 1
			elif switches.fail_rate and state.rng.random() < switches.fail_rate:
				fail = True
			garbage = not fail and state.switches.garbage_next > 0
			if garbage:
				state.switches.garbage_next -= 1
		if fail:
			return switches.fail_status, failure(switches.fail_status), None

		content = GARBAGE if garbage else self._content(body, switches)
		prompt = sum(tokens(message_text(m.get("content"))) for m in body["messages"] if isinstance(m, dict))
		completion = tokens(content)
		payload = {
			"id": f"chatcmpl-{uuid.uuid4().hex}",
			"object": "chat.completion",
			"created": int(time.time()),
			"model": body.get("model") or "standin",
			"choices": [
				{
					"index": 0,
					"message": {"role": "assistant", "content": content},
					"finish_reason": "stop",
				}
			],
			"usage": {
				"prompt_tokens": prompt,
				"completion_tokens": completion,
				"total_tokens": prompt + completion,
			},
		}
		return 200, payload, content

	def _content(self, body: Any, switches: Switches) -> str:
		if switches.raw is not None:
			return switches.raw
		text = (last_user_message(body) or "").lower()
		for pair in switches.answers_by_text or []:
			substring, answer = pair
			if str(substring).lower() in text:
				return render(answer or {})
		return render(switches.answer or {})


class LlmStandin(StandinServer):
	path, name = "/v1", "llm-standin"

	def __init__(self, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None):
		super().__init__(_Handler, StandinState(api_key=api_key), host, port)

	def stop(self) -> None:
		self.state.stopping.set()  # hung handlers wake and answer (their clients are likely gone)
		super().stop()

	def reset(self) -> None:
		with self.state.lock:
			self.state.requests.clear()
			self.state.switches = Switches()

	@property
	def requests(self) -> list[Recorded]:
		with self.state.lock:
			return list(self.state.requests)

	@property
	def completions(self) -> list[Recorded]:
		"""The chat-completion requests received (also those still being answered or dropped)."""
		return [r for r in self.requests if r.path in COMPLETIONS_PATHS]

	@property
	def count(self) -> int:
		return len(self.completions)

	def last_user_content(self, i: int = -1) -> str | None:
		"""The last user message of the i-th chat-completion request (where DSPy puts the inputs)."""
		return last_user_message(self.completions[i].body)

	def wait_for_requests(self, n: int, timeout: float, answered: bool = False) -> bool:
		"""Until `n` chat-completion requests were received (or, with `answered`, answered or dropped)."""

		def enough() -> bool:
			rows = [r for r in self.state.requests if r.path in COMPLETIONS_PATHS]
			if answered:
				rows = [r for r in rows if r.status is not None]
			return len(rows) >= n

		with self.state.changed:
			return self.state.changed.wait_for(enough, timeout=timeout)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--host", default="127.0.0.1")
	parser.add_argument("--port", type=int, default=8902)
	parser.add_argument("--api-key", default=None)
	args = parser.parse_args()
	standin = LlmStandin(args.host, args.port, args.api_key)
	serve_until_interrupted(standin, "LLM")


if __name__ == "__main__":
	main()
