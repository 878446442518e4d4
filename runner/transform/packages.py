"""dbt packages (`dbt/packages.yml` or `dependencies.yml`) installed before dbt needs them.

dbt refuses to build a project whose packages are not installed ("run dbt deps"), so a fresh clone of
a project that uses dbt_utils would fail its first `make transform`. Before `seed`, `transform` and
`docs`, Dango runs `dbt deps` when a packages file exists and the packages installed are not the ones
it names: a stamp in `dbt_packages/` holds the packages files' hash after a successful install
(`dbt clean` removes both). deps reads no warehouse, so it runs before the warehouse lock is taken.
Hub and git packages need the network; a failure shows dbt's words and how to install them by hand.
"""

import hashlib
import subprocess
import time
from pathlib import Path

from runner.config.project import Project
from runner.sync import process

PACKAGE_FILES = ("packages.yml", "dependencies.yml")
STAMP = ".dango-installed"  # inside dbt_packages/, so that whatever removes the packages removes it too
OUTPUT_LINES_SHOWN = 8


def install(project: Project, dbt: Path, env: dict, redact) -> str | None:
    """Run `dbt deps` if the packages installed are not those named; an error message if it failed."""
    files = [project.dbt_dir / name for name in PACKAGE_FILES if (project.dbt_dir / name).is_file()]
    if not files:
        return None
    wanted = hashlib.sha256(b"\0".join(path.read_bytes() for path in files)).hexdigest()
    stamp = project.dbt_dir / "dbt_packages" / STAMP
    if stamp.is_file() and stamp.read_text() == wanted:
        return None
    named = " and ".join(project.relative(path) for path in files)
    print(f"dbt deps: installing the packages of {named}", flush=True)
    started = time.time()
    argv = [str(dbt), "deps", "--project-dir", "dbt", "--profiles-dir", "dbt"]
    done = subprocess.run(
        process.guarded(argv), cwd=project.root, env=env, capture_output=True, text=True, errors="replace", check=False
    )
    if done.returncode != 0:
        said = [redact(line) for line in (done.stdout + done.stderr).strip().splitlines()[-OUTPUT_LINES_SHOWN:]]
        return "\n".join(
            [
                *said,
                f"dbt deps could not install the packages of {named} (exit code {done.returncode}; its last "
                "lines are above), so dbt did not run. Hub and git packages need the network: fix the file or "
                "the connection, then run again (or install them by hand with `bin/dango dbt deps`).",
            ]
        )
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(wanted)
    print(f"dbt deps: installed in {time.time() - started:.1f}s", flush=True)
    return None
