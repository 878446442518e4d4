"""`dango state show|reset|set` and `dango source drop --resource`: a source's saved state, seen and changed.

dlt keeps a pipeline's state twice: in its working folder (data/pipelines/<name>/state.json) and in
the warehouse (raw_<name>._dlt_pipeline_state), and every sync restores the warehouse's copy when it
is newer (`sync_destination`). So a change here is made the way dlt makes one: a new, higher state
version, loaded into the warehouse by a dlt load and saved in the working folder. Both copies then
agree, and a later restore brings back the change, never the old cursor. A reset and a drop use dlt's
own `pipeline_drop`; a `set` saves the edited state through the pipeline's state extraction.

Each command runs in its own process with the source's locks held (no sync of the source runs
meanwhile) and the warehouse's write lock (on a DuckDB file), and asks before it changes anything.
"""

import copy
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from runner import warehouse
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.sync import cursors


@dataclass(frozen=True)
class Opened:
    pipeline: Any  # dlt.Pipeline, restored from the warehouse
    target: warehouse.Warehouse
    local_version: int  # the working folder's state version before the restore
    warehouse_version: int | None  # the warehouse's, None when it holds no state


@contextmanager
def opened(project: Project, source: Source, lock_timeout: float):
    """The source's pipeline with its state restored from the warehouse, under the source's locks."""
    from runner.sync import child, dlt_settings

    target = warehouse.for_project(project)
    target.check()
    os.chdir(project.root)  # dlt reads .dlt/ from the working folder, as in a sync's child
    dlt_settings.register(target.dlt_defaults())
    purpose = f"dango state {source.name}"
    with (
        child.source_locks(project, target, source.name, lock_timeout, purpose, child.announce_wait),
        target.write_lock(lock_timeout, purpose, child.announce_wait),
        explained(project, source, target),
    ):
        pipeline = child.make_pipeline(source, project, target)
        local_version = pipeline.state.get("_state_version", 0)
        pipeline.sync_destination()
        if not pipeline.default_schema_name:
            raise DangoError(f"source {source.name} has never loaded, so it has no state yet: sync it first.")
        remote = pipeline._restore_state_from_destination()  # dlt's own read of the warehouse's copy
        yield Opened(pipeline, target, local_version, remote["_state_version"] if remote else None)


@contextmanager
def explained(project: Project, source: Source, target):
    """dlt's and the driver's errors as one DangoError line, secrets redacted: dlt changes state by
    loads, each committed whole or not at all, so what failed is named and the command can run again."""
    from runner.config import environment
    from runner.sync.child import root_cause

    try:
        yield
    except DangoError:
        raise
    except Exception as error:
        root = root_cause(error)
        first = (str(root).strip().splitlines() or [""])[0]
        text = environment.redactor(project)(f"{type(root).__name__}: {first}")
        raise DangoError(
            f"source {source.name}'s state in {target.describe()}: {text}. Check the warehouse "
            "(`bin/dango validate`), then run the command again."
        ) from error


def show(project: Project, source: Source, as_json: bool, lock_timeout: float) -> int:
    from runner.report.table import format_table

    with opened(project, source, lock_timeout) as it:
        report = describe(project, source, it)
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    rows = [("RESOURCE", "CURSOR", "LAST VALUE", "INITIAL VALUE", "LAG", "LAST LOAD")]
    rows += [
        (c["resource"], c["column"], str(c["last_value"]), str(c["initial_value"]), str(c["lag"] or "-"))
        + (c["last_load"] or "never",)
        for c in report["cursors"]
    ]
    for line in format_table(rows) if report["cursors"] else [f"source {source.name} has no incremental cursors saved"]:
        print(line)
    where = report["state"]
    print(f"state: {where['local']}; {where['warehouse']}")
    if report.get("note"):
        print(report["note"])
    return 0


def describe(project: Project, source: Source, it: Opened) -> dict:
    pipeline = it.pipeline
    local = f"{project.relative(project.pipelines_dir / source.name / 'state.json')} (version {it.local_version})"
    remote = (
        f"{it.target.describe()} {source.dataset}._dlt_pipeline_state (version {it.warehouse_version})"
        if it.warehouse_version is not None
        else f"none in {it.target.describe()}"
    )
    loads = last_loads(pipeline)
    declared, note = declared_cursors(project, source)
    found = [
        {
            "resource": c.resource,
            "column": c.column,
            "last_value": c.last_value,
            "initial_value": c.initial_value,
            "lag": getattr(declared.get(c.resource), "lag", None),
            "last_load": loads.get(c.resource),
        }
        for c in cursors.cursors(pipeline.state)
    ]
    report = {"source": source.name, "state": {"local": local, "warehouse": remote}, "cursors": found}
    return {**report, "note": note} if note else report


def declared_cursors(project: Project, source: Source) -> tuple[dict, str]:
    """Each resource's `dlt.sources.incremental` as the source's code declares it (its lag lives
    there, not in the state), and a note when the source could not be built to read them."""
    from runner.sync import options
    from runner.sync.loader import load_function

    sys.path.insert(0, str(project.custom_sources))
    try:
        made = load_function(source.module, source.function, project)(**source.kwargs)
        return {r.name: options.cursor_of(r) for r in options.selected(made, (), source.name)}, ""
    except Exception as error:  # the cursors saved in the state are shown all the same
        return {}, f"lag unknown: calling {source.function} failed: {type(error).__name__}: {error}"


def last_loads(pipeline) -> dict[str, str]:
    """Each resource's newest load, from the load ids of its table's rows."""
    from dlt.common.schema import utils

    tables = {r: ts[0]["name"] for r, ts in utils.group_tables_by_resource(pipeline.default_schema.tables).items()}
    found = {}
    with pipeline.sql_client() as sql:
        for resource, table in tables.items():
            try:
                rows = sql.execute_sql(f"select max(_dlt_load_id) from {sql.make_qualified_table_name(table)}")
            except Exception:  # a table dlt knows of but never created (a resource that yielded nothing)
                continue
            if rows and rows[0][0]:
                found[resource] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(rows[0][0])))
    return found


def reset(project: Project, source: Source, resources: list[str], yes: bool, lock_timeout: float) -> int:
    from dlt.pipeline.helpers import pipeline_drop

    started = time.time()
    with opened(project, source, lock_timeout) as it:
        saved = [c for c in cursors.cursors(it.pipeline.state) if not resources or c.resource in resources]
        check_resources(source, resources, [c.resource for c in cursors.cursors(it.pipeline.state)])
        if not saved:
            print(f"source {source.name} has no saved cursor to reset; nothing changed")
            return 0
        listed = ", ".join(f"{c.resource}.{c.column} (now {c.last_value})" for c in saved)
        question = f"forget the cursors {listed}? The next sync starts from their initial values; data is kept"
        if not confirm(question, yes):
            return cancelled()
        names = sorted({c.resource for c in saved})
        pipeline_drop(it.pipeline, resources=names, state_only=True)()
        record(project, it, source, f"state reset of {', '.join(names)}", started)
    refresh_read_copy(it.target, lock_timeout)
    print(f"state reset: {source.name} {', '.join(names)} will start from their initial values at the next sync")
    return 0


def set_cursor(project: Project, source: Source, resource: str, text: str, yes: bool, lock_timeout: float) -> int:
    from dlt.pipeline.state_sync import force_state_extract

    started = time.time()
    with opened(project, source, lock_timeout) as it:
        pipeline = it.pipeline
        saved = [c for c in cursors.cursors(pipeline.state) if c.resource == resource]
        check_resources(source, [resource], [c.resource for c in cursors.cursors(pipeline.state)])
        cursor = saved[0]
        like = cursor.last_value if cursor.last_value is not None else cursor.initial_value
        try:
            value = cursors.typed_like(text, like)
        except ValueError as error:
            raise DangoError(f"--cursor {text!r} for {source.name}.{resource}.{cursor.column} {error}.") from None
        question = f"move the cursor {resource}.{cursor.column} of {source.name} from {cursor.last_value} to {value}?"
        if not confirm(question, yes):
            return cancelled()
        state = copy.deepcopy(pipeline.state)
        saved_cursor = state["sources"][cursor.source]["resources"][resource]["incremental"][cursor.column]
        saved_cursor.update(last_value=value, unique_hashes=[])
        force_state_extract(state)
        # dlt's own way to save an edited state: a new version, extracted into a load package.
        pipeline._save_and_extract_state_and_schema(state, schema=pipeline.default_schema)
        pipeline.normalize()
        pipeline.load()
        record(project, it, source, f"state set {resource}.{cursor.column}={value}", started)
    refresh_read_copy(it.target, lock_timeout)
    print(f"state set: the next sync of {source.name} reads {resource} from {cursor.column} {value}")
    return 0


def drop_resource(project: Project, source: Source, resources: list[str], yes: bool, lock_timeout: float) -> int:
    """`source drop NAME --resource R`: its tables (child tables too), its state, its generated models."""
    from dlt.common.schema import utils
    from dlt.pipeline.helpers import pipeline_drop

    started = time.time()
    with opened(project, source, lock_timeout) as it:
        by_resource = utils.group_tables_by_resource(it.pipeline.default_schema.tables)
        check_resources(source, resources, list(by_resource))
        tables = [str(t["name"]) for r in resources for t in by_resource[r]]
        listed = ", ".join(f"{source.dataset}.{t}" for t in tables)
        question = (
            f"drop {', '.join(resources)} of {source.name}: tables {listed}, their saved state, and their "
            "generated staging models?"
        )
        if not confirm(question, yes):
            return cancelled()
        pipeline_drop(it.pipeline, resources=resources)()
        kept = drop_staging_models(project, source, tables, it.target)
        record(project, it, source, f"source drop of {', '.join(resources)}", started)
    refresh_read_copy(it.target, lock_timeout)
    print(f"source drop: dropped {', '.join(tables)} of {source.dataset} and the state of {', '.join(resources)}")
    for line in kept:
        print(line)
    return 0


def drop_staging_models(project: Project, source: Source, tables: list[str], target) -> list[str]:
    """Delete the generated models of dropped tables (a user's edited model stays), then regenerate the
    source's dbt sources file without them. Returns the report lines."""
    from runner.transform import staging

    _, kept = staging.delete_generated(project, [staging.model_file(source.name, table) for table in tables])
    return kept + staging.generate_locked(project, target, [source])[0]


def refresh_read_copy(target, lock_timeout: float) -> None:
    """Tools that read the DuckDB read copy see the change too, as after a sync (runner/warehouse/read_copy.py)."""
    from runner.warehouse import read_copy

    read_copy.refresh(target, lock_timeout)


def check_resources(source: Source, wanted: list[str], known: list[str]) -> None:
    unknown = [r for r in wanted if r not in known]
    if unknown:
        raise DangoError(
            f"source {source.name} has no saved resource {', '.join(unknown)}; its resources with saved state or "
            f"tables: {', '.join(sorted(set(known))) or 'none'}. Check --resource."
        )


def confirm(question: str, yes: bool) -> bool:
    print(question)
    if yes:
        return True
    if not sys.stdin.isatty():
        raise DangoError("this changes the warehouse, and there is no terminal to ask on; pass --yes (scripts).")
    return input("go ahead? [y/N] ").strip().lower() in ("y", "yes")


def cancelled() -> int:
    print("nothing changed")
    return 1


def record(project: Project, it: Opened, source: Source, action: str, started: float) -> None:
    """The change in the run history (data/runs.jsonl and dango.runs), beside the syncs, with the load
    that carried it (`source list` shows it as the last load, of no rows)."""
    from runner.sync import history
    from runner.sync.handoff import RunRecord, Status

    with it.pipeline.sql_client() as sql:
        newest = sql.execute_sql(f"select max(load_id) from {sql.make_qualified_table_name('_dlt_loads')}")
        load_ids = [row[0] for row in newest if row[0]]
    entry = RunRecord(source.name, Status.OK, started, time.time(), {}, load_ids, "", "", action).as_dict()
    history.record(project, entry)
    it.target.insert_run(entry)  # the caller holds the write lock
