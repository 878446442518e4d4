"""`dango status`: the last run of each source (a sync, or a `state`/`source drop` change) and how
long ago it last succeeded.

Reads data/runs.jsonl only, so it never waits for the warehouse lock and works during a sync.
With a maximum age it is a monitoring check: exit 1 when any enabled source has not succeeded
within it (or never has).
"""

import re
import time

from runner.config.errors import DangoError
from runner.config.sources_yml import Source
from runner.report.table import format_table

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SYNC_ACTIONS = ("sync", "full refresh", "backfill")  # runner/sync/options.py SyncOptions.describe


def parse_age(text: str) -> float:
    """Seconds in `26h`, `90m`, `2d`, `45s` or a bare number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match:
        raise DangoError(f"--max-age {text!r} is not a duration; write it like 26h, 90m, 2d or 3600.")
    return float(match[1]) * UNITS[match[2] or "s"]


def ago(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit} ago"
    return f"{seconds:.0f}s ago"


def rows(sources: list[Source], runs: list[dict], now: float) -> list[dict]:
    """One row per source: its last run and its last success."""
    last, last_ok = {}, {}
    for entry in runs:
        last[entry["source"]] = entry
        if entry["status"] == "ok" and is_sync(entry):
            last_ok[entry["source"]] = entry
    table = []
    for source in sources:
        run, ok = last.get(source.name), last_ok.get(source.name)
        table.append(
            {
                "source": source.name,
                "enabled": source.enabled,
                "last_status": run["status"] if run else "never run",
                "last_action": run.get("action", "sync") if run else "",
                "last_run": run["ended"] if run else None,
                "last_success": ok["ended"] if ok else None,
                "success_age_seconds": now - ok["ended"] if ok else None,
                "error": run["error"] if run and run["status"] != "ok" else "",
            }
        )
    return table


def is_sync(entry: dict) -> bool:
    """A run that loaded (a sync, a full refresh, a backfill), not a change of state or a drop:
    only those count as a success for --max-age."""
    return entry.get("action", "sync").startswith(SYNC_ACTIONS)


def stale(table: list[dict], max_age: float) -> list[str]:
    return [
        row["source"]
        for row in table
        if row["enabled"] and (row["success_age_seconds"] is None or row["success_age_seconds"] > max_age)
    ]


def render(table: list[dict]) -> list[str]:
    lines = [("SOURCE", "LAST RUN", "STATUS", "ACTION", "LAST SUCCESS", "ERROR")]
    now = time.time()
    for row in table:
        lines.append(
            (
                row["source"] + ("" if row["enabled"] else " (disabled)"),
                ago(now - row["last_run"]) if row["last_run"] else "-",
                row["last_status"],
                row["last_action"] or "-",
                ago(row["success_age_seconds"]) if row["last_success"] else "never",
                row["error"],
            )
        )
    return format_table(lines)
