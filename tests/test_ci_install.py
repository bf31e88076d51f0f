"""`.ci/run` tests exactly the clone it runs in: its app-path step against a bench laid out the
README's way (`bench get-app` leaves a real directory there), and its import check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_SH = ROOT / ".ci" / "app.sh"


def bash(script: str, **env) -> subprocess.CompletedProcess:
	return subprocess.run(
		["bash", "-c", f". {APP_SH}; {script}"],
		capture_output=True,
		text=True,
		env={**os.environ, **env},
		timeout=60,
	)


def test_a_real_directory_at_the_app_path_is_replaced_by_a_link_to_the_clone(tmp_path):
	bench = tmp_path / "bench"
	stale = bench / "apps" / "yawlit_bot"
	(stale / "yawlit_bot").mkdir(parents=True)
	(stale / "yawlit_bot" / "__init__.py").write_text("STALE = True\n")
	result = bash(f'link_app "{bench}" "{ROOT}"')
	assert result.returncode == 0, result.stdout + result.stderr
	app = bench / "apps" / "yawlit_bot"
	assert app.is_symlink() and app.resolve() == ROOT.resolve()
	moved = [p for p in (bench / "apps").iterdir() if p.name.startswith("yawlit_bot.before-ci-")]
	assert len(moved) == 1 and (moved[0] / "yawlit_bot" / "__init__.py").read_text() == "STALE = True\n"


def test_an_existing_link_is_pointed_at_the_clone(tmp_path):
	bench = tmp_path / "bench"
	(bench / "apps").mkdir(parents=True)
	other = tmp_path / "other-clone"
	other.mkdir()
	(bench / "apps" / "yawlit_bot").symlink_to(other)
	assert bash(f'link_app "{bench}" "{ROOT}"').returncode == 0
	assert (bench / "apps" / "yawlit_bot").resolve() == ROOT.resolve()


def test_the_import_check_fails_loudly_when_the_bench_imports_another_copy(tmp_path):
	stale = tmp_path / "stale"
	(stale / "yawlit_bot").mkdir(parents=True)
	(stale / "yawlit_bot" / "__init__.py").write_text("")
	result = bash(f'check_import "{sys.executable}" "{ROOT}"', PYTHONPATH=str(stale))
	assert result.returncode != 0
	assert "not from this clone" in result.stdout
	assert bash(f'check_import "{sys.executable}" "{ROOT}"', PYTHONPATH=str(ROOT)).returncode == 0
