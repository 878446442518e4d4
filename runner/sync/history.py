"""The run history: one JSON line per source per sync in data/runs.jsonl, for people and tools.

Appended by the parent after each source ends, so it records failures and deaths that the child
could not report itself. Lines are written whole with one write call in append mode, so concurrent
syncs never interleave within a line.
"""

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
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
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
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a full disk or a kill
    return entries
