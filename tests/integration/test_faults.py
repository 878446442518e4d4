"""Unattended runs: kills, signals, hangs, transient errors, a full or read-only disk, a bad warehouse.

Every fault is done for real (signals to real processes, a real tmpfs, a damaged file) and the
checks are what an operator would look at: rows in tables, exit codes and messages.
"""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import DANGO

# An incremental source whose extraction can be slowed and whose rows are easy to count.
COUNTER = """
import json
import os
import time
import dlt

@dlt.resource(name="events", write_disposition="{disposition}", primary_key="id")
def counter(cursor=dlt.sources.incremental("id", initial_value=0)):
    batch = int(os.environ.get("BATCH", "1000"))
    start = cursor.last_value
    print("start", start, flush=True)
    for page in range(int(os.environ.get("PAGES", "5"))):
        print(f"page {{page}}", flush=True)
        time.sleep(float(os.environ.get("PAGE_SECONDS", "0")))
        yield [{{"id": start + page * batch + i + 1, "payload": "x" * 50}} for i in range(batch)]
"""

# The same source, never slowed: PAGE_SECONDS, set for another source of the sync, is ignored.
NEVER_WAITS = COUNTER.format(disposition="append").replace('os.environ.get("PAGE_SECONDS", "0")', '"0"')


def start_sync(project, *args, **env) -> subprocess.Popen:
    """A sync in its own process group, as a terminal, cron or systemd would start it."""
    return subprocess.Popen(
        [DANGO, "sync", *args],
        cwd=project.root,
        env={**env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "condition not reached in time"
        time.sleep(0.02)


def read_until(process: subprocess.Popen, marker: str) -> str:
    seen = ""
    for line in process.stdout:
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"{marker!r} never printed:\n{seen}")


def package_in(project, name: str, stage: str) -> bool:
    folder = project.root / "data" / "pipelines" / name / stage
    return folder.is_dir() and any(folder.iterdir())


@pytest.mark.parametrize("disposition", ["append", "merge"])
@pytest.mark.parametrize("stage", ["extract", "normalize", "load"])
def test_kill_9_loses_and_duplicates_nothing(project, disposition, stage):
    project.add_source("events", COUNTER.format(disposition=disposition), function="counter")
    project.sync("events")  # 5,000 rows, so state and tables exist
    # The killed run's package: 100,000 rows; 20,000 for the load, whose INSERT statements (slower than
    # the default format, to widen the window) keep it in load/normalized for about 1.5 s here.
    pages = 4 if stage == "load" else 20
    env = {"PAGES": str(pages), "BATCH": "5000", "PAGE_SECONDS": "0.2" if stage == "extract" else "0"}
    if stage == "load":
        env["NORMALIZE__LOADER_FILE_FORMAT"] = "insert_values"
    sync = start_sync(project, "events", **env)
    if stage == "extract":
        read_until(sync, "page 3")
    else:
        folder = {"normalize": "normalize/extracted", "load": "load/normalized"}[stage]
        wait_for(lambda: package_in(project, "events", folder))
    children = children_of(sync.pid)
    os.killpg(sync.pid, signal.SIGKILL)
    sync.wait()
    wait_for(lambda: not any(map(alive, children)))  # a killed child may hold the file a moment longer
    after_kill = project.count("raw_events.events")
    assert after_kill in (5_000, 5_000 + pages * 5_000)  # nothing, or the whole package: never part of one

    result = project.sync("events", env={"PAGES": "1", "BATCH": "10"})
    assert "[events] ok" in result.stdout
    ids = project.query("select count(*), count(distinct id), min(id), max(id) from raw_events.events")[0]
    expected_max = ids[3]
    assert ids[0] == ids[1] == expected_max, f"duplicates or gaps: {ids}"
    assert expected_max in (5_010, 5_010 + pages * 5_000), (after_kill, result.stdout)
    reported = re.search(r"\[events\] ok in [\d.]+s: events (\d+)", result.stdout)  # pending rows count too
    assert reported and int(reported[1]) == ids[0] - after_kill, result.stdout


def test_sigterm_stops_the_run_and_the_next_sync_finishes(project):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    project.add_source("later", COUNTER.format(disposition="append"), function="counter", module="later")
    sync = start_sync(project, "--jobs", "1", PAGES="50", PAGE_SECONDS="0.2")
    read_until(sync, "page 2")
    sync.send_signal(signal.SIGTERM)  # systemd's stop, to Dango alone
    output, _ = sync.communicate(timeout=60)
    assert sync.returncode == 128 + signal.SIGTERM
    assert "[events] CANCELLED" in output and "stopped by SIGTERM" in output
    assert "not started: later" in output
    assert not (project.root / "data" / "warehouse.duckdb").exists() or project.tables("raw_events") == set()
    project.sync()
    assert project.count("raw_events.events") == 5_000 and project.count("raw_later.events") == 5_000


def test_ctrl_c_stops_every_running_source(project):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    project.add_source("later", COUNTER.format(disposition="append"), function="counter", module="later")
    sync = start_sync(project, "--jobs", "2", PAGES="50", PAGE_SECONDS="0.2")
    read_until(sync, "page 2")
    os.killpg(sync.pid, signal.SIGINT)  # what a terminal sends to the foreground group
    output, _ = sync.communicate(timeout=60)
    assert sync.returncode == 128 + signal.SIGINT
    assert "[events] CANCELLED" in output and "[later] CANCELLED" in output
    assert "sync stopped by SIGINT; not started: none" in output
    assert not list((project.root / "data" / "tmp").glob("run-*"))


def test_sigint_to_one_source_cancels_it_and_the_others_go_on(project):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    project.add_source("later", NEVER_WAITS, function="counter", module="later")  # only `events` is slowed
    sync = start_sync(project, "--jobs", "1", PAGES="20", PAGE_SECONDS="0.2")
    read_until(sync, "page 2")
    os.kill(children_of(sync.pid)[0], signal.SIGINT)
    output, _ = sync.communicate(timeout=60)
    assert sync.returncode == 1
    assert "[events] CANCELLED" in output and "stopped by SIGINT" in output
    assert "[later] ok" in output and project.count("raw_later.events") == 20_000


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def test_a_hanging_source_times_out_and_the_others_go_on(project):
    project.add_source("hangs", COUNTER.format(disposition="append"), function="counter", timeout=2)
    project.add_source("events", NEVER_WAITS, function="counter")
    started = time.time()
    result = project.sync(check=1, env={"PAGE_SECONDS": "30"})
    assert "[hangs] TIMED OUT" in result.stdout and "timeout of 2s" in result.stdout
    assert "[events] ok" in result.stdout and project.count("raw_events.events") == 5_000
    assert time.time() - started < 50
    result = project.dango("sync", "hangs", "--timeout", "1", check=1, env={"PAGE_SECONDS": "30"})
    assert "[hangs] TIMED OUT" in result.stdout and "timeout of 1s" in result.stdout


def test_timeout_from_sources_yml_defaults(project):
    project.add_source("hangs", COUNTER.format(disposition="append"), function="counter")
    project.sources_yml.write_text(project.sources_yml.read_text() + "defaults:\n  timeout: 2\n")
    result = project.sync(check=1, env={"PAGE_SECONDS": "30"})
    assert "[hangs] TIMED OUT" in result.stdout and "timeout of 2s" in result.stdout


FLAKY = """
import dlt
import requests

@dlt.source
def flaky(base_url: str):
    @dlt.resource(write_disposition="replace")
    def items():
        response = requests.get(f"{base_url}/items", params={"limit": 5})
        response.raise_for_status()
        yield response.json()["items"]
    return [items()]
"""


def test_transient_errors_are_retried_with_a_fresh_source(project, api):
    project.add_source("flaky", FLAKY, kwargs={"base_url": api.url}, retries=2)
    api.flaky["/items"] = [503, 429]
    result = project.sync("flaky")
    assert result.stdout.count("retrying in") == 2 and "503" in result.stdout
    assert project.count("raw_flaky.items") == 5


def test_retries_give_up_and_programming_errors_are_never_retried(project, api):
    project.add_source("flaky", FLAKY, kwargs={"base_url": api.url}, retries=1)
    api.flaky["/items"] = [500, 500]
    result = project.sync("flaky", check=1)
    assert result.stdout.count("retrying in") == 1 and "HTTPError: 500" in result.stdout
    project.write("custom_sources/flaky.py", FLAKY.replace('["items"]', '["no_such_key"]'))
    result = project.sync("flaky", check=1)
    assert "KeyError" in result.stdout and "retrying" not in result.stdout


def test_a_dead_lock_holder_never_blocks(project):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    (project.root / "data").mkdir()
    hold = "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)"
    holder = subprocess.Popen(["python3", "-c", hold, str(project.root / "data" / "warehouse.duckdb.lock")])
    time.sleep(0.5)
    holder.kill()
    holder.wait()
    project.sync("--lock-timeout", "5")
    assert project.count("raw_events.events") == 5_000


def test_a_file_that_is_not_duckdb_is_named(project):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    (project.root / "data").mkdir()
    (project.root / "data" / "warehouse.duckdb").write_text("these are not the bytes you are looking for\n" * 200)
    result = project.dango("sync", check=2)
    assert "data/warehouse.duckdb is not a DuckDB database file" in result.stderr
    assert "nothing was synced" in result.stderr


def test_a_truncated_warehouse_is_named_and_not_touched(project):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    project.sync()
    warehouse = project.root / "data" / "warehouse.duckdb"
    data = warehouse.read_bytes()
    warehouse.write_bytes(data[: len(data) // 3])
    result = project.dango("sync", check=1)
    assert "data/warehouse.duckdb cannot be read by DuckDB" in result.stdout
    assert warehouse.read_bytes() == data[: len(data) // 3]


@pytest.fixture
def small_disk(project):
    """data/ on an 8 MiB tmpfs, mounted for real; skipped where this user may not mount."""
    data = project.root / "data"
    data.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(data)]
    mounted = subprocess.run(mount, check=False, capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield data
    subprocess.run(["umount", "-l", str(data)], check=False)


def test_a_full_disk_fails_the_source_and_keeps_the_loaded_data(project, small_disk):
    # Random payloads: dlt compresses what it writes, and "x" * 50 took a million rows to fill 8 MiB.
    bulky = COUNTER.format(disposition="replace").replace('"x" * 50', "os.urandom(50).hex()")
    project.add_source("events", bulky, function="counter")
    project.sync()
    result = project.sync(check=1, env={"PAGES": "400", "BATCH": "5000"})
    assert "No space left on device" in result.stdout + result.stderr
    assert project.count("raw_events.events") == 5_000


def test_a_read_only_data_folder_is_a_clear_error(project, small_disk):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    project.sync()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = project.dango("sync", check=2)
    assert "cannot write to data/: Read-only file system" in result.stderr
    assert project.count("raw_events.events") == 5_000


def test_run_history_in_the_warehouse_and_status(project):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    project.add_source("broken", "import dlt\n\n@dlt.resource\ndef broken():\n    yield 1 / 0\n")
    project.sync(check=1)
    rows = project.query("select source, status, rows::varchar, error from dango.runs order by source")
    assert rows[0][:2] == ("broken", "failed") and "ZeroDivisionError" in rows[0][3]
    assert rows[1][:2] == ("events", "ok") and '"events": 5000' in rows[1][2]
    status = project.dango("status", check=0)
    assert "events" in status.stdout and "broken" in status.stdout and "never" in status.stdout
    stale = project.dango("status", "--max-age", "26h", check=1)
    assert "stale: no success within 26h for broken" in stale.stderr


def test_run_history_appends_are_whole_or_absent_on_a_full_disk(project, small_disk):
    from runner.config.project import Project
    from runner.sync import history

    dango_project = Project(project.root)
    entry = {"source": "a", "status": "ok", "started": 1.0, "ended": 2.0, "rows": {"t": 1}, "log": "data/logs/a"}
    history.record(dango_project, entry)
    filler = (small_disk / "filler").open("wb", buffering=0)
    with pytest.raises(OSError):  # fill every free page of the tmpfs
        while True:
            filler.write(b"x" * 65536)
    with pytest.raises(OSError):  # longer than what is left of the history's last page
        history.record(dango_project, {**entry, "source": "cut", "error": "e" * 8000})
    filler.close()
    (small_disk / "filler").unlink()
    history.record(dango_project, {**entry, "source": "b"})
    lines = history.history_file(dango_project).read_text().splitlines()
    assert [json.loads(line)["source"] for line in lines] == ["a", "b"]

    with history.history_file(dango_project).open("a") as damaged:  # as a kill mid-write by an older version
        damaged.write('{"ended": 3.0, "log": "data/logs')
    history.record(dango_project, {**entry, "source": "c"})
    assert [run["source"] for run in history.runs(dango_project)] == ["a", "b", "c"]
    assert oct(history.history_file(dango_project).stat().st_mode & 0o777) == "0o600"


SLOW_MODEL = """
import pathlib
import time

def model(dbt, session):
    pathlib.Path("dbt-started").touch()
    time.sleep(300)  # until killed: the test kills Dango, and dbt must die with it
    return session.sql("select 1 as x")
"""


def alive(pid: int) -> bool:
    """Whether any thread of the process still runs: a killed process's main thread is a zombie
    before its other threads (a source's progress reporter) have let go of its open files."""
    states = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            states.append(stat.read_text().rsplit(")", 1)[1].split()[0])
        except OSError:
            continue  # that thread ended meanwhile
    return any(state not in ("Z", "X") for state in states)


def test_kill_9_of_dango_kills_its_children_and_the_next_sync_records_the_run(project):
    project.add_source("events", COUNTER.format(disposition="append"), function="counter")
    sync = start_sync(project, "events", **project.env, PAGES="50", PAGE_SECONDS="0.2")
    read_until(sync, "page 2")
    (child,) = children_of(sync.pid)
    sync.kill()  # the parent alone, as the OOM killer would
    sync.wait()
    wait_for(lambda: not alive(child))
    assert list((project.root / "data" / "tmp").glob("run-*"))

    result = project.sync("events")
    assert "[events] INTERRUPTED: an earlier sync died while it ran; recorded now" in result.stdout
    assert "[events] ok" in result.stdout and project.count("raw_events.events") == 5_000
    statuses = [json.loads(line)["status"] for line in (project.root / "data" / "runs.jsonl").read_text().splitlines()]
    assert statuses == ["interrupted", "ok"]
    assert project.query("select status from dango.runs order by ended") == [("interrupted",), ("ok",)]
    assert not list((project.root / "data" / "tmp").glob("*run-*"))

    project.write("dbt/models/slow.py", SLOW_MODEL)
    run = subprocess.Popen([DANGO, "run"], cwd=project.root, env=project.env, stdout=subprocess.DEVNULL)
    wait_for((project.root / "dbt-started").exists, 120)
    (dbt,) = children_of(run.pid)
    run.kill()
    run.wait()
    wait_for(lambda: not alive(dbt))
    (project.root / "dbt" / "models" / "slow.py").unlink()
    project.sync("events", "--lock-timeout", "5")  # no dbt left holding DuckDB's lock
