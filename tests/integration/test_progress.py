"""Progress while a sync runs: heartbeats in a pipe, a live line at a terminal (tmux), lock waits in
Dango's voice. No test waits on time: each waits, with a generous bound, for a line to appear, and the
source waits for a file the test writes."""

import fcntl
import os
import re
import shlex
import shutil
import subprocess

import pytest

from tests.conftest import DANGO
from tests.integration.test_faults import read_until, start_sync, wait_for

# Yields three rows, then waits (in its own code, line 10) until the test writes `release`.
WAITS_FOR_FILE = """
import pathlib
import time
import dlt

@dlt.resource(name="items")
def slow(release):
    yield [{"id": 1}, {"id": 2}, {"id": 3}]
    flag = pathlib.Path(release)
    while not flag.exists():
        time.sleep(0.05)
    yield {"id": 4}
"""


def add_slow_source(project):
    release = project.root / "release"
    project.add_source("slow", WAITS_FOR_FILE, kwargs={"release": str(release)})
    return release


def test_piped_sync_prints_heartbeats_and_lock_waits_in_dangos_voice(project):
    release = add_slow_source(project)
    (project.root / "data").mkdir()
    lock = (project.root / "data" / "warehouse.duckdb.lock").open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)  # another writer holds the warehouse when the sync starts
    sync = start_sync(project, "slow", **project.env, DANGO_PROGRESS_INTERVAL="1")
    try:
        seen = read_until(sync, "[slow] waiting for the warehouse lock, held by")
        lock.close()  # releases the flock
        seen += read_until(sync, "[slow] got the warehouse lock after")
        # Quiet in its own code: a heartbeat says so, where, with the rows so far.
        seen += read_until(sync, "waiting in slow.py line 10 (slow)")
        release.touch()
        rest, _ = sync.communicate(timeout=120)
    finally:
        lock.close()
        sync.kill()
    output = seen + rest
    assert sync.returncode == 0, output
    heartbeats = [line for line in output.splitlines() if line.startswith("[slow] running ")]
    assert any("extracting, items 3, waiting in slow.py line 10 (slow): nothing yielded" in h for h in heartbeats)
    assert "[slow] ok in" in output and "items 4" in output
    assert "| waiting" not in output  # Dango's own waits are not the source's output
    assert "\x1b[" not in output  # nothing only a terminal understands
    said = [line for line in output.splitlines() if "warehouse lock" in line and line not in heartbeats]
    assert said[0] == "[slow] waiting for the warehouse lock, held by another process" and len(said) == 2
    assert re.match(r"\[slow\] got the warehouse lock after \d+\.\ds$", said[1])


@pytest.mark.skipif(not shutil.which("tmux") and not os.environ.get("CI"), reason="tmux is not installed")
def test_terminal_shows_a_live_line_per_running_source(project, tmp_path):
    release = add_slow_source(project)
    # A tmux server of the test's own, so the terminal has the test's environment.
    tmux = ["tmux", "-L", f"dango-{os.getpid()}-{tmp_path.name}", "-f", "/dev/null"]
    command = f"cd {shlex.quote(str(project.root))} && {DANGO} sync slow; echo EXIT=$?; sleep 600"
    subprocess.run([*tmux, "new-session", "-d", "-x", "150", "-y", "40", command], check=True, env=project.env)

    def screen() -> str:
        return subprocess.run([*tmux, "capture-pane", "-p"], check=False, capture_output=True, text=True).stdout

    try:
        wait_for(lambda: re.search(r"^\[slow\] running \d+s: extracting, items 3", screen(), re.M), 120)
        release.touch()
        wait_for(lambda: "EXIT=" in screen(), 120)
        final = screen()
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    assert "EXIT=0" in final and "[slow] ok in" in final
    assert "[slow] running" not in final  # the live line is gone once the source has ended
