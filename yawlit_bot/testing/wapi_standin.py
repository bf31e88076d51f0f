"""A local stand-in for WAPI's send endpoints, for tests, the harness and benchmarks.

It speaks WAPI's wire format (`POST {base}/{vendor_uid}/contact/send-message` and friends,
Bearer token, `{"result": "success", "data": {... "wamid"}}`), records every request, and
has switches for 500s, a failure rate, slowness and hangs past the client's timeout.

In-process:
    standin = WapiStandin(token="t").start()      # standin.base_url -> http://127.0.0.1:PORT/api
    standin.configure(fail_next=1)                # the next send answers 500
    standin.accepted                               # sends it answered 200
Stand-alone:
    python -m yawlit_bot.testing.wapi_standin --port 8901 --token t
    curl -X POST localhost:8901/_standin/config -d '{"fail_rate": 0.3}'
    curl localhost:8901/_standin/requests
"""

from __future__ import annotations

import argparse
import itertools
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from yawlit_bot.testing.standin_http import JsonHandler, StandinServer, serve_until_interrupted

SEND_ENDPOINTS = {
	"contact/send-message": ("phone_number", "message_body"),
	"contact/send-interactive-message": ("phone_number", "interactive_type"),
	"contact/send-template-message": ("phone_number", "template_name"),
	"contact/send-media-message": ("phone_number", "media_type", "media_url"),
}


@dataclass
class Switches:
	fail_next: int = 0  # answer the next N sends with `fail_status`
	fail_status: int = 500
	fail_rate: float = 0.0  # answer this share of sends with `fail_status`
	delay: float = 0.0  # seconds before every answer
	hang_next: int = 0  # hold the next N sends for `hang_seconds` (past a client's timeout)
	hang_seconds: float = 12.0
	drop_next: int = 0  # read the next N sends, then close the connection without an answer
	seed: int | None = None
	max_per_second: int = 0  # answer 429 to sends beyond this many in the last second (0: no limit)


@dataclass
class Recorded:
	path: str
	body: Any
	status: int
	at: float
	wamid: str | None = None


@dataclass
class StandinState:
	token: str | None
	switches: Switches = field(default_factory=Switches)
	requests: list[Recorded] = field(default_factory=list)
	lock: threading.Lock = field(default_factory=threading.Lock)
	counter: itertools.count = field(default_factory=lambda: itertools.count(1))
	run_id: str = field(
		default_factory=lambda: uuid.uuid4().hex[:12].upper()
	)  # wamids stay unique across runs
	rng: random.Random = field(default_factory=random.Random)
	recent: list[float] = field(default_factory=list)  # accepted send times, for max_per_second
	accepted_by_phone: dict = field(default_factory=dict)  # phone -> sends answered 200
	changed: threading.Condition | None = None  # notified on every accepted send

	def __post_init__(self):
		self.changed = threading.Condition(self.lock)


class _Handler(JsonHandler):
	server_version = "WapiStandin/1.0"
	state: StandinState  # set on the subclass made per server

	def do_GET(self):
		if self.path.startswith("/_standin/requests"):
			with self.state.lock:
				rows = [r.__dict__ for r in self.state.requests]
			return self._reply(200, rows)
		return self._reply(404, {"result": "failed", "message": "not found"})

	def do_POST(self):
		body = self._body()
		if self.path.startswith("/_standin/"):
			return self._control(body)
		self._send(body)

	def _control(self, body: Any) -> None:
		state = self.state
		if self.path.startswith("/_standin/reset"):
			with state.lock:
				state.requests.clear()
				state.recent.clear()
				state.switches = Switches()
			return self._reply(200, {"ok": True})
		if self.path.startswith("/_standin/config") and isinstance(body, dict):
			with state.lock:
				for key, value in body.items():
					if hasattr(state.switches, key):
						setattr(state.switches, key, value)
				if state.switches.seed is not None:
					state.rng.seed(state.switches.seed)
			return self._reply(200, {"ok": True})
		return self._reply(400, {"result": "failed", "message": "unknown control"})

	def _send(self, body: Any) -> None:
		state = self.state
		parts = self.path.split("?")[0].strip("/").split("/")
		# /api/<vendor_uid>/contact/<action>
		endpoint = "/".join(parts[-2:]) if len(parts) >= 4 else ""
		with state.lock:
			switches = Switches(**state.switches.__dict__)
			hang = state.switches.hang_next > 0
			if hang:
				state.switches.hang_next -= 1
			fail = state.switches.fail_next > 0
			if fail:
				state.switches.fail_next -= 1
			elif switches.fail_rate and state.rng.random() < switches.fail_rate:
				fail = True
			limited = False
			if switches.max_per_second:
				now = time.time()
				state.recent = [t for t in state.recent if t > now - 1]
				limited = len(state.recent) >= switches.max_per_second
				if not limited:
					state.recent.append(now)
		with state.lock:
			drop = state.switches.drop_next > 0
			if drop:
				state.switches.drop_next -= 1
		if drop:  # as a proxy or WAPI dying mid-request: the client cannot know what happened
			with state.lock:
				state.requests.append(Recorded(self.path.split("?")[0], body, 0, time.time()))
			self.close_connection = True
			return
		if switches.delay:
			time.sleep(switches.delay)
		if hang:
			time.sleep(switches.hang_seconds)

		if limited:
			status, payload, wamid = 429, {"result": "failed", "message": "Too Many Requests"}, None
		else:
			status, payload, wamid = self._answer(endpoint, body, fail, switches)
		with state.lock:
			state.requests.append(Recorded(self.path.split("?")[0], body, status, time.time(), wamid))
			if status == 200 and isinstance(body, dict):
				phone = str(body.get("phone_number"))
				state.accepted_by_phone[phone] = state.accepted_by_phone.get(phone, 0) + 1
				state.changed.notify_all()
		self._reply(status, payload)

	def _answer(self, endpoint: str, body: Any, fail: bool, switches: Switches):
		auth = self.headers.get("Authorization") or ""
		if self.state.token and auth != f"Bearer {self.state.token}":
			return 401, {"result": "failed", "message": "Unauthenticated"}, None
		if endpoint not in SEND_ENDPOINTS:
			return 404, {"result": "failed", "message": "unknown endpoint"}, None
		if not isinstance(body, dict) or any(not body.get(key) for key in SEND_ENDPOINTS[endpoint]):
			return 422, {"result": "failed", "message": "missing required fields"}, None
		if endpoint == "contact/send-interactive-message" and body.get("interactive_type") == "button":
			buttons = body.get("buttons")
			titles = list(buttons.values()) if isinstance(buttons, dict) else []
			if (
				not 1 <= len(titles) <= 3
				or any(not 1 <= len(str(t)) <= 20 for t in titles)
				or len(set(titles)) != len(titles)
			):
				return (
					422,
					{"result": "failed", "message": "buttons must be 1-3 unique titles of 1-20 characters"},
					None,
				)
		if endpoint == "contact/send-interactive-message" and body.get("interactive_type") == "list":
			problem = list_problem(body.get("list_data"))
			if problem:
				return 422, {"result": "failed", "message": problem}, None
		if fail:
			return switches.fail_status, {"result": "failed", "message": "stand-in failure"}, None
		number = next(self.state.counter)
		wamid = f"wamid.STANDIN{self.state.run_id}{number:010d}"
		data = {
			"log_uid": f"log-{number}",
			"contact_uid": f"contact-{body.get('phone_number')}",
			"phone_number": body.get("phone_number"),
			"wamid": wamid,
			"status": "accepted",
		}
		return 200, {"result": "success", "data": data}, wamid


def list_problem(list_data: Any) -> str | None:
	"""What WhatsApp would refuse in a list: no button text, no rows, more than 10 rows, a row
	without an id or a title over 24 characters, a description over 72."""
	if not isinstance(list_data, dict) or not list_data.get("button_text"):
		return "list_data needs button_text and sections"
	sections = list_data.get("sections")
	if not isinstance(sections, dict) or not sections:
		return "list_data needs sections"
	rows = [
		row
		for section in sections.values()
		if isinstance(section, dict) and isinstance(section.get("rows"), dict)
		for row in section["rows"].values()
	]
	if not 1 <= len(rows) <= 10:
		return "a list has 1 to 10 rows"
	for row in rows:
		if not isinstance(row, dict) or not row.get("id") or not 1 <= len(str(row.get("title") or "")) <= 24:
			return "each row needs an id and a title of 1-24 characters"
		if len(str(row.get("description") or "")) > 72:
			return "a row's description has at most 72 characters"
	return None


class WapiStandin(StandinServer):
	path, name = "/api", "wapi-standin"

	def __init__(
		self,
		host: str = "127.0.0.1",
		port: int = 0,
		token: str | None = None,
		vendor_uid: str = "vendor-test",
	):
		super().__init__(_Handler, StandinState(token=token), host, port)
		self.vendor_uid = vendor_uid

	def reset(self) -> None:
		with self.state.lock:
			self.state.requests.clear()
			self.state.recent.clear()
			self.state.accepted_by_phone.clear()
			self.state.switches = Switches()

	def wait_for_accepted(self, phone: str, count: int, timeout: float) -> bool:
		"""Until `count` sends to `phone` were accepted (a customer waiting for the replies)."""
		with self.state.changed:
			return self.state.changed.wait_for(
				lambda: self.state.accepted_by_phone.get(phone, 0) >= count, timeout=timeout
			)

	@property
	def requests(self) -> list[Recorded]:
		with self.state.lock:
			return list(self.state.requests)

	@property
	def accepted(self) -> list[Recorded]:
		return [r for r in self.requests if r.status == 200]


def point_site_at(base_url: str, token: str, vendor_uid: str = "vendor-test") -> None:
	"""Send this site's replies to a stand-in (`bench --site S execute ...point_site_at --kwargs
	...`; the Docker compose's `standin` profile does it). For trying the bot, never production."""
	import frappe

	settings = frappe.get_single("WA Bot Settings")
	settings.update({"wapi_base_url": base_url, "wapi_vendor_uid": vendor_uid, "wapi_token": token})
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	print(f"WA Bot Settings now send to the WAPI stand-in at {base_url}")


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--host", default="127.0.0.1")
	parser.add_argument("--port", type=int, default=8901)
	parser.add_argument("--token", default=None)
	args = parser.parse_args()
	standin = WapiStandin(args.host, args.port, args.token)
	serve_until_interrupted(standin, "WAPI")


if __name__ == "__main__":
	main()
