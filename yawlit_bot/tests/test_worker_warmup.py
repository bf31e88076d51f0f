"""The RQ worker warm-up (yawlit_bot/commands.py): every module it names must import."""

from __future__ import annotations

from frappe.tests.utils import FrappeTestCase

from yawlit_bot import commands


class TestWorkerWarmup(FrappeTestCase):
	def test_every_preloaded_module_imports(self):
		self.assertEqual(commands.warm_worker(), [], "a module in WORKER_PRELOAD was renamed or broke")

	def test_the_save_hooks_of_frappe_are_found(self):
		self.assertIn("frappe.desk.notifications", commands.save_hook_modules())

	def test_only_worker_processes_warm_up(self):
		self.assertTrue(commands.is_worker_process(["bench_helper.py", "frappe", "worker", "--queue", "short"]))
		self.assertTrue(commands.is_worker_process(["bench_helper.py", "frappe", "worker-pool"]))
		self.assertFalse(commands.is_worker_process(["bench_helper.py", "frappe", "--site", "x", "migrate"]))
		self.assertFalse(commands.is_worker_process(["gunicorn"]))
