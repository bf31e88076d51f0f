"""A brand-new site, the app installed the README's way, nothing configured by the test: the
shop has real opening hours, tomorrow has free slots, and the README's happy path books
(issue 22: a fresh install once stored the install's moment as both opening and closing time,
and no slot existed on any day; every other site test sets its own hours and never saw it)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

# MariaDB's administrative login, as the bench was built with (../shared/tools/make-bench.sh).
DB_ROOT_USER = os.environ.get("YAWLIT_DB_ROOT_USER", "benchroot")
DB_ROOT_PASSWORD = os.environ.get("YAWLIT_DB_ROOT_PASSWORD", "root")


def bench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
	return subprocess.run(
		["bench", *args], cwd=get_bench_path(), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
	)


class TestFreshInstall(FrappeTestCase):
	def test_a_new_site_books_the_readme_happy_path_with_nothing_configured(self):
		site = f"fresh-{uuid.uuid4().hex[:8]}.test"
		created = bench(
			"new-site", site, "--db-root-username", DB_ROOT_USER, "--db-root-password", DB_ROOT_PASSWORD,
			"--admin-password", uuid.uuid4().hex, "--install-app", "yawlit_bot",
		)
		self.addCleanup(
			bench, "drop-site", site, "--db-root-username", DB_ROOT_USER, "--db-root-password", DB_ROOT_PASSWORD,
			"--no-backup", "--force",
		)
		self.assertEqual(created.returncode, 0, created.stdout[-2000:] + created.stderr[-2000:])
		migrated = bench("--site", site, "migrate")  # the README's install: install-app, then migrate
		self.assertEqual(migrated.returncode, 0, migrated.stdout[-2000:] + migrated.stderr[-2000:])
		run = bench("--site", site, "execute", "yawlit_bot.tests.fresh_site.book_readme_happy_path", timeout=300)
		self.assertEqual(run.returncode, 0, run.stdout[-2000:] + run.stderr[-3000:])
		result = json.loads(next(line for line in reversed(run.stdout.splitlines()) if line.startswith("{")))
		transcript = "\n".join(f"> {t['customer']}\n< {t['bot']}" for t in result["transcript"])

		# the shop is open 06:00-18:00 as installed, and tomorrow has its slots
		self.assertTrue(result["opens_at"].startswith("06:00"), result)
		self.assertTrue(result["closes_at"].startswith("18:00"), result)
		self.assertGreaterEqual(len(result["slots_tomorrow"]), 10, result["slots_tomorrow"])
		# the README's happy path booked, for tomorrow at ten, what the customer said
		self.assertEqual(result["state"], "COMPLETED", transcript)
		booking = result["booking"]
		self.assertEqual((booking["appointment_date"], booking["time_slot"]), (result["tomorrow"], "10:00-11:00"), transcript)
		self.assertEqual((booking["first_name"], booking["vehicle_plate"]), ("Ravi", "MH12AB1234"), transcript)
		self.assertNotIn("not one of our slots", transcript)
