"""The run history: one JSON line per source per sync in data/runs.jsonl, for people and tools.

Appended by the parent after each source ends, so it records failures and deaths that the child
could not report itself. An append is whole or absent: it holds an exclusive flock on the file (so
concurrent syncs never interleave), and a write cut short by a full disk is truncated away. A line
damaged some other way (an older version, a kill mid-write) is ended before the next append, and a
reader recovers the whole entries found in it, so a damaged line never hides the lines after it.
"""

import errno
import fcntl
import json
import os
from pathlib import Path

from runner.config.project import Project


def history_file(project: Project) -> Path:
    return project.data / "runs.jsonl"


def record(project: Project, entry: dict) -> None:
    path = history_file(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # end a damaged last line first
        try:
            if os.write(fd, line) != len(line):
                raise OSError(errno.ENOSPC, "the line was cut short (disk full?)")
        except OSError:
            os.ftruncate(fd, size)  # whole or absent
            raise
    finally:
        os.close(fd)


def runs(project: Project) -> list[dict]:
    """Every recorded run, oldest first."""
    try:
        lines = history_file(project).read_text().splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        entries += _entries(line)
    return entries


def _entries(line: str) -> list[dict]:
    """The entries of one line: normally one; the whole ones found in a damaged line otherwise."""
    try:
        return [json.loads(line)]
    except ValueError:
        pass
    decoder, found, start = json.JSONDecoder(), [], line.find("{", 1)
    while start != -1:
        try:
            entry, end = decoder.raw_decode(line, start)
        except ValueError:
            start = line.find("{", start + 1)
            continue
        if isinstance(entry, dict) and "source" in entry:
            found.append(entry)
        start = line.find("{", end)
    return found
