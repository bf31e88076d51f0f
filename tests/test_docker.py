"""The Docker files' contract: one image built from this repository runs every Frappe service,
the site is created with the bot installed once the database and Redis are healthy, and the old
dev-only compose is gone. (`.ci/run` also validates the compose file against the Compose
specification and lints the Containerfile with hadolint.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
FRAPPE_SERVICES = (
	"backend",
	"frontend",
	"websocket",
	"queue-short",
	"queue-long",
	"scheduler",
	"configurator",
	"create-site",
)
ONE_SHOTS = ("configurator", "create-site")


@pytest.fixture(scope="module")
def compose() -> dict:
	return yaml.safe_load((DOCKER / "compose.yml").read_text())


def command_text(service: dict) -> str:
	command = service.get("command") or []
	return " ".join(command) if isinstance(command, list) else str(command)


def test_every_service_the_issue_names_is_there(compose):
	services = compose["services"]
	for name in (*FRAPPE_SERVICES, "db", "redis-cache", "redis-queue", "wapi-standin"):
		assert name in services, name


def test_one_image_built_from_the_repo_runs_every_frappe_service(compose):
	services = compose["services"]
	images = {services[name]["image"] for name in FRAPPE_SERVICES}
	assert len(images) == 1, images
	built = [name for name, service in services.items() if "build" in service]
	assert built == ["backend"]
	build = services["backend"]["build"]
	assert (DOCKER / build["context"]).resolve() == ROOT  # the repository itself, no git URL
	assert (ROOT / build["dockerfile"]) == DOCKER / "Containerfile"
	for name in FRAPPE_SERVICES:
		assert services[name].get("pull_policy") == "never", f"{name} would try a registry for a local image"


def run_one_shot(compose: dict, service: str, workdir: Path) -> list[list[str]]:
	"""Run a one-shot's script as its container would (`bash -c`, Compose's `$$` read as `$`),
	with a stub `bench` that records its arguments (and makes the site's folder on new-site)."""
	stub = workdir / "bin" / "bench"
	stub.parent.mkdir(exist_ok=True)
	stub.write_text(
		"#!/bin/bash\n"
		'printf "%s\\0" "$@" >> "$CALLS"; printf "\\n" >> "$CALLS"\n'
		'if [ "$1" = new-site ]; then mkdir -p "sites/$2"; fi\n'
	)
	stub.chmod(0o755)
	(workdir / "sites").mkdir(exist_ok=True)
	(workdir / "apps").mkdir(exist_ok=True)
	calls = workdir / "calls"
	calls.write_text("")
	definition = compose["services"][service]
	environment = {
		key: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value)) for key, value in (definition.get("environment") or {}).items()
	}
	script = command_text(definition).replace("$$", "$")
	done = subprocess.run(
		["bash", "-c", script],
		cwd=workdir,
		env={"PATH": f"{stub.parent}:/usr/bin:/bin", "CALLS": str(calls), **environment},
		capture_output=True,
		text=True,
	)
	assert done.returncode == 0, done.stdout + done.stderr
	return [line.split("\0")[:-1] for line in calls.read_text().splitlines() if line]


def test_create_site_installs_the_bot_once_then_migrates(compose, tmp_path):
	first = run_one_shot(compose, "create-site", tmp_path)
	assert first[0] == [
		"new-site", "yawlit.localhost", "--mariadb-user-host-login-scope=%", "--db-root-password", "admin",
		"--admin-password", "admin", "--install-app", "yawlit_bot", "--set-default",
	]
	assert first[1:] == [
		["--site", "yawlit.localhost", "set-config", "host_name", "http://localhost:8080"],
		["--site", "yawlit.localhost", "enable-scheduler"],
	]
	assert run_one_shot(compose, "create-site", tmp_path) == [["--site", "yawlit.localhost", "migrate"]]


def test_create_site_starts_again_after_a_half_made_site(compose, tmp_path):
	(tmp_path / "sites" / "yawlit.localhost").mkdir(parents=True)  # new-site failed after making the folder
	again = run_one_shot(compose, "create-site", tmp_path)
	assert again[0][:3] == ["new-site", "yawlit.localhost", "--force"]


def test_the_configurator_writes_every_setting(compose, tmp_path):
	(tmp_path / "apps").mkdir()
	for app in ("frappe", "yawlit_bot"):
		(tmp_path / "apps" / app).mkdir()
	calls = run_one_shot(compose, "configurator", tmp_path)
	assert (tmp_path / "sites" / "apps.txt").read_text().split() == ["frappe", "yawlit_bot"]
	assert {tuple(call[:3]) for call in calls} >= {
		("set-config", "-g", "db_host"),
		("set-config", "-g", "redis_cache"),
		("set-config", "-g", "redis_queue"),
		("set-config", "-g", "redis_socketio"),
	}


def test_healthchecks_gate_the_one_shots(compose):
	services = compose["services"]
	for name in ("db", "redis-cache", "redis-queue"):
		assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
	for name in ONE_SHOTS:
		depends = services[name]["depends_on"]
		for backing in ("db", "redis-cache", "redis-queue"):
			assert depends[backing] == {"condition": "service_healthy"}, (name, backing)
		assert services[name]["restart"] == "no"
	assert services["create-site"]["depends_on"]["configurator"] == {"condition": "service_completed_successfully"}
	for name in ("backend", "queue-short", "queue-long", "scheduler"):
		assert services[name]["depends_on"]["create-site"] == {"condition": "service_completed_successfully"}


def test_named_volumes_and_the_site_on_port_8080(compose):
	assert {"sites", "logs", "db-data", "redis-queue-data"} <= set(compose["volumes"])
	assert any(str(port).endswith(":8080") for port in compose["services"]["frontend"]["ports"])
	assert compose["services"]["frontend"]["command"] == ["nginx-entrypoint.sh"]


def test_the_wapi_standin_is_optional(compose):
	for name in ("wapi-standin", "use-wapi-standin"):
		assert compose["services"][name]["profiles"] == ["standin"]
	assert "yawlit_bot.testing.wapi_standin" in command_text(compose["services"]["wapi-standin"])


def test_the_containerfile_builds_in_two_stages_with_assets_in_the_image():
	text = (DOCKER / "Containerfile").read_text()
	stages = re.findall(r"^FROM (\S+)", text, re.M)
	assert stages == ["frappe/build:${FRAPPE_BRANCH}", "frappe/base:${FRAPPE_BRANCH}"]
	assert "ARG FRAPPE_BRANCH=version-15" in text
	assert "COPY --chown=1000:1000 yawlit_bot " in text  # the app from the build context
	assert "bench build --production" in text
	for fetched in ("get-app", "apps_json", "--apps_path", "git clone", "--mount=type=secret"):
		assert fetched not in text, f"the app is not fetched from a git URL nor given as a secret ({fetched})"


def test_the_env_file_documents_the_defaults():
	env = dict(
		line.split("=", 1)
		for line in (DOCKER / ".env").read_text().splitlines()
		if line and not line.startswith("#")
	)
	assert env["ADMIN_PASSWORD"] == "admin"
	assert env["SITE_NAME"] == "yawlit.localhost"


def test_the_old_dev_only_compose_is_gone():
	assert not (DOCKER / "docker-compose.yml").exists()
	assert sorted(p.name for p in DOCKER.iterdir()) == [
		".env", "Containerfile", "compose.yml", "entrypoint.sh", "nginx-access-log.conf"
	]
