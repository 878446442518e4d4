"""A process outside Dango's locks that has the DuckDB file open: who it is, and waiting for it to close.

DuckDB lets one process write a file or several read it, never both, and it never waits: opening
fails at once with "Could not set lock on file ...: Conflicting lock is held in PROGRAM (PID n)".
Dango's own readers and writers take turns through the flock of runner/warehouse/lock.py, but a
notebook, the DuckDB CLI or a BI tool does not. A Dango writer therefore opens the file itself,
under its write lock and before any data moves (`open_when_free`), waits while such a process holds
it, says once who that is and how to avoid it, and gives up after its timeout naming the process.
"""

import fcntl
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from runner.config.errors import GaveUpWaiting

POLL_SECONDS = 0.2
CONFLICT = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
COMMAND_SHOWN = 160  # characters of the holder's command line
_announced: set[int] = set()  # holders this process has named
_given_up: set[int] = set()  # holders this process waited for in vain


class HeldOutside(GaveUpWaiting):
    """A process outside Dango kept the warehouse file open for the whole timeout."""

    def __init__(self, message: str, short: str):
        super().__init__(message)
        self.short = short  # for a warning after the same holder was named in full


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str

    def __str__(self) -> str:
        return f"PID {self.pid} ({self.command})"


def holder_of(error: BaseException) -> Holder | None:
    """The process DuckDB names in a lock conflict error, or None for any other error."""
    found = CONFLICT.search(str(error))
    if not found:
        return None
    pid = int(found["pid"])
    return Holder(pid, command_line(pid) or found["program"])


def command_line(pid: int) -> str:
    """The process's command line from /proc, shortened; empty when it is gone or unreadable."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    text = " ".join(raw.decode(errors="replace").replace("\0", " ").split())  # one line, even for `python -c`
    return text if len(text) <= COMMAND_SHOWN else text[: COMMAND_SHOWN - 3] + "..."


def posix_lock(path: Path, exclusive: bool) -> int | None:
    """A descriptor holding a POSIX lock on the whole file when no other process's DuckDB conflicts with
    it, else None; found without importing DuckDB (a tenth of a second), since DuckDB locks its files
    with the same locks: a shared one while no one writes the file, an exclusive one while no one has
    it open. Close the descriptor to release it. Only for a process that has no DuckDB connection to
    the file: closing any descriptor of a file drops all of the process's POSIX locks on it."""
    try:
        fd = os.open(path, os.O_RDWR if exclusive else os.O_RDONLY)
    except OSError:
        return None  # unreadable or read-only: DuckDB, opening it, says what is wrong
    try:
        fcntl.lockf(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        return fd
    except OSError:  # EAGAIN or EACCES: another process holds a conflicting lock
        os.close(fd)
        return None


def waiting_message(where: str, holder: Holder, read_copy: str) -> str:
    return (
        f"waiting: {where} is open in {holder}, outside Dango, and DuckDB lets no one write it meanwhile; "
        f"nothing is written until it closes it. To avoid this, point tools that stay open (notebooks, the "
        f"DuckDB CLI, BI tools) at the read copy {read_copy}: see docs/reading-the-warehouse.md"
    )


def open_when_free(path: Path, timeout: float, deadline: float, where: str, read_copy: str, on_wait=print):
    """A read-write DuckDB connection to `path`, waiting until `deadline` (time.monotonic) while a process
    outside Dango has it open; `on_wait(message)` once per holder and process. HeldOutside names the
    holder at the end, and later calls in this process give up on that same holder at once: a sync's
    parent records failed runs and refreshes the read copy after a source gave up on it."""
    import duckdb

    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            holder = holder_of(error)
            if holder is None:
                raise
        if time.monotonic() >= deadline or holder.pid in _given_up:
            _given_up.add(holder.pid)
            raise HeldOutside(
                f"{where} was still open in {holder}, outside Dango, after {timeout:g}s, so nothing was written. "
                f"Close it there (tools that stay open should read the read copy {read_copy}), then run again, "
                "or raise --lock-timeout.",
                f"{where} stayed open in PID {holder.pid}, outside Dango",
            )
        if holder.pid not in _announced:
            on_wait(waiting_message(where, holder, read_copy))
            _announced.add(holder.pid)
        time.sleep(POLL_SECONDS)
