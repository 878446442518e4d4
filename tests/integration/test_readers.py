"""Readers of the DuckDB warehouse beside syncs and dbt, with real processes on a real file.

Outside readers (a script polling read-only, a connection held open, a tool on the read copy) never
fail a sync or a dbt run, and Dango's own readers (`source list`, `query`, `shell`) never block one.
Each test drives one project through several steps: every sync and dbt run costs seconds.
"""

import subprocess
import sys
import threading

import duckdb

from tests.conftest import DANGO, Project

# Three rows, or as many as the file `count` in the project says; replaced on every sync.
COUNTED = """
from pathlib import Path
import dlt

@dlt.source
def counted():
    @dlt.resource(write_disposition="replace")
    def items():
        count = Path("count")
        yield [{"id": i} for i in range(int(count.read_text()) if count.exists() else 3)]
    return [items()]
"""
# Waits, once it is told to, until the file `open-gate` appears: holds a sync in mid-run.
GATE = """
import time
from pathlib import Path
import dlt

@dlt.source
def gate():
    @dlt.resource(write_disposition="replace")
    def items():
        if Path("use-gate").exists():
            print("gate: waiting", flush=True)
            while not Path("open-gate").exists():
                time.sleep(0.05)
        yield [{"id": i} for i in range(2)]
    return [items()]
"""
# A notebook that polls: open read-only, count, close, every 0.1 s, until the file `stop` appears.
POLLER = """
import sys, time
from pathlib import Path
import duckdb

ok = busy = 0
print("polling", flush=True)
while not Path("stop").exists():
    if not Path("data/warehouse.duckdb").exists():  # before the first sync
        time.sleep(0.1)
        continue
    try:
        with duckdb.connect("data/warehouse.duckdb", read_only=True) as conn:
            conn.execute("select count(*) from information_schema.tables").fetchall()
        ok += 1
    except duckdb.IOException as error:  # a writer has the file: DuckDB's rule, the read copy's reason
        assert "Conflicting lock" in str(error), error
        busy += 1
    time.sleep(0.1)
print(f"ok {ok} busy {busy}", flush=True)
"""
# A connection held open (a notebook, the DuckDB CLI) until a line arrives on stdin.
HOLDER = """
import sys
import duckdb

conn = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
sys.stdin.readline()
conn.close()
print("closed", flush=True)
sys.stdin.readline()
"""


def start(project: Project, *argv, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*argv], cwd=project.root, env=project.env, stdout=subprocess.PIPE, text=True, **kwargs)


def hold_open(project: Project, path) -> subprocess.Popen:
    holder = start(project, sys.executable, "-c", HOLDER, str(path), stdin=subprocess.PIPE)
    assert holder.stdout.readline() == "open\n"
    return holder


def read_until(process: subprocess.Popen, words: str) -> list[str]:
    """The lines `process` prints up to the first with `words` in it (the test's own timeout bounds it)."""
    lines = []
    for line in process.stdout:
        lines.append(line)
        if words in line:
            return lines
    raise AssertionError(f"{words!r} never printed:\n{''.join(lines)}")


def test_outside_readers_and_dangos_own_never_break_syncs_or_dbt(demo):
    demo.add_source("gate", GATE)
    poller = start(demo, sys.executable, "-c", POLLER)
    assert poller.stdout.readline() == "polling\n"
    listings: list[subprocess.CompletedProcess] = []
    stop = threading.Event()

    def list_sources():
        while not stop.is_set():
            listings.append(demo.dango("source", "list"))

    lister = threading.Thread(target=list_sources)  # `source list` in a loop during the first sync
    lister.start()
    try:
        first = demo.sync(check=0)
        stop.set()
        lister.join()
        assert "summary: 2 ok, 0 failed" in first.stdout and "read copy: data/read/warehouse.duckdb" in first.stdout

        # A second sync, held in mid-run: query and shell read the read copy meanwhile.
        (demo.root / "use-gate").touch()
        second = start(demo, str(DANGO), "sync")
        read_until(second, "gate: waiting")
        counted = demo.dango("query", "select count(*) as n from raw_demo_shop.carts", "--csv", check=0)
        assert counted.stdout == "n\n25\n"
        shell = demo.dango("shell", input="select count(*) as n\nfrom raw_gate.items;\ndelete from raw_gate.items;\n")
        assert shell.returncode == 0 and "\n2\n(1 row)" in shell.stdout
        assert "DELETE statements are refused: `dango query` and `dango shell` only read" in shell.stdout
        (demo.root / "open-gate").touch()
        output = "".join(second.stdout)
        assert second.wait() == 0 and "summary: 2 ok, 0 failed" in output, output

        built = demo.dango("run", check=0)
        assert "summary: ok" in built.stdout
    finally:
        (demo.root / "open-gate").touch()  # a failed assertion must not leave the sync waiting
        stop.set()
        lister.join()
        (demo.root / "stop").touch()
        polled = poller.communicate(timeout=30)[0]
    assert poller.returncode == 0 and int(polled.split()[1]) > 0, polled
    assert listings and all(listing.returncode == 0 for listing in listings)
    assert {listing.stdout.splitlines()[1].split()[0] for listing in listings} == {"demo_shop"}

    assert demo.count("raw_gate.items") == 2 and demo.count("raw_demo_shop.carts") == 25
    # The mart, built by dbt, is in the read copy that `query` reads.
    mart = demo.dango("query", "select count(*) as n from main.category_sales_vs_budget", "--json", check=0)
    assert mart.stdout == '[{"n": 5}]\n'


def test_a_sync_waits_for_an_outside_connection_and_gives_up_naming_it(project):
    project.add_source("counted", COUNTED)
    project.sync()
    copy = project.root / "data" / "read" / "warehouse.duckdb"
    kept = duckdb.connect(str(copy), read_only=True)  # a BI tool on the read copy, open throughout

    # Held open as a sync starts: the sync waits, names the holder, and loads once it closes.
    (project.root / "count").write_text("5")
    holder = hold_open(project, project.warehouse)
    sync = start(project, str(DANGO), "sync")
    waiting = read_until(sync, "waiting: data/warehouse.duckdb is open in")[-1]
    assert f"PID {holder.pid} ({sys.executable} -c" in waiting and "data/read/warehouse.duckdb" in waiting
    holder.stdin.write("\n")
    holder.stdin.flush()
    output = "".join(sync.stdout)
    assert sync.wait() == 0 and "[counted] ok" in output, output
    holder.communicate("\n")
    assert project.count("raw_counted.items") == 5
    assert kept.execute("select count(*) from raw_counted.items").fetchall() == [(3,)]  # its own file, unchanged
    fresh = project.dango("query", "select count(*) as n from raw_counted.items", "--csv", check=0)
    assert fresh.stdout == "n\n5\n"  # a new reader (another process: DuckDB shares a file open in one) sees them
    kept.close()

    # Never closed: the sync and dbt give up after --lock-timeout, naming it; nothing was loaded.
    (project.root / "count").write_text("7")
    holder = hold_open(project, project.warehouse)
    try:
        failed = project.sync("--lock-timeout", "1", check=1)
        dbt = project.dango("run", "--lock-timeout", "1", check=1)
    finally:
        holder.communicate("\n\n")
    said = failed.stdout + failed.stderr
    assert "[counted] FAILED in" in said and f"was still open in PID {holder.pid}" in said
    assert f"data/warehouse.duckdb was still open in PID {holder.pid}" in dbt.stderr
    for text in (said, dbt.stdout + dbt.stderr):
        assert "credentials" not in text and "internet" not in text and "IO Error" not in text
    assert project.count("raw_counted.items") == 5
    project.sync()
    assert project.count("raw_counted.items") == 7

    # Turned off: the copy left from before goes (no tool reads stale data), query reads the warehouse.
    project.sources_yml.write_text("warehouse: {type: duckdb, read_copy: false}\n" + project.sources_yml.read_text())
    assert "read copy" not in project.sync().stdout and not copy.exists()
    read = project.dango("query", "select count(*) as n from raw_counted.items", check=0)
    assert read.stdout.endswith("n\n7\n(1 row; read from data/warehouse.duckdb)\n")
