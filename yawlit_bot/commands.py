"""bench commands of yawlit_bot, and the RQ worker warm-up.

`bench` imports every app's `commands` module in each process it starts, `bench worker`
included. RQ's worker forks a fresh "work horse" per job, and a horse inherits only what
its parent had imported: measured on the harness, 53% of a turn job's CPU went to importing
frappe's document machinery and this app, and 21% to compiling regular expressions, again
in every job. So a worker process imports the turn pipeline once, before it forks
(`warm_worker`), and each horse starts with it loaded.
"""

from __future__ import annotations

import importlib
import sys

import click

# What a turn or campaign job imports; listed by module so a rename fails loudly in the test.
WORKER_PRELOAD = (
	"frappe.model.document",
	"frappe.model.create_new",  # -> frappe.core.utils -> markdownify, bs4: the heaviest import
	"frappe.model.base_document",
	"frappe.model.naming",
	"frappe.utils.data",
	"frappe.utils.typing_validations",
	"frappe.query_builder",
	"frappe.database.query",
	"yawlit_bot.services.turn",
	"yawlit_bot.services.sweeper",
	"yawlit_bot.services.campaigns",
	"yawlit_bot.engine.extraction",
	"yawlit_bot.engine.conversation",
)


def warm_worker() -> list[str]:
	"""Import what jobs import, and run the engine once so its patterns are compiled. Returns
	the modules that failed to import (a warm-up must never stop a worker from starting)."""
	failed = []
	for module in WORKER_PRELOAD:
		try:
			importlib.import_module(module)
		except Exception:
			failed.append(module)
	try:
		from yawlit_bot.engine.warmup import exercise_engine

		exercise_engine()
	except Exception:
		failed.append("yawlit_bot.engine.warmup")
	return failed


def is_worker_process(argv: list[str]) -> bool:
	"""`bench worker ...` runs `python -m frappe.utils.bench_helper frappe worker ...`."""
	return len(argv) > 2 and argv[1] == "frappe" and argv[2] in ("worker", "worker-pool")


@click.command("yawlit-sweep")
@click.pass_context
def yawlit_sweep(context):
	"""Re-queue stuck turns, unsent replies and broken campaign chains now (the scheduler
	does this every minute)."""
	import frappe

	from yawlit_bot.services.sweeper import sweep

	for site in context.obj["sites"]:
		frappe.init(site=site)
		frappe.connect()
		try:
			click.echo(f"{site}: {sweep()}")
			frappe.db.commit()
		finally:
			frappe.destroy()


commands = [yawlit_sweep]

if is_worker_process(sys.argv):
	warm_worker()
