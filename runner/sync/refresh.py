"""`dango sync NAME --full-refresh [--resource R ...]`: reload a source, or some of its resources, from
scratch, atomically for readers and against failure.

dlt's own `refresh=` modes drop the tables and the state first and then load: a failure half way
leaves nothing. Dango loads beside the source instead, and swaps in one transaction:

1. A side pipeline (same pipeline name, working folder data/tmp/refresh/<name>, dataset
   dango_refresh_<name>) starts with empty state and loads the resources into the side dataset.
   Nothing of raw_<name> nor of the source's state (data/pipelines/<name>/ and the warehouse's copy)
   is touched: an API error, a kill -9 or a timeout here leaves them exactly as they were. The next
   full refresh starts by dropping what a failed one left in the side dataset.
2. Under the write lock, ONE transaction of the warehouse (DuckDB and PostgreSQL both run DDL inside
   transactions) replaces the refreshed tables of raw_<name> by the side's (delete + insert when the
   columns agree, which keeps views built on them; drop + create-as-select when a type changed), and
   appends to raw_<name>'s _dlt_loads, _dlt_pipeline_state and _dlt_version the source's new state (the
   old one with the refreshed resources' state replaced by the side's) and schema. Readers see the
   old rows until the commit, then the new ones.
3. The local working folder follows with `sync_destination()` (the warehouse's state is now newer). A
   kill before that is repaired by the next sync, which starts with the same restore.
"""

import copy
import shutil
import time
from dataclasses import dataclass
from typing import Any

SIDE_DATASET_PREFIX = "dango_refresh_"
TYPE_KEYS = ("data_type", "precision", "scale", "timezone")
REFRESH_MARK = "dango_last_full_refresh"  # a top-level key of the pipeline state: the swap's load id


@dataclass(frozen=True)
class Swapped:
    tables: list[str]  # the refreshed tables of raw_<name>, child tables included
    load_ids: list[str]  # the side loads whose rows were swapped in, then the swap's own


def side_pipeline(source, project, target):
    """A pipeline with the source's name and fresh state, loading into a dataset of its own."""
    import dlt

    folder = project.data / "tmp" / "refresh"
    shutil.rmtree(folder / source.name, ignore_errors=True)
    return dlt.pipeline(
        pipeline_name=source.name,
        pipelines_dir=str(folder),
        destination=target.destination(),
        dataset_name=SIDE_DATASET_PREFIX + source.name,
    )


def prepare_side(source, project, target, locked):
    """Step 1's pipeline, with what a failed full refresh left dropped."""
    side = side_pipeline(source, project, target)
    with locked():
        drop_side(side)
    return side


def swap_in(main, side, resources: list[str]) -> Swapped:
    """Steps 2 and 3; the caller holds the write lock and has loaded `side`."""
    swapped = swap(main, side, resources)
    main.sync_destination()
    discard_side(side)
    return swapped


def drop_side(side) -> None:
    """Drop the side dataset and dlt's staging dataset beside it; the caller holds the write lock."""
    with side.sql_client() as sql:
        for dataset in (side.dataset_name, f"{side.dataset_name}_staging"):
            with sql.with_alternative_dataset_name(dataset):
                if sql.has_dataset():
                    sql.drop_dataset()


def discard_side(side) -> None:
    drop_side(side)
    shutil.rmtree(side.working_dir, ignore_errors=True)


def tables_of(schema, resources: list[str]) -> list[str]:
    """The data tables of `resources` (every resource when empty), child tables after their parents."""
    from dlt.common.schema import utils

    names: list[str] = []
    for resource, tables in utils.group_tables_by_resource(schema.tables).items():
        if not resources or resource in resources:
            names += [str(table["name"]) for table in tables if not str(table["name"]).startswith("_dlt")]
    return names


def merged_state(old: dict, side: dict, resources: list[str]) -> dict:
    """The source's state with the refreshed resources' (or, without `resources`, all of it) from the side."""
    state = copy.deepcopy(old)
    if not resources:
        state["sources"] = copy.deepcopy(side.get("sources", {}))
        return state
    for name in {**old.get("sources", {}), **side.get("sources", {})}:
        target = state.setdefault("sources", {}).setdefault(name, {})
        fresh = side.get("sources", {}).get(name, {}).get("resources", {})
        for resource in resources:
            target.setdefault("resources", {}).pop(resource, None)
            if resource in fresh:
                target["resources"][resource] = copy.deepcopy(fresh[resource])
    return state


@dataclass(frozen=True)
class Plan:
    """Which tables of raw_<name> a full refresh rebuilds, and how."""

    dropped: list[str]  # the refreshed resources' tables in the old schema, child tables included
    replaced: list[str]  # the tables the side load holds: raw_<name>'s take their rows and columns
    emptied: list[str]  # the old tables the side load left empty: emptied, kept with their definition


def plan(old_schema, side_schema, resources: list[str], side_tables: set[str]) -> Plan:
    replaced = [t for t in tables_of(side_schema, resources) if t in side_tables]
    dropped = tables_of(old_schema, resources)
    return Plan(dropped, replaced, [t for t in dropped if t not in replaced])


def merged_schema(old, side, planned: Plan):
    """The source's schema with the refreshed tables as the side load made them."""
    schema = old.clone()
    schema.drop_tables(planned.dropped)
    for name in planned.replaced:
        schema.update_table(copy.deepcopy(side.tables[name]), merge_compound_props=False)
    for name in planned.emptied:
        schema.update_table(copy.deepcopy(old.tables[name]), merge_compound_props=False)
    schema._bump_version()
    return schema


def same_columns(old_table: dict | None, new_table: dict) -> bool:
    if old_table is None:
        return False

    def types(table: dict) -> dict:
        return {name: tuple(column.get(k) for k in TYPE_KEYS) for name, column in table["columns"].items()}

    return types(old_table) == types(new_table)


def swap(main, side, resources: list[str]) -> Swapped:
    """Step 2 above: the caller holds the write lock and has loaded `side`."""
    from dlt.pipeline.state_sync import bump_pipeline_state_version_if_modified, state_doc

    old_schema, side_schema = main.default_schema, side.default_schema
    with side.sql_client() as side_sql:
        loads = side_sql.make_qualified_table_name("_dlt_loads")
        side_loads = [row[0] for row in side_sql.execute_sql(f"select load_id from {loads} where status = 0")]
        planned = plan(old_schema, side_schema, resources, existing_tables(side_sql))
        side_names = {t: side_sql.make_qualified_table_name(t) for t in [*planned.replaced, "_dlt_loads"]}
    schema = merged_schema(old_schema, side_schema, planned)
    load_id = f"{time.time():.6f}"
    state: Any = merged_state(main.state, side.state, resources)  # dlt's TPipelineState
    # A new version hash, even when the refreshed resources kept no state: dlt's restore fetches the
    # schema only when the state's hash differs from the local one, and the schema did change.
    state[REFRESH_MARK] = load_id
    bump_pipeline_state_version_if_modified(state)
    with main.destination_client(schema.name) as client:
        sql = client.sql_client
        with sql.begin_transaction():
            existing = existing_tables(sql)
            for table in planned.emptied:
                if table in existing:
                    sql.execute_sql(f"delete from {sql.make_qualified_table_name(table)}")
            for table in planned.replaced:
                replace_table(sql, table, side_names[table], old_schema.tables.get(table), side_schema.tables[table])
            append_state(sql, side_names["_dlt_loads"], schema, state_doc(state, load_id), load_id)
            client._update_schema_in_storage(schema)  # dlt's own insert into _dlt_version
    return Swapped(planned.replaced, [*side_loads, load_id])


def existing_tables(sql) -> set[str]:
    """The tables the sql client's dataset holds (a resource that yielded nothing has none)."""
    query = "select table_name from information_schema.tables where table_schema = %s"
    return {row[0] for row in sql.execute_sql(query, sql.dataset_name) or []}


def append_state(sql, side_loads: str, schema, doc: Any, load_id: str) -> None:
    """The side's loads, then the new state under a load of its own, as dlt writes them."""
    from dlt.common.utils import uniq_id

    loads = sql.make_qualified_table_name("_dlt_loads")
    columns = "load_id, schema_name, status, inserted_at, schema_version_hash"
    sql.execute_sql(f"insert into {loads} ({columns}) select {columns} from {side_loads}")
    sql.execute_sql(
        f"insert into {loads} ({columns}) values (%s, %s, 0, %s, %s)",
        load_id,
        schema.name,
        doc["created_at"],
        schema.stored_version_hash,
    )
    sql.execute_sql(
        f"insert into {sql.make_qualified_table_name('_dlt_pipeline_state')} (version, engine_version, "
        "pipeline_name, state, created_at, version_hash, _dlt_load_id, _dlt_id) values "
        "(%s, %s, %s, %s, %s, %s, %s, %s)",
        doc["version"],
        doc["engine_version"],
        doc["pipeline_name"],
        doc["state"],
        doc["created_at"],
        doc["version_hash"],
        load_id,
        uniq_id(),
    )


def replace_table(sql, table: str, side_name: str, old: dict | None, new: dict) -> None:
    """Give raw_<name>.<table> the side table's rows, inside the caller's transaction."""
    name = sql.make_qualified_table_name(table)
    if same_columns(old, new):
        columns = ", ".join(sql.escape_column_name(c) for c in new["columns"])
        sql.execute_sql(f"delete from {name}")
        sql.execute_sql(f"insert into {name} ({columns}) select {columns} from {side_name}")
        return
    sql.execute_sql(f"drop table if exists {name}")
    sql.execute_sql(f"create table {name} as select * from {side_name}")
