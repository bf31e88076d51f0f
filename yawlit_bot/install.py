"""Install hooks: the bot's role, default settings, the webhook secret and a sample catalog."""

import sys

import frappe

from yawlit_bot.services.site.roles import BOT_ROLE, CAMPAIGN_ROLE


def ensure_roles():
	for role in (BOT_ROLE, CAMPAIGN_ROLE):
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


WORKSPACE_BLOCK = "WA Today and Tomorrow"


def ensure_workspace_block():
	"""The workspace's "today and tomorrow" block: a Custom HTML Block, its html, script and
	style kept in the app (templates/workspace_blocks) and written on install and migrate."""
	from pathlib import Path

	folder = Path(frappe.get_app_path("yawlit_bot", "templates", "workspace_blocks"))
	values = {
		"html": (folder / "today_and_tomorrow.html").read_text(),
		"script": (folder / "today_and_tomorrow.js").read_text(),
		"style": (folder / "today_and_tomorrow.css").read_text(),
		"private": 0,
	}
	roles = [{"role": BOT_ROLE}, {"role": "System Manager"}]  # the day plan's readers
	if frappe.db.exists("Custom HTML Block", WORKSPACE_BLOCK):
		block = frappe.get_doc("Custom HTML Block", WORKSPACE_BLOCK)
		block.update(values)
		block.set("roles", roles)
		block.save(ignore_permissions=True)
	else:
		block = frappe.get_doc({"doctype": "Custom HTML Block", **values, "roles": roles})
		block.insert(ignore_permissions=True, set_name=WORKSPACE_BLOCK)


def before_install():
	ensure_roles()


def after_install():
	from yawlit_bot.services.site.webhook_config import ensure_webhook_secret

	from yawlit_bot.services.booking.sample_catalog import create_sample_catalog

	from yawlit_bot.services.site.bot_user import ensure_bot_user

	from yawlit_bot.services.site.settings import store_missing_defaults

	ensure_roles()
	ensure_bot_user()
	ensure_workspace_block()
	store_missing_defaults()
	url = ensure_webhook_secret()
	create_sample_catalog()
	frappe.db.commit()
	# Printed once for the person installing at a terminal; never into a log (a container's
	# output is kept): there, the command that prints it. Desk shows it once too.
	if sys.stdout.isatty():
		print(f"\nyawlit_bot: set this webhook URL in WAPI's panel (keep it secret):\n  {url}\n")
	else:
		print(
			"\nyawlit_bot: the webhook URL holds its secret, so it is not printed here; print it with "
			f"`bench --site {frappe.local.site} yawlit-webhook-url`.\n"
		)
	from yawlit_bot.services.site.webhook_config import public_address_problem

	problem = public_address_problem()
	if problem:
		print(f"yawlit_bot: {problem}\n")


def after_migrate():
	from yawlit_bot.services.site.bot_user import ensure_bot_user

	ensure_roles()
	ensure_bot_user()  # sites installed before the bot had its own user
	ensure_workspace_block()
	from yawlit_bot.services.site.settings import repair_opening_hours, store_missing_defaults

	# Every migrate, not only once by a patch: a site whose install stopped half-way (its patches
	# were marked done before after_install failed) is repaired by the next migrate.
	store_missing_defaults()
	repair_opening_hours()  # a site installed with the install's moment as its opening hours


def before_uninstall():
	# Frappe drops the tables but keeps a Single's values and passwords: a reinstall must not
	# silently revive the old webhook secret and WAPI token.
	frappe.db.delete("__Auth", {"doctype": "WA Bot Settings"})
	frappe.db.delete("Singles", {"doctype": "WA Bot Settings"})
	from yawlit_bot.services.site.webhook_config import forget

	forget()


def before_tests():
	"""`bench run-tests` hook: a fresh site shows every user but Administrator the setup wizard,
	which would stop the Desk browser test before it starts; finish it with India's defaults."""
	if frappe.db.get_single_value("System Settings", "setup_complete"):
		return
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	setup_complete(
		{
			"language": "English",
			"country": "India",
			"timezone": "Asia/Kolkata",
			"currency": "INR",
			"full_name": "Yawlit Tester",
			"email": "tester@yawlit.test",
			"password": frappe.generate_hash(length=20),
		}
	)
	frappe.db.commit()
