"""The public webhook's errors: a 400, not a 500, for bodies that are not JSON, and every error
answered as a short JSON reason, never a traceback.

Frappe v15 parses a JSON body in `frappe.app.make_form_dict`, before any app hook runs, and
answers 500 when the body is not valid JSON or nested too deep. WAPI's webhook is public, so
that must be a client error. `before_request` wraps the function once per process; the
wrapper then guards every later request of that process.

Frappe's error answers carry the traceback when System Settings allow it (and in developer
mode): file paths and code for anyone who posts junk. `after_request` rewrites the webhook's
error answers to `{"error": "<reason>"}`.
"""

import json

import frappe
import frappe.app

WEBHOOK_PATH = "/api/method/yawlit_bot.api.webhook.receive"


class MalformedRequestBody(frappe.ValidationError):
	http_status_code = 400


def _guarded(original):
	def make_form_dict(request):
		try:
			return original(request)
		except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
			frappe.local.form_dict = frappe._dict()
			raise MalformedRequestBody("Request body is not valid JSON") from None

	make_form_dict.yawlit_guard = True
	return make_form_dict


def install():
	if not getattr(frappe.app.make_form_dict, "yawlit_guard", False):
		frappe.app.make_form_dict = _guarded(frappe.app.make_form_dict)


def short_webhook_errors(response=None, request=None):
	"""`after_request` hook: the webhook's error answers as `{"error": reason}`, nothing more."""
	if response is None or request is None or request.path != WEBHOOK_PATH or response.status_code < 400:
		return
	response.set_data(json.dumps({"error": webhook_error_reason(response)}))
	response.headers["Content-Type"] = "application/json"


def webhook_error_reason(response) -> str:
	"""The exception's own message for a client error ("Body is not valid JSON"), a plain
	"Internal error" for a server error; never a traceback, a path or a class name."""
	if response.status_code >= 500:
		return "Internal error"
	try:
		body = json.loads(response.get_data() or b"{}")
	except ValueError:
		body = {}
	exception = str(body.get("exception") or "") if isinstance(body, dict) else ""
	reason = exception.split(": ", 1)[1] if ": " in exception else ""
	reason = reason.splitlines()[0].strip() if reason else ""
	return reason[:200] or {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 413: "Too large"}.get(
		response.status_code, "Bad request"
	)
