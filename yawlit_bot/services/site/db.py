"""Reading what the database gives back beyond rows: how many rows a statement changed, and
JSON kept in a text column.

Frappe's `db.sql` returns fetched rows only; the count an UPDATE or INSERT reports lives on its
cursor. The pipeline's guards (a claim taken once, a status moved forward only) read it here.
"""

import json

import frappe


def rows_changed() -> int:
	"""Rows the last statement on `frappe.db` changed (matched, for an UPDATE)."""
	return frappe.db._cursor.rowcount


def json_dict(raw) -> dict:
	"""A JSON object stored in a text column; {} for nothing, bad JSON or another type."""
	try:
		value = json.loads(raw) if raw else {}
	except ValueError:
		return {}
	return value if isinstance(value, dict) else {}
