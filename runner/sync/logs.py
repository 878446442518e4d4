"""Each source's run logs in data/logs/<source>/: written by `dango sync`, shown by `dango logs`.

`dango logs` shows the end of each source's last run's log, found through data/runs.jsonl. It reads
files only, so it answers at once, even while a sync runs. `remote logs` runs it on the server.
"""

import time
import uuid
from pathlib import Path

from runner.config.errors import DangoError
from runner.config.project import Project
from runner.sync import history

DEFAULT_LINES = 40
KEPT_PER_SOURCE = 30


def open_log(project: Project, name: str):
    """A new log for a run of source `name`, open for writing; the oldest go, KEPT_PER_SOURCE stay.

    Logs are numbered (`r00000042-<time>-<id>.log`) and the newest are those with the highest
    numbers: neither names made of the time nor mtimes order them once the clock has been ahead.
    Logs of older versions (no number) count as older than every numbered one, newest by mtime."""
    folder = project.logs_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    logs = sorted(folder.glob("*.log"), key=_age)
    for old in logs[: -KEPT_PER_SOURCE + 1]:
        old.unlink(missing_ok=True)
    number = _age(logs[-1])[0] + 1 if logs else 1
    return (folder / f"r{number:08d}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}.log").open("w")


def _age(log: Path) -> tuple[int, float]:
    """How recent a log is: its number, then its mtime."""
    number = int(log.name[1:9]) if log.name[:1] == "r" and log.name[1:9].isdigit() else 0
    try:
        return number, log.stat().st_mtime
    except OSError:
        return number, 0.0


def last_runs(runs: list[dict], names: list[str]) -> list[dict]:
    """The last run of each source (of the named ones, if any), the most recent last."""
    latest = {entry["source"]: entry for entry in runs}
    unknown = [name for name in names if name not in latest]
    if unknown:
        known = ", ".join(sorted(latest)) or "none yet"
        raise DangoError(
            f"data/runs.jsonl: no run of {', '.join(unknown)} is recorded (sources with runs: {known}). "
            "Check the name, or sync it first."
        )
    picked = [latest[name] for name in names] if names else list(latest.values())
    return sorted(picked, key=lambda entry: entry["ended"])


def show(project: Project, names: list[str], lines: int) -> int:
    runs = history.runs(project)
    if not runs and not names:
        print("logs: no run recorded in data/runs.jsonl yet; `bin/dango sync` writes one per source.")
        return 0
    for entry in last_runs(runs, names):
        ended = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry["ended"]))
        print(f"==> {entry['source']}: {entry['status']}, ended {ended}, {entry['log']} <==")
        try:
            text = (project.root / entry["log"]).read_text(errors="replace")
        except OSError:
            print(f"(this log is gone: the newest {KEPT_PER_SOURCE} per source are kept)")
            continue
        print("\n".join(text.splitlines()[-lines:] if lines else text.splitlines()))
    return 0
