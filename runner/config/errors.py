"""The errors a user sees. Each class carries the exit code `bin/dango` ends with, so the CLI has one
error path: catch `DangoError`, print its message, return its `exit_code`. Every message says what
happened, names the file, source or field, and ends with what to do.

Exit codes: 0 success; 1 a run failed or gave up waiting (a source, dbt, a lock); 2 bad configuration
or usage; 128 + n stopped by signal n, as shells report it.
"""

import signal

FAILED_EXIT_CODE = 1
USAGE_EXIT_CODE = 2


class DangoError(Exception):
    """Bad configuration or usage: the user must change something before running again."""

    exit_code = USAGE_EXIT_CODE


class GaveUpWaiting(DangoError):
    """Something Dango needs (a lock, the warehouse file, earlier sources) stayed busy past the timeout."""

    exit_code = FAILED_EXIT_CODE


class Stopped(DangoError):
    """The run was asked to stop by a signal."""

    def __init__(self, signum: int):
        self.signal_name = signal.Signals(signum).name
        self.exit_code = 128 + signum
        super().__init__(f"stopped by {self.signal_name}")
