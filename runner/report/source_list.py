"""`dango source list`: the registered sources, when each last loaded, and how its last sync went.

Read-only and never waits: the last load comes from the warehouse's own records (`_dlt_loads` of
each `raw_<name>`, opened read-only), the rows it brought and the last sync's outcome from the run
history (data/runs.jsonl). The warehouse is read under its lock taken shared without waiting, so a
sync never finds the file held by a listing; while a sync or dbt writes it (or a process outside
Dango has it open for writing), the last load comes from the run history too, and the listing says so.
"""

import time

from runner import warehouse
from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.report.table import format_table
from runner.sync import history

HEADER = ("NAME", "TYPE", "ENABLED", "MODULE:FUNCTION", "LAST LOAD", "ROWS", "LAST SYNC", "DESCRIPTION")


def show(project: Project, sources: list[Source]) -> None:
    if not sources:
        print("no sources in .dango/sources.yml yet: see `Add your own source` in the README")
        return
    runs = history.runs(project)
    loads, note = last_loads(project, sources)
    table = [HEADER] + [_row(source, loads, runs) for source in sources]
    for line in format_table(table):
        print(line)
    for source in sources:
        last = next((run for run in reversed(runs) if run["source"] == source.name), None)
        if last and last["status"] != "ok":
            print(
                f"{source.name}: last sync {last['status']} at {_when(last['ended'])}: {last['error']} ({last['log']})"
            )
    if note:
        print(note)


LOADS_TABLES = (
    "select table_schema from information_schema.tables "
    "where table_name = '_dlt_loads' and table_catalog = current_database()"
)


def last_loads(project: Project, sources: list[Source]) -> tuple[dict[str, tuple[str, float]] | None, str]:
    """Each source's newest complete load (load id, time) from the warehouse, or None and a note
    saying why the warehouse could not be read."""
    target = warehouse.for_project(project)
    try:
        return _read_loads(target, sources), ""
    except warehouse.WarehouseBusy:
        reason = f"{target.describe()} is being written by another process (a sync?)"
    except Exception as error:  # a listing must still show the sources when the warehouse is unreadable
        reason = f"cannot read {target.describe()}: {type(error).__name__}: {error}"
    return None, f"note: {reason}; LAST LOAD and ROWS come from {project.relative(history.history_file(project))}."


def _read_loads(target: warehouse.Warehouse, sources: list[Source]) -> dict[str, tuple[str, float]]:
    found = {name for (name,) in target.query(LOADS_TABLES)}
    datasets = [source.dataset for source in sources if source.dataset in found]
    if not datasets:
        return {}
    newest = " union all ".join(
        f"(select '{dataset}', load_id, inserted_at from \"{dataset}\"._dlt_loads where status = 0 "
        "order by inserted_at desc limit 1)"
        for dataset in datasets
    )
    by_dataset = {dataset: (load_id, inserted.timestamp()) for dataset, load_id, inserted in target.query(newest)}
    return {source.name: by_dataset[source.dataset] for source in sources if source.dataset in by_dataset}


def _row(source: Source, loads: dict | None, runs: list[dict]) -> tuple[str, ...]:
    mine = [run for run in runs if run["source"] == source.name]
    load = _last_load(source.name, loads, mine)
    return (
        source.name,
        source.type,
        "yes" if source.enabled else "no",
        f"{source.module}:{source.function}",
        _when(load[0]) if load else "never",
        ("?" if load[1] is None else str(load[1])) if load else "-",
        last_sync(mine[-1]) if mine else "never run",
        source.description,
    )


def last_sync(run: dict) -> str:
    """`ok`, or `ok (full refresh of orders)` when the last run was more than a plain sync."""
    action = run.get("action", "sync")
    return run["status"] if action == "sync" else f"{run['status']} ({action})"


def _last_load(name: str, loads: dict | None, runs: list[dict]) -> tuple[float, int | None] | None:
    """When the source's newest load happened and the rows it brought (None when no run recorded
    them); from its last successful run when the warehouse could not be read (`loads` is None)."""
    if loads is None:
        ok = next((run for run in reversed(runs) if run["status"] == "ok"), None)
        return (ok["ended"], sum(ok["rows"].values())) if ok else None
    if name not in loads:
        return None
    load_id, when = loads[name]
    brought = next((run["rows"] for run in reversed(runs) if load_id in run.get("load_ids", [])), None)
    return when, sum(brought.values()) if brought is not None else None


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))
