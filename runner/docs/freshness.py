"""The overview's table: each source's type, freshness and last run, stale as `dango status` says.

Reuses runner/report/status.py's rows and stale test, so `dango docs --max-age 26h` and
`dango status --max-age 26h` never disagree about which source is stale.
"""

from dataclasses import dataclass
from pathlib import Path

from runner.config.sources_yml import Source
from runner.report import status


@dataclass(frozen=True)
class SourceRow:
    name: str
    type: str
    enabled: bool
    description: str
    last_status: str  # "ok", "failed", ..., or "never run"
    last_run: float | None
    last_success: float | None
    success_age: str  # "3.2h ago", or "never"
    stale: bool
    error: str  # the last run's first error line, when it failed
    log: str  # the last run's log, relative to the project root; "" when it is gone


def rows(sources: list[Source], entries: list[dict], now: float, max_age: float, root: Path) -> list[SourceRow]:
    table = status.rows(sources, entries, now)
    stale = set(status.stale(table, max_age))
    last_log = {entry["source"]: entry.get("log") or "" for entry in entries}
    found = []
    for source, row in zip(sources, table, strict=True):
        log = last_log.get(source.name, "")
        found.append(
            SourceRow(
                name=source.name,
                type=source.type,
                enabled=source.enabled,
                description=source.description,
                last_status=row["last_status"],
                last_run=row["last_run"],
                last_success=row["last_success"],
                success_age=status.ago(row["success_age_seconds"]) if row["last_success"] else "never",
                stale=source.name in stale,
                error=row["error"],
                log=log if log and (root / log).is_file() else "",
            )
        )
    return found
