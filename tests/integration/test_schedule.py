"""bin/dango schedule and status: what cron and systemd run, and the staleness check."""

import hashlib
import re
import shutil
import subprocess

from tests.conftest import DANGO, run_dango


def path_hash(project) -> str:
    return hashlib.sha256(str(project.root).encode()).hexdigest()[:8]


def as_cron_runs(line: str) -> str:
    """The command cron hands to sh (crontab(5)): the text before the first unescaped `%`, with `\\%` as `%`."""
    command = line.split(" ", 5)[5]
    return re.split(r"(?<!\\)%", command)[0].replace("\\%", "%")


def test_a_path_with_percent_quotes_and_dollar_runs_from_cron_and_has_its_own_name(tmp_path, env):
    weird = tmp_path / "a%b 'c\"d $HOME" / "project"
    twin = tmp_path / "elsewhere" / "project"
    for root in (weird, twin):
        root.parent.mkdir(parents=True)
        run_dango("init", root, cwd=tmp_path, env=env, check=0)
    lines = [
        run_dango("schedule", "--cron", "--no-transform", cwd=root, env=env, check=0).stdout.strip()
        for root in (weird, twin)
    ]
    assert lines[0].split("# dango:")[1] != lines[1].split("# dango:")[1]  # same folder name, two schedules
    ran = subprocess.run(["sh", "-c", as_cron_runs(lines[0])], env=env, check=False, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert "sync: no enabled sources" in (weird / "data" / "logs" / "cron.log").read_text()

    units = tmp_path / "units"
    run_dango("schedule", "--install", "--unit-dir", units, cwd=weird, env=env, check=0)
    service = next(units.glob("*.service")).read_text()
    assert f"WorkingDirectory={str(weird).replace('%', '%%')}\n" in service
    quoted = str(weird).replace("%", "%%").replace('"', '\\"').replace("$", "$$")
    assert f'ExecStart="{DANGO}" "--project-dir" "{quoted}" "sync"' in service
    if shutil.which("systemd-analyze"):  # it reads the unit as systemd will
        verify = ["systemd-analyze", "verify", "--man=no", *map(str, units.glob("*.service"))]
        checked = subprocess.run(verify, capture_output=True, text=True, check=False)
        assert str(units) not in checked.stderr, checked.stderr


def test_systemd_units_run_sync_then_dbt_and_stop_gently(project, tmp_path):
    result = project.dango("schedule", "--at", "03:15", check=0)
    assert "OnCalendar=*-*-* 03:15:00" in result.stdout and "Persistent=true" in result.stdout
    assert f"ExecStart={project.root.parent.parent}" not in result.stdout  # absolute paths to bin/dango
    execs = [line for line in result.stdout.splitlines() if line.startswith("ExecStart=")]
    assert [e.split()[-1] for e in execs] == ['"sync"', '"run"']
    assert f'"--project-dir" "{project.root}"' in execs[0]
    assert "KillMode=mixed" in result.stdout and "TimeoutStopSec=60" in result.stdout
    units = tmp_path / "units"
    installed = project.dango("schedule", "--source", "x", "--install", "--unit-dir", units, check=2)
    assert "unknown source 'x'" in installed.stderr
    project.add_source("shop", "import dlt\n\n@dlt.resource\ndef shop():\n    yield {'id': 1}\n")
    units.mkdir()  # with the units of this project as Dango named them before
    (units / "dango-project-shop.service").write_text(f"[Service]\nWorkingDirectory={project.root}\n")
    (units / "dango-project-shop.timer").write_text("[Timer]\n")
    installed = project.dango("schedule", "--source", "shop", "--install", "--unit-dir", units, check=0)
    name = f"dango-project-{path_hash(project)}-shop"
    assert sorted(p.name for p in units.iterdir()) == [f"{name}.service", f"{name}.timer"]
    assert f"systemctl --user enable --now {name}.timer" in installed.stdout
    assert "stop its timer: systemctl --user disable --now dango-project-shop.timer" in installed.stdout
    assert '"sync" "shop"' in (units / f"{name}.service").read_text()


def test_cron_line(project):
    line = project.dango("schedule", "--cron", "--at", "2:30", "--no-transform", check=0).stdout.strip()
    assert line.startswith("30 2 * * * cd ")
    assert " sync; } >> " in line and line.endswith(f"# dango: dango-project-{path_hash(project)}")
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
