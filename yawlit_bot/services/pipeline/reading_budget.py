"""The turn's reading budget: CPU time the rules may spend reading one message, ended inside
the process that reads (a worker restart would not end it: RQ's work horse runs on alone).

A profiling timer (`ITIMER_PROF`, signal SIGPROF) counts the process's CPU time, so a worker
waiting for the CPU on a busy machine is not cut short, and it leaves SIGALRM to RQ's own job
timeout. Python runs the signal handler between bytecodes and inside a long regular-expression
match, so even a pattern that backtracks is stopped. Signals reach the main thread only: in
another thread (a web request served by a threaded server) reading is not bounded here, and
the patterns' own linear time (engine tier, tests/test_reading_time.py) is what holds.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadingOverBudget(BaseException):
	"""The reading ran out of its budget. A BaseException, so that no `except Exception` on the
	way up (in the engine or a library) can swallow it and read on."""


def _over_budget(signum, frame):
	raise ReadingOverBudget()


@contextmanager
def reading_budget(milliseconds: int) -> Iterator[None]:
	"""Raise ReadingOverBudget in the block once it has used `milliseconds` of CPU time.
	Only pure reading (the engine) belongs in the block: no database or network calls, which an
	exception in the middle would leave half done."""
	if milliseconds <= 0 or threading.current_thread() is not threading.main_thread():
		yield
		return
	previous = signal.signal(signal.SIGPROF, _over_budget)
	signal.setitimer(signal.ITIMER_PROF, milliseconds / 1000)
	try:
		yield
	finally:
		signal.setitimer(signal.ITIMER_PROF, 0)
		# a handler installed outside Python cannot be put back; the timer is off, so ignoring is safe
		signal.signal(signal.SIGPROF, previous if callable(previous) else signal.SIG_IGN)
