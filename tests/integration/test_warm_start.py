"""Warm start: each source's process is forked from a process that has imported dlt, and nothing a
source does reaches another. Every other sync test runs warm too, since it is the default."""

from pathlib import Path

# One module shared by two sources: each records what it found before changing anything, then
# leaves a mark in every place a source could leak into: a module global of a helper module, the
# environment, dlt's configuration, a thread still running and a DuckDB connection still open.
MEDDLER = """
import os
import threading
import time
from pathlib import Path

import dlt
import duckdb

import helper


def open_duckdb_files():
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            found += [os.readlink(fd)] if ".duckdb" in os.readlink(fd) else []
        except OSError:  # the listing's own descriptor, closed by now
            pass
    return sorted(found)


inherited = open_duckdb_files()  # before the source opens anything: none may come from the warm process
held = duckdb.connect("{name}.duckdb")  # opened at import, never closed
threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()  # started at import, never ends

@dlt.resource(name="seen", write_disposition="replace")
def {name}():
    parent = Path(f"/proc/{{os.getppid()}}/cmdline").read_bytes().replace(b"\\0", b" ").decode()
    row = {{
        "global": repr(helper.VALUE),  # repr: dlt makes no column of a value that is None
        "env": repr(os.environ.get("DANGO_TEST_SHARED")),
        "config": repr(dlt.config.get("dango_test.shared")),
        "parent": parent,
        "inherited": repr(inherited),
    }}
    helper.VALUE = "{name}"
    os.environ["DANGO_TEST_SHARED"] = "{name}"
    dlt.config["dango_test.shared"] = "{name}"
    yield row
"""


def add_meddlers(project):
    project.write("custom_sources/helper.py", "VALUE = 'untouched'\n")
    for name in ("first", "second"):
        project.add_source(name, MEDDLER.format(name=name))


def seen(project, name: str) -> dict:
    rows = project.query(f'select "global", env, config, parent, inherited from raw_{name}.seen')
    return dict(zip(["global", "env", "config", "parent", "inherited"], rows[0], strict=True))


def test_sources_forked_warm_see_nothing_of_each_other(project, tmp_path):
    add_meddlers(project)
    scratch = tmp_path / "tmp"  # where the warm process runs its warm-up pipeline
    scratch.mkdir()
    result = project.sync("--jobs", "1", env={"TMPDIR": str(scratch)})
    assert "summary: 2 ok, 0 failed" in result.stdout, result.stdout
    for name in ("first", "second"):
        row = seen(project, name)
        assert (row["global"], row["env"], row["config"], row["inherited"]) == ("'untouched'", "None", "None", "[]"), (
            row
        )
    # The first source starts cold at once, and the warm process forks the next.
    assert "runner.sync.warm" not in seen(project, "first")["parent"]
    assert "runner.sync.warm" in seen(project, "second")["parent"]
    assert not list(Path(project.root / "data" / "tmp").glob("run-*")), "the sync left its run folder"
    assert not list(scratch.iterdir()), "the warm-up left its pipeline folder"


def test_warm_start_can_be_turned_off(project):
    add_meddlers(project)
    (project.root / ".env").write_text("DANGO_WARM_START=0\n")
    result = project.sync("--jobs", "1")
    assert "summary: 2 ok, 0 failed" in result.stdout, result.stdout
    row = seen(project, "second")
    assert (row["global"], row["env"], row["config"]) == ("'untouched'", "None", "None"), row
    assert "runner.sync.warm" not in row["parent"] and "runner" in row["parent"], row
