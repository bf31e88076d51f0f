"""A 400, not a 500, for request bodies that are not JSON.

Frappe v15 parses a JSON body in `frappe.app.make_form_dict`, before any app hook runs, and
answers 500 when the body is not valid JSON or nested too deep. WAPI's webhook is public, so
that must be a client error. `before_request` wraps the function once per process; the
wrapper then guards every later request of that process.
"""

import json

import frappe
import frappe.app


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
