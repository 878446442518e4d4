"""The warehouse write lock: one writer at a time, waiting with a timeout and saying who holds it.

It is an OS file lock (flock) on a file beside the warehouse, so it is released when its holder
dies, even by kill -9. The lock file is never deleted: locks belong to the inode. Who holds it is
written to a sidecar file once the lock is won, for the messages of those who wait.
"""

import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from runner.config.errors import GaveUpWaiting


class LockTimeout(GaveUpWaiting):
    """The lock stayed taken for the whole timeout."""


def describe_holder(lock_path: Path) -> str:
    if _held_shared_only(lock_path):  # readers leave no holder file: it names the last writer
        return "Dango's readers (source list, query, or a source reading the warehouse)"
    try:
        holder = json.loads(_holder_file(lock_path).read_text())
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder["since"]))
        return f"pid {holder['pid']} ({holder['command']}) since {since}"
    except (OSError, ValueError, KeyError):
        return "another process"


@contextmanager
def hold(lock_path: Path, timeout: float, purpose: str, on_wait=None):
    """Hold the lock at `lock_path` exclusively for the block; call on_wait(holder) once if it must wait
    (and what it returns, if callable, once the lock is won: see `poll`)."""
    fd = _acquire(lock_path, fcntl.LOCK_EX, timeout, on_wait)
    try:
        _holder_file(lock_path).write_text(
            json.dumps({"pid": os.getpid(), "command": purpose or " ".join(sys.argv), "since": time.time()})
        )
        yield
    finally:
        os.close(fd)  # closing the descriptor releases its flock


def acquire_shared(lock_path: Path, timeout: float, on_wait=None) -> int:
    """Take the lock shared (many readers, no writer) and return the descriptor that holds it.

    Writers take it exclusively through `hold`; both are flock on the same file, so a reader waits
    for a write in progress and a writer for the readers. Release with `release_shared`.
    """
    return _acquire(lock_path, fcntl.LOCK_SH, timeout, on_wait)


def _acquire(lock_path: Path, mode: int, timeout: float, on_wait) -> int:
    """flock the file in `mode`, polling until `timeout`; the descriptor that holds it.

    By hand rather than with the filelock package: it has no shared mode, and importing it cost
    every source's process about 60 ms. Not re-entrant: a process never takes a lock it holds."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)

    def locked() -> bool:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    if not poll(locked, timeout, on_wait and (lambda: on_wait(describe_holder(lock_path)))):
        os.close(fd)
        raise timed_out(lock_path, timeout)
    return fd


def poll(attempt, timeout: float, on_first_wait=None, interval: float = 0.05) -> bool:
    """Call `attempt()` until it returns true, for at most `timeout` seconds; `on_first_wait()` once,
    before the first wait, and what it returned, if callable, once the wait ends in success (so that a
    wait is announced when it starts and when it ends). Whether it succeeded."""
    deadline = time.monotonic() + timeout
    waited = False
    on_done = None
    while not attempt():
        if time.monotonic() >= deadline:
            return False
        if on_first_wait and not waited:
            on_done = on_first_wait()
            waited = True
        time.sleep(interval)
    if callable(on_done):
        on_done()
    return True


def release_shared(fd: int) -> None:
    os.close(fd)  # closing the descriptor releases its flock


def timed_out(lock_path: Path, timeout: float) -> LockTimeout:
    return LockTimeout(
        f"the lock {lock_path.name} was still held by {describe_holder(lock_path)} after {timeout:g}s. "
        "Wait for that run to finish, or raise --lock-timeout."
    )


def _held_shared_only(lock_path: Path) -> bool:
    """Whether the lock could be taken shared right now: then no writer holds it, only readers (if any)."""
    return could_take(lock_path, fcntl.LOCK_SH, os.O_RDONLY)


def could_take(path: Path, mode: int, open_flags: int) -> bool:
    """Whether the flock `mode` on `path` could be taken right now; it is released at once."""
    try:
        fd = os.open(path, open_flags, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _holder_file(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".holder")
