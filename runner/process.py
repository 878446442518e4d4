"""Stopping a child process: SIGTERM, then SIGKILL after a grace period.

Both a source's child and dbt are stopped this way before the warehouse lock is released, so
nothing writes the warehouse once Dango has said a run ended. Stopping at any point is safe for
data: DuckDB rolls back an open transaction and dlt resumes from its files.
"""

import subprocess

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
