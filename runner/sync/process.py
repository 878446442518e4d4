"""Stopping a child process: SIGTERM, then SIGKILL after a grace period; and children that die
with their parent.

Both a source's child and dbt are stopped this way before the warehouse lock is released, so
nothing writes the warehouse once Dango has said a run ended. Stopping at any point is safe for
data: DuckDB rolls back an open transaction and dlt resumes from its files.

A parent killed with SIGKILL stops nothing and releases its locks, so every child Dango starts is
started `guarded` (or calls `die_with_parent` itself): the kernel kills it when its parent dies
(Linux's PR_SET_PDEATHSIG), and no dbt or source goes on writing without the lock Dango took for it.
"""

import ctypes
import os
import signal
import subprocess
import sys
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Protocol

from runner.config import environment
from runner.config.errors import Stopped

# How long a child may take to stop after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 10


class Process(Protocol):
    """What stopping needs of a process: a Popen, or a source's process forked warm."""

    def poll(self) -> int | None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...


def stop(process: Process, grace: float = STOP_GRACE_SECONDS) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when its parent `parent` (the thread of it that started
    this process) ends; end now if it already has."""
    if sys.platform != "linux":
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the call: nothing would signal us
        os._exit(1)


def guarded(argv: list[str]) -> list[str]:
    """`argv` run so that it dies with this process: through runner.sync.parent_guard, which calls
    `die_with_parent` and then execs it (the setting survives exec)."""
    return [*environment.runner_command("runner.sync.parent_guard"), str(os.getpid()), *argv]


@contextmanager
def stop_on_signals():
    """Turn SIGTERM and SIGINT into Stopped, so the running child is stopped and reported."""

    def raise_stopped(signum, _frame):
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, raise_stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_tool(argv: list[str], cwd: Path, env: dict[str, str], lock: AbstractContextManager | None) -> int:
    """Run a tool (dbt, dlt) in the foreground, holding `lock` for its whole run if one is given;
    SIGTERM and Ctrl-C stop it. Its exit code as a shell gives it: 128 + N when signal N ended it."""
    child = None
    try:
        with stop_on_signals(), lock or nullcontext():
            child = subprocess.Popen(argv, cwd=cwd, env=env)
            code = child.wait()
            return 128 - code if code < 0 else code
    except Stopped as stopped:
        return stopped.exit_code
    finally:
        if child is not None:
            stop(child)
