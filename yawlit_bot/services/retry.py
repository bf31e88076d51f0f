"""Which database errors mean "run the whole unit of work again"."""

import frappe

# MariaDB: 1213 deadlock, 1205 lock wait timeout, 1020 record changed since the snapshot.
RETRYABLE_DB_ERRORS = (1213, 1205, 1020)
DB_RETRIES = 3


def is_retryable_db_error(exc: Exception) -> bool:
	if isinstance(exc, frappe.QueryDeadlockError | frappe.QueryTimeoutError):
		return True
	code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
	return code in RETRYABLE_DB_ERRORS
