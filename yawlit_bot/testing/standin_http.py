"""What the local stand-ins of paid services (WAPI, an LLM) share: a quiet JSON request
handler and the command line that serves one until Ctrl-C."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
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
