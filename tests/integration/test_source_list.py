"""bin/dango source list: the sources, their last load and last sync, read without ever writing or waiting."""

import re
import subprocess
import sys

from tests.integration.test_validate import GOOD

FLAKY = """
import os
import dlt

@dlt.source
def flaky():
    @dlt.resource(write_disposition="append")
    def rows():
        if os.environ.get("BREAK_IT"):
            raise ConnectionError("the API went away")
        yield [{"id": i} for i in range(4)]
    return [rows()]
"""


def test_before_any_sync(project):
    project.add_source("good", GOOD, description="Rows from nowhere")
    project.add_source("off", GOOD.replace("def good", "def off"), enabled=False)
    result = project.dango("source", "list", check=0)
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "NAME",
        "TYPE",
        "ENABLED",
        "MODULE:FUNCTION",
        "LAST",
        "LOAD",
        "ROWS",
        "LAST",
        "SYNC",
        "DESCRIPTION",
    ]
    assert lines[1].split() == [
        "good",
        "dlt_native",
        "yes",
        "good:good",
        "never",
        "-",
        "never",
        "run",
        "Rows",
        "from",
        "nowhere",
    ]
    assert lines[2].split() == ["off", "dlt_native", "no", "off:off", "never", "-", "never", "run"]
    assert result.stderr == ""
    assert not (project.root / "data").exists()


def test_no_sources_yet(project):
    result = project.dango("source", "list", check=0)
    assert "no sources in .dango/sources.yml yet" in result.stdout


def test_after_a_good_then_a_failed_sync(project):
    project.add_source("flaky", FLAKY)
    project.sync()
    listing = project.dango("source", "list", check=0).stdout.splitlines()
    loaded = listing[1].split()[4:6]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", " ".join(loaded))
    assert listing[1].split()[6:8] == ["4", "ok"]
    project.env["BREAK_IT"] = "1"
    project.sync(check=1)
    listing = project.dango("source", "list", check=0).stdout.splitlines()
    cells = listing[1].split()
    assert cells[4:6] == loaded and cells[6:8] == ["4", "failed"]  # the last load is still the good one
    assert listing[2].startswith("flaky: last sync failed at ")
    assert "ConnectionError: the API went away" in listing[2] and "(data/logs/flaky/" in listing[2]


def test_while_another_process_writes_the_warehouse(project):
    project.add_source("flaky", FLAKY)
    project.sync()
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print(1, flush=True); time.sleep(60)"
    writer = subprocess.Popen([sys.executable, "-c", hold, project.warehouse], stdout=subprocess.PIPE, text=True)
    try:
        writer.stdout.readline()
        result = project.dango("source", "list", check=0, timeout=30)
    finally:
        writer.kill()
        writer.wait()
    cells = result.stdout.splitlines()[1].split()
    assert cells[6:8] == ["4", "ok"]
    assert (
        "note: data/warehouse.duckdb is being written by another process (a sync?); "
        "LAST LOAD and ROWS come from data/runs.jsonl." in result.stdout
    )


def test_does_not_wait_for_the_warehouse_lock_and_never_writes(project):
    project.add_source("flaky", FLAKY)
    project.sync()
    before = project.warehouse.read_bytes()
    hold = (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
        "print(1, flush=True); time.sleep(60)"
    )
    lock = project.root / "data" / "warehouse.duckdb.lock"
    holder = subprocess.Popen([sys.executable, "-c", hold, lock], stdout=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()
        result = project.dango("source", "list", check=0, timeout=30)
    finally:
        holder.kill()
        holder.wait()
    # A Dango writer holds the lock: the listing does not open the file it is about to write (DuckDB
    # would refuse the writer), and the run history answers at once.
    assert result.stdout.splitlines()[1].split()[6:8] == ["4", "ok"]
    assert "note: data/warehouse.duckdb is being written by another process (a sync?)" in result.stdout
    assert project.warehouse.read_bytes() == before


def test_unreferenced_file_is_flagged_at_the_top(project):
    project.add_source("good", GOOD)
    project.write("custom_sources/my_api.py", GOOD.replace("def good", "def my_api"))
    result = project.dango("source", "list", check=0)
    assert result.stderr.startswith("⚠️ Unreferenced custom sources detected:\n  - custom_sources/my_api.py\n")
    assert "source_module: my_api\n      source_function: my_api\n" in result.stderr
