"""Background jobs yield the CPU to the webhook.

WAPI never retries a delivery, so on a busy machine the webhook's store-and-ack must win the
CPU over turns and campaign sends, which can wait a little without losing anything. RQ forks
a work horse per job, so lowering the horse's priority touches nothing else.
"""

import os

JOB_NICENESS = 10  # CFS then gives a web worker about nine times a job's share of a busy core


def yield_cpu_to_web() -> None:
	try:
		if os.getpriority(os.PRIO_PROCESS, 0) < JOB_NICENESS:
			os.setpriority(os.PRIO_PROCESS, 0, JOB_NICENESS)
	except OSError:  # not allowed here: run at the normal priority
		pass
