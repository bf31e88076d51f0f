"""The one place that reads how many rows a statement changed.

Frappe's `db.sql` returns fetched rows only; the count an UPDATE or INSERT reports lives on its
cursor. The pipeline's guards (a claim taken once, a status moved forward only) read it here.
"""

import frappe


def rows_changed() -> int:
	"""Rows the last statement on `frappe.db` changed (matched, for an UPDATE)."""
	return frappe.db._cursor.rowcount
