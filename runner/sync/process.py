"""Stopping a child process: SIGTERM, then SIGKILL after a grace period.

Both a source's child and dbt are stopped this way before the warehouse lock is released, so
nothing writes the warehouse once Dango has said a run ended. Stopping at any point is safe for
data: DuckDB rolls back an open transaction and dlt resumes from its files.
"""

import signal
import subprocess
from contextlib import contextmanager

from runner.config.errors import Stopped

# How long a child may take to stop after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 10


def stop(process: subprocess.Popen, grace: float = STOP_GRACE_SECONDS) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
