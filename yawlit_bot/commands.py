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
	"frappe.email.doctype.notification.notification",  # every save runs notifications
	"frappe.core.doctype.version.version",
	"frappe.utils.password",  # the WAPI token: cryptography
	"frappe.database.sequence",
	"frappe.realtime",
	"frappe.deferred_insert",
	"frappe.website.path_resolver",
	"yawlit_bot.yawlit_bot.doctype.wa_conversation.wa_conversation",
	"yawlit_bot.yawlit_bot.doctype.wa_message.wa_message",
	"yawlit_bot.yawlit_bot.doctype.wa_booking_scratchpad.wa_booking_scratchpad",
	"yawlit_bot.yawlit_bot.doctype.wa_service_booking.wa_service_booking",
	"yawlit_bot.yawlit_bot.doctype.wa_bot_settings.wa_bot_settings",
	"yawlit_bot.yawlit_bot.doctype.wa_campaign.wa_campaign",
	"yawlit_bot.yawlit_bot.doctype.wa_campaign_recipient.wa_campaign_recipient",
	"yawlit_bot.yawlit_bot.doctype.wa_opt_out.wa_opt_out",
	"yawlit_bot.services.pipeline.turn",
	"yawlit_bot.services.pipeline.turn_jobs",
	"yawlit_bot.services.pipeline.sweeper",
	"yawlit_bot.services.campaigns",
	"yawlit_bot.engine.extraction",
	"yawlit_bot.engine.conversation",
)


def warm_worker() -> list[str]:
	"""Import what jobs import, and run the engine once so its patterns are compiled. Returns
	the modules that failed to import (a warm-up must never stop a worker from starting)."""
	failed = []
	for module in (*WORKER_PRELOAD, *sorted(save_hook_modules())):
		try:
			importlib.import_module(module)
		except Exception:
			failed.append(module)
	try:
		from yawlit_bot.engine.warmup import exercise_engine

		exercise_engine()
	except Exception:
		failed.append("yawlit_bot.engine.warmup")
	if model_warm_up_wanted():
		try:
			from yawlit_bot.services.pipeline.model_reader import warm_model_libraries

			warm_model_libraries()
		except Exception:
			failed.append("yawlit_bot.services.pipeline.model_reader")
	return failed


def model_warm_up_wanted() -> bool:
	"""A bench whose sites use a language model says so (`bench set-config -g yawlit_warm_model 1`,
	or YAWLIT_WARM_MODEL=1 for the worker): its workers then load DSPy once, before they fork."""
	import os

	if os.environ.get("YAWLIT_WARM_MODEL", "").lower() in ("1", "true", "yes"):
		return True
	try:
		import frappe

		return bool(frappe.get_conf().get("yawlit_warm_model"))
	except Exception:
		return False


def save_hook_modules() -> set[str]:
	"""The modules of the `doc_events["*"]` hooks of frappe and this app: every Document save
	in a job imports them."""
	modules = set()
	for app_hooks in ("frappe.hooks", "yawlit_bot.hooks"):
		try:
			events = getattr(importlib.import_module(app_hooks), "doc_events", {}).get("*", {})
		except Exception:
			continue
		for methods in events.values():
			for method in [methods] if isinstance(methods, str) else methods:
				modules.add(method.rsplit(".", 1)[0])
	return modules


def is_worker_process(argv: list[str]) -> bool:
	"""`bench worker ...` runs `python -m frappe.utils.bench_helper frappe worker ...`."""
	return len(argv) > 2 and argv[1] == "frappe" and argv[2] in ("worker", "worker-pool")


def on_each_site(context, work) -> None:
	"""Run `work(site)` on each site given with --site, connected, committing after each."""
	import frappe
	from frappe.exceptions import SiteNotSpecifiedError

	if not context.obj["sites"]:
		raise SiteNotSpecifiedError
	for site in context.obj["sites"]:
		frappe.init(site=site)
		frappe.connect()
		try:
			work(site)
			frappe.db.commit()
		finally:
			frappe.destroy()


@click.command("yawlit-sweep")
@click.pass_context
def yawlit_sweep(context):
	"""Re-queue stuck turns, unsent replies and broken campaign chains now (the scheduler
	does this every minute)."""
	from yawlit_bot.services.pipeline.sweeper import sweep

	on_each_site(context, lambda site: click.echo(f"{site}: {sweep()}"))


@click.command("yawlit-webhook-url")
@click.pass_context
def yawlit_webhook_url(context):
	"""Print the webhook URL to set in WAPI's panel (it holds the secret: keep it private), and
	what is wrong with the site's public address, if anything."""
	from yawlit_bot.services.site.webhook_config import ensure_webhook_secret, public_address_problem

	def show(_site) -> None:
		click.echo(ensure_webhook_secret())
		problem = public_address_problem()
		if problem:
			click.echo(problem, err=True)

	on_each_site(context, show)


commands = [yawlit_sweep, yawlit_webhook_url]

if is_worker_process(sys.argv):
	warm_worker()
