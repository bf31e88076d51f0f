"""Which database errors mean "run the whole unit of work again", and how often that happened."""

from collections.abc import Callable
from typing import TypeVar

import frappe

T = TypeVar("T")

# MariaDB: 1213 deadlock, 1205 lock wait timeout, 1020 record changed since the snapshot.
RETRYABLE_DB_ERRORS = (1213, 1205, 1020)
DB_RETRIES = 3


def is_retryable_db_error(exc: Exception) -> bool:
	if isinstance(exc, frappe.QueryDeadlockError | frappe.QueryTimeoutError):
		return True
	return db_error_code(exc) in RETRYABLE_DB_ERRORS


def db_error_code(exc: BaseException) -> int | None:
	"""MariaDB's error number; Frappe wraps 1213 and 1205 in its own exceptions."""
	for error in (exc, exc.__cause__, *(exc.args[:1] if exc.args else ())):
		if isinstance(error, BaseException) and error.args and isinstance(error.args[0], int):
			return error.args[0]
	if isinstance(exc, frappe.QueryDeadlockError):
		return 1213
	if isinstance(exc, frappe.QueryTimeoutError):
		return 1205
	return None


def should_retry(exc: Exception, attempt: int) -> bool:
	"""True when `attempt` (0-based) may run again after `exc`; every retry is counted."""
	if not (is_retryable_db_error(exc) and attempt + 1 < DB_RETRIES):
		return False
	count_retry(exc)
	return True


def run_with_db_retries(unit: Callable[[], T]) -> T:
	"""Run `unit`, database writes that end in their own commit; after a deadlock, a lock wait
	timeout or a changed record it is rolled back and run again (DB_RETRIES runs in all)."""
	attempt = 0
	while True:
		try:
			return unit()
		except Exception as exc:
			frappe.db.rollback()
			if not should_retry(exc, attempt):
				raise
			attempt += 1


def retry_counter_key(code: int | str) -> str:
	return f"{frappe.local.site}|yawlit_bot|db-retries|{code}"


def count_retry(exc: Exception) -> None:
	"""Per error code, in Redis: what the harness reports and an operator can read
	(`redis-cli keys '*db-retries*'`). Counting never gets in the way of the retry."""
	try:
		frappe.cache.incr(retry_counter_key(db_error_code(exc) or 0))
	except Exception:
		pass


def retry_counts() -> dict[str, int]:
	counts = {}
	for code in RETRYABLE_DB_ERRORS:
		value = frappe.cache.get(retry_counter_key(code))
		if value:
			counts[str(code)] = int(value)
	return counts
