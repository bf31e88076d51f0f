"""What the local stand-ins of paid services (WAPI, an LLM) share: a quiet JSON request
handler and the command line that serves one until Ctrl-C."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonHandler(BaseHTTPRequestHandler):
	"""Reads JSON bodies and answers JSON; a client that gave up (a timeout test) is no error."""

	def log_message(self, *args):  # quiet
		pass

	def _reply(self, status: int, payload: Any) -> None:
		body = json.dumps(payload).encode()
		try:
			self.send_response(status)
			self.send_header("Content-Type", "application/json")
			self.send_header("Content-Length", str(len(body)))
			self.end_headers()
			self.wfile.write(body)
		except OSError:
			pass  # the client gave up (a timeout test)

	def _body(self) -> Any:
		length = int(self.headers.get("Content-Length") or 0)
		raw = self.rfile.read(length) if length else b""
		try:
			return json.loads(raw or b"{}")
		except ValueError:
			return None


def serve_until_interrupted(standin, name: str) -> None:
	"""The stand-alone mode of a stand-in: serve on its port until Ctrl-C."""
	print(f"{name} stand-in on {standin.base_url}", flush=True)
	try:
		standin.server.serve_forever()
	except KeyboardInterrupt:
		pass


class StandinServer:
	"""A stand-in served from a daemon thread: `handler` bound to `state` (with `lock`,
	`switches` and, for seeded randomness, `rng`). Subclasses set `path` (the API's root under
	the host) and `name`."""

	path = ""
	name = "standin"

	def __init__(self, handler: type, state: Any, host: str = "127.0.0.1", port: int = 0):
		self.state = state
		self.server = ThreadingHTTPServer((host, port), type("Handler", (handler,), {"state": state}))
		self.server.daemon_threads = True
		self.server.block_on_close = False  # stop() does not wait for hung handlers

	@property
	def base_url(self) -> str:
		host, port = self.server.server_address[:2]
		return f"http://{host}:{port}{self.path}"

	def start(self):
		threading.Thread(
			target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
		).start()
		return self

	def stop(self) -> None:
		self.server.shutdown()
		self.server.server_close()

	def configure(self, **switches) -> None:
		"""Set switches (all known, or none is set); `seed` reseeds the randomness."""
		with self.state.lock:
			for key in switches:
				if not hasattr(self.state.switches, key):
					raise AttributeError(f"unknown switch {key}")
			for key, value in switches.items():
				setattr(self.state.switches, key, value)
			if switches.get("seed") is not None:
				self.state.rng.seed(switches["seed"])
