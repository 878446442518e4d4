"""`dango python ...` and `dango dlt ...`: a source's own script and dlt's CLI, run the way sync runs a
source, so that what works by hand works in a sync and the other way round.

Both get the project's .venv, `.env` loaded (the environment wins), and `.dlt/` found in the project
root whatever folder they are started from (DLT_PROJECT_DIR). `dlt pipeline` also gets the project's
pipelines folder, data/pipelines, where sync keeps each source's dlt state; the commands of it that
write the warehouse (`drop`, `sync`) hold the warehouse lock, as a sync's load does.
"""

import os
import sys
from pathlib import Path

from runner import warehouse
from runner.config import environment
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.sync import process

# `dlt pipeline NAME <command>` commands that write the destination.
WRITES_WAREHOUSE = {"drop", "sync"}


def tool_environment(project: Project) -> dict[str, str]:
    env = environment.child_environment(project)
    env["DLT_PROJECT_DIR"] = str(project.root)
    return env


def python(project: Project, args: list[str]) -> int:
    """Replace this process with the project's Python: a script's folder first on its path, as with
    `python script.py`; relative paths start at the folder it was started from. dlt's state of a
    pipeline run by hand stays in the project too (data/dlt/pipelines, apart from sync's pipelines):
    dlt's default is ~/.dlt, or /var/dlt for root, shared by every project on the machine."""
    env = tool_environment(project)
    env.setdefault("DLT_DATA_DIR", str(project.data / "dlt"))
    os.execve(sys.executable, [sys.executable, *args], env)
    return 0  # never reached: execve does not return


def dlt_arguments(project: Project, args: list[str]) -> list[str]:
    """`pipeline ...` with --pipelines-dir data/pipelines, unless it names its own."""
    if args[:1] != ["pipeline"] or any(a == "--pipelines-dir" or a.startswith("--pipelines-dir=") for a in args):
        return args
    return ["pipeline", "--pipelines-dir", str(project.pipelines_dir), *args[1:]]


def writes_warehouse(args: list[str]) -> bool:
    return args[:1] == ["pipeline"] and any(a in WRITES_WAREHOUSE for a in args[1:])


def dlt(project: Project, args: list[str], lock_timeout: float) -> int:
    executable = Path(sys.executable).parent / "dlt"
    if not executable.exists():
        raise DangoError(f"dlt's command is not installed next to {sys.executable}. Run `make setup`.")
    target = warehouse.for_project(project)
    lock = target.write_lock(lock_timeout, "dango dlt", on_wait=announce_wait) if writes_warehouse(args) else None
    argv = [str(executable), *dlt_arguments(project, args)]
    return process.run_tool(argv, project.root, tool_environment(project), lock)


def announce_wait(holder: str) -> None:
    print(f"dlt: waiting for the warehouse lock, held by {holder}", file=sys.stderr, flush=True)
