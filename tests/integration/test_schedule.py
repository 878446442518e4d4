"""bin/dango schedule and status: what cron and systemd run, and the staleness check."""

import pytest

pytestmark = pytest.mark.integration


def test_systemd_units_run_sync_then_dbt_and_stop_gently(project, tmp_path):
    result = project.dango("schedule", "--at", "03:15", check=0)
    assert "OnCalendar=*-*-* 03:15:00" in result.stdout and "Persistent=true" in result.stdout
    assert f"ExecStart={project.root.parent.parent}" not in result.stdout  # absolute paths to bin/dango
    execs = [line for line in result.stdout.splitlines() if line.startswith("ExecStart=")]
    assert [e.split()[-1] for e in execs] == ["sync", "run"]
    assert f"--project-dir {project.root}" in execs[0]
    assert "KillMode=mixed" in result.stdout and "TimeoutStopSec=60" in result.stdout
    units = tmp_path / "units"
    installed = project.dango("schedule", "--source", "x", "--install", "--unit-dir", units, check=2)
    assert "unknown source 'x'" in installed.stderr
    project.add_source("shop", "import dlt\n\n@dlt.resource\ndef shop():\n    yield {'id': 1}\n")
    installed = project.dango("schedule", "--source", "shop", "--install", "--unit-dir", units, check=0)
    assert sorted(p.name for p in units.iterdir()) == ["dango-project-shop.service", "dango-project-shop.timer"]
    assert "systemctl --user enable --now dango-project-shop.timer" in installed.stdout
    assert "sync shop" in (units / "dango-project-shop.service").read_text()


def test_cron_line(project):
    line = project.dango("schedule", "--cron", "--at", "2:30", "--no-transform", check=0).stdout.strip()
    assert line.startswith("30 2 * * * cd ")
    assert " sync; } >> " in line and line.endswith("# dango: dango-project")
    assert " run" not in line.split("sync")[1]
    assert "not a time of day" in project.dango("schedule", "--at", "25:00", check=2).stderr


def test_status_before_and_after_runs(project):
    project.add_source("shop", "import dlt\n\n@dlt.resource\ndef shop():\n    yield {'id': 1}\n")
    before = project.dango("status", "--max-age", "1h", check=1)
    assert "never run" in before.stdout and "stale: no success within 1h for shop" in before.stderr
    project.sync()
    assert project.dango("status", "--max-age", "1h", check=0).stdout.count("ok") == 1
    assert '"last_status": "ok"' in project.dango("status", "--json", check=0).stdout
    assert "not a duration" in project.dango("status", "--max-age", "soon", check=2).stderr
