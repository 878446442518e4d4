"""--jobs: sources extract side by side, loads take turns, and readers of the warehouse still work."""

import json
import subprocess

from tests.conftest import DANGO

STAMPED = """
import json
import time
from pathlib import Path

import dlt

@dlt.resource(name="rows", write_disposition="replace")
def {name}():
    started = time.time()
    yield [{{"id": i}} for i in range(100)]
    Path("extract-{name}.json").write_text(json.dumps([started, time.time()]))
"""

# Each source waits, inside its extraction, until every source has started extracting: run one at a
# time, the first would wait out the bound and fail; side by side, all four go on at once.
TOGETHER = """
import time
from pathlib import Path

import dlt

@dlt.resource(name="rows", write_disposition="replace")
def {name}():
    Path("started-{name}").touch()
    deadline = time.monotonic() + 120
    while not all(Path(f"started-{{n}}").exists() for n in "abcd"):
        assert time.monotonic() < deadline, "the other sources never started extracting"
        time.sleep(0.05)
    yield [{{"id": i}} for i in range(100)]
"""


def test_jobs_extract_side_by_side_and_load_everything(project):
    names = ["a", "b", "c", "d"]
    for name in names:
        project.add_source(name, TOGETHER.format(name=name))
    result = project.sync("--jobs", "4")
    assert "(4 at a time)" in result.stdout and "summary: 4 ok, 0 failed" in result.stdout
    assert all(project.count(f"raw_{name}.rows") == 100 for name in names)


def test_jobs_1_runs_one_at_a_time(project):
    for name in ["a", "b"]:
        project.add_source(name, STAMPED.format(name=name))
    project.sync("--jobs", "1")
    first, second = (json.loads((project.root / f"extract-{n}.json").read_text()) for n in ["a", "b"])
    assert first[1] <= second[0]


READER = """
import time
import dlt
import duckdb

@dlt.resource(name="copied", write_disposition="replace")
def reader():
    conn = duckdb.connect("data/warehouse.duckdb", read_only=True)
    rows = conn.execute("select id from raw_big.rows order by id limit 5").fetchall()
    time.sleep(1)  # hold the connection while the other sync wants to load
    conn.close()
    yield [{"id": r[0]} for r in rows]
"""

BIG = """
import os
import dlt

@dlt.resource(name="rows", write_disposition="append")
def big():
    for page in range(int(os.environ.get("PAGES", "1"))):
        yield [{"id": page * 10_000 + i, "payload": "x" * 100} for i in range(10_000)]
"""


def test_a_source_reads_the_warehouse_while_other_syncs_load(project):
    project.add_source("big", BIG)
    project.add_source("reader", READER)
    project.sync("big")
    env = {**project.env, "PAGES": "6", "NORMALIZE__LOADER_FILE_FORMAT": "insert_values"}  # a slow load
    load = subprocess.Popen([DANGO, "sync", "big"], cwd=project.root, env=env, stdout=subprocess.PIPE, text=True)
    readers = [project.sync("reader") for _ in range(3)]
    output, _ = load.communicate(timeout=240)
    assert load.returncode == 0, output
    assert all("Could not set lock" not in r.stdout for r in readers)
    assert project.count("raw_reader.copied") == 5
    assert project.count("raw_big.rows") == 70_000


def test_a_reader_listed_after_a_source_sees_its_rows_of_today(project):
    project.add_source("big", BIG)
    project.add_source("reader", READER)
    result = project.sync("--jobs", "2")
    assert "summary: 2 ok" in result.stdout
    assert project.count("raw_reader.copied") == 5


FIRST_UNTIL_SECOND_GAVE_UP = """
import time
from pathlib import Path

import dlt

@dlt.resource(name="rows", write_disposition="replace")
def first():
    deadline = time.monotonic() + 120
    while not any("FAILED" in log.read_text() for log in Path("data/logs/second").glob("*.log")):
        assert time.monotonic() < deadline, "the second source never gave up"
        time.sleep(0.05)
    yield [{"id": 1}]
"""


def test_a_reader_that_waits_too_long_for_earlier_sources_says_so(project):
    project.add_source("first", FIRST_UNTIL_SECOND_GAVE_UP)
    project.add_source("second", READER.replace("raw_big.rows", "raw_first.rows"), function="reader")
    result = project.sync("--jobs", "2", "--lock-timeout", "1", check=1)
    assert "[second] FAILED" in result.stdout, result.stdout
    assert "sources listed before this one did not finish within 1s" in result.stdout
    assert "raise --lock-timeout" in result.stdout and "TypeError" not in result.stdout
    assert "[first] ok" in result.stdout and project.count("raw_first.rows") == 1
