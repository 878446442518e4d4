"""Runs whose sync died (kill -9, a crash, a power cut) before it could record them.

A sync's scratch folder data/tmp/run-*/ holds `parent.lock`, flocked by the sync for its whole
life, and a `<source>.started` marker (the run's record, as JSON) for each source from its start
until its run is recorded. Children die with their parent (runner/sync/process.py), so a run folder
whose lock is free belongs to a dead sync and nothing of it still runs: the next sync records each
source still marked started as interrupted, and deletes the folder.
"""

import fcntl
import json
import os
import shutil
import uuid
from pathlib import Path

from runner.config.project import Project
from runner.sync.handoff import RunRecord, Status
from runner.warehouse import lock

LOCK_NAME = "parent.lock"
ERROR = "interrupted: the sync running it died before it ended (killed, or the machine stopped)"


class RunFolder:
    """A sync's scratch folder, locked by it until `close`."""

    def __init__(self, project: Project):
        tmp = project.data / "tmp"
        name = f"run-{uuid.uuid4().hex}"
        # Made under another name and locked before it is renamed: a folder named run-* is always locked
        # by a live sync, or abandoned.
        making = tmp / f"new-{name}"
        making.mkdir(parents=True)
        self._lock_fd = os.open(making / LOCK_NAME, os.O_WRONLY | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self.path = making.rename(tmp / name)

    def started(self, record: RunRecord) -> None:
        self._marker(record.source).write_text(json.dumps(record.as_dict()))

    def recorded(self, name: str) -> None:
        self._marker(name).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock_fd)

    def _marker(self, name: str) -> Path:
        return self.path / f"{name}.started"


def abandoned(project: Project) -> list[RunRecord]:
    """The runs left started by dead syncs, as interrupted; their folders are deleted."""
    records = []
    tmp = project.data / "tmp"
    for folder in sorted([*tmp.glob("run-*"), *tmp.glob("new-run-*")]):
        if not _owner_is_dead(folder):
            continue
        for marker in sorted(folder.glob("*.started")):
            try:
                fields = json.loads(marker.read_text())
            except (OSError, ValueError):
                continue
            ended = _last_write(project.root / fields["log"], fields["started"])
            records.append(RunRecord(**{**fields, "status": Status.INTERRUPTED, "ended": ended, "error": ERROR}))
        shutil.rmtree(folder, ignore_errors=True)
    return records


def _last_write(log: Path, started: float) -> float:
    """When the run was last heard of: its log's last write."""
    try:
        return max(log.stat().st_mtime, started)
    except OSError:
        return started


def _owner_is_dead(folder: Path) -> bool:
    return lock.could_take(folder / LOCK_NAME, fcntl.LOCK_EX, os.O_WRONLY | os.O_CREAT)
