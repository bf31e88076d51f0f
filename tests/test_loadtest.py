"""The harness touches only what it started: its own Redis, the bench config put back."""

from __future__ import annotations

import json
import os
import signal
import sys

import pytest
from redis import Redis

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))

from loadtest import site as loadtest_site  # noqa: E402


@pytest.fixture(autouse=True)
def sigterm_handler_kept():
	"""A run turns SIGTERM into SystemExit (so its cleanups run): not in the test process."""
	before = signal.getsignal(signal.SIGTERM)
	yield
	signal.signal(signal.SIGTERM, before)


@pytest.fixture()
def bench_config(tmp_path):
	path = tmp_path / "common_site_config.json"
	original = {"redis_cache": "redis://127.0.0.1:6379", "redis_queue": "redis://127.0.0.1:6379", "db_host": "x"}
	path.write_text(json.dumps(original))
	return path, original


def test_a_run_uses_its_own_redis_and_puts_the_bench_back(bench_config):
	path, original = bench_config
	machine = Redis(host="127.0.0.1", port=6379)
	machine_id = machine.info("server")["run_id"]
	run = loadtest_site.RunRedis()
	run.config_path = str(path)
	run.start()
	try:
		config = json.loads(path.read_text())
		assert config["redis_queue"] == config["redis_cache"] == config["redis_socketio"] == run.url
		assert run.port != 6379
		own = Redis.from_url(run.url)
		own.set("yawlit-harness-test", 1)
		outage = run.restart()
		assert outage > 0
		assert own.get("yawlit-harness-test") is None, "restarted without saving: keys gone"
		assert machine.info("server")["run_id"] == machine_id, "the machine's Redis was not touched"
	finally:
		loadtest_site.run_cleanups()
	assert json.loads(path.read_text()) == original
	with pytest.raises(Exception):
		Redis.from_url(run.url, socket_connect_timeout=0.5).ping()


def test_cleanups_run_last_first_and_each_once_even_when_one_fails():
	done = []
	loadtest_site.on_exit(lambda: done.append("first"))
	loadtest_site.on_exit(lambda: 1 / 0)
	loadtest_site.on_exit(lambda: done.append("last"))
	loadtest_site.run_cleanups()
	loadtest_site.run_cleanups()
	assert done == ["last", "first"]
