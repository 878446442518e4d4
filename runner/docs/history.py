"""The run history as the site shows it: per source, each run's outcome, rows and duration.

Pure functions over data/runs.jsonl's entries (runner/sync/handoff.py `RunRecord`), so the site
reads the history file only and never waits for a sync.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    started: float
    ended: float
    status: str
    rows: int  # all tables together
    error: str
    log: str  # relative to the project root
    action: str  # "sync", "full refresh of items", "backfill ...": what the run did (runner/sync/options.py)

    @property
    def seconds(self) -> float:
        return max(0.0, self.ended - self.started)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def by_source(entries: list[dict]) -> dict[str, list[Run]]:
    """Each source's runs by start, oldest first (sources that run side by side are recorded as they
    end); entries missing a field (a hand-edited line) are skipped."""
    found: dict[str, list[Run]] = {}
    for entry in entries:
        try:
            run = Run(
                started=float(entry["started"]),
                ended=float(entry["ended"]),
                status=str(entry["status"]),
                rows=sum(int(n) for n in (entry.get("rows") or {}).values()),
                error=str(entry.get("error") or ""),
                log=str(entry.get("log") or ""),
                action=str(entry.get("action") or "sync"),  # runs recorded before `action` existed were syncs
            )
        except (KeyError, TypeError, ValueError):
            continue
        found.setdefault(str(entry["source"]), []).append(run)
    for runs in found.values():
        runs.sort(key=lambda run: run.started)
    return found
