"""The warehouse engine, behind one seam.

Everything that depends on which engine holds the data (the dlt destination of every source, the
write lock, read connections, the tables staging models are generated from, and the environment the
dbt profile reads) is asked of the object `for_project` returns. Today that is always DuckDB in
`data/warehouse.duckdb`.
"""

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from runner import lock
from runner.errors import DangoError
from runner.project import Project

# A DuckDB file holds "DUCK" at bytes 8-11 of its header, whatever its version.
DUCKDB_MAGIC, DUCKDB_MAGIC_START, DUCKDB_MAGIC_END = b"DUCK", 8, 12
# Beside dlt's own _dlt_loads, one row per source per sync, failures included; query it with SQL.
RUNS_TABLE_DDL = """
create schema if not exists dango;
create table if not exists dango.runs (
    source varchar, started timestamptz, ended timestamptz, status varchar,
    rows json, load_ids varchar[], error varchar, log varchar
)
"""


class WarehouseBusy(DangoError):
    """Another process has the warehouse open for writing, so it cannot be read until it closes it."""


@dataclass(frozen=True)
class Catalog:
    """What generated SQL needs to know of the warehouse."""

    tables: dict[str, dict[str, list[str]]]  # dataset -> table -> column names, in the table's order
    reserved_words: frozenset[str]  # identifiers that must be quoted in SQL


class DuckDBWarehouse:
    """One DuckDB file; DuckDB allows a single writer, so every write holds the file lock beside it."""

    def __init__(self, project: Project):
        self.project = project
        self.path: Path = project.data / "warehouse.duckdb"

    def describe(self) -> str:
        return self.project.relative(self.path)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def destination(self):
        """The dlt destination that loads into this warehouse."""
        import dlt

        return dlt.destinations.duckdb(str(self.path))

    @contextmanager
    def write_lock(self, timeout: float, purpose: str, on_wait=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with lock.hold(self.lock_path, timeout, purpose, on_wait):
            yield

    def connect_read_only(self):
        """A read-only connection, or None when the warehouse does not exist yet. WarehouseBusy while
        another process writes it: DuckDB lets no one open a file a writer holds, not even to read."""
        import duckdb

        if not self.path.exists():
            return None
        try:
            return duckdb.connect(str(self.path), read_only=True)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            raise WarehouseBusy(
                f"{self.describe()} is open for writing in another process ({error}). Wait for it to finish."
            ) from error

    def catalog(self, dataset_prefix: str) -> Catalog:
        """The base tables of the datasets named `dataset_prefix...`. Call it holding the write lock:
        DuckDB refuses to open a file another process is writing, even read-only."""
        import duckdb

        try:
            conn = self.connect_read_only()
            if conn is None:
                return Catalog({}, frozenset())
            with conn:
                rows = conn.execute(
                    "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
                    "join information_schema.tables t using (table_catalog, table_schema, table_name) "
                    "where t.table_type = 'BASE TABLE' order by 1, 2, c.ordinal_position"
                ).fetchall()
                words = conn.execute(
                    "select keyword_name from duckdb_keywords() where keyword_category in ('reserved', 'type_function')"
                ).fetchall()
        except duckdb.Error as error:
            raise DangoError(
                f"cannot read {self.describe()}: {error}. If another program holds it open, close it and retry."
            ) from error
        tables: dict[str, dict[str, list[str]]] = {}
        for dataset, table, column in rows:
            if dataset.startswith(dataset_prefix):
                tables.setdefault(dataset, {}).setdefault(table, []).append(column)
        return Catalog(tables, frozenset(word for (word,) in words))

    def check(self) -> None:
        """Fail early, naming the file, when data/ cannot be written or the warehouse is not DuckDB's.

        Reads the file's header only: importing DuckDB here would cost every sync a tenth of a second.
        A damaged or too-new file is named by the source that opens it (runner/child.py)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            probe = self.path.parent / f".write-test-{os.getpid()}"
            probe.write_text("ok")
            probe.unlink()
        except OSError as error:
            raise DangoError(
                f"cannot write to {self.project.relative(self.path.parent)}/: {error.strerror}. Make the folder "
                "writable by this user and free some disk space; nothing was synced."
            ) from error
        try:
            with self.path.open("rb") as warehouse_file:
                header = warehouse_file.read(DUCKDB_MAGIC_END)
        except FileNotFoundError:
            return
        if header and header[DUCKDB_MAGIC_START:DUCKDB_MAGIC_END] != DUCKDB_MAGIC:
            raise DangoError(
                f"{self.describe()} is not a DuckDB database file (its header lacks DuckDB's mark). Move it "
                "aside (the next sync reloads every source) or restore a backup; nothing was synced."
            )

    def record_run(self, entry: dict, timeout: float = 60) -> None:
        """Append a source's run to the dango.runs table, under the write lock."""
        with self.write_lock(timeout, "dango record run"):
            self.insert_run(entry)

    def insert_run(self, entry: dict) -> None:
        """Append a run to dango.runs; the caller holds the write lock (a sync's child, after its load)."""
        import duckdb

        with duckdb.connect(str(self.path)) as conn:
            conn.execute(RUNS_TABLE_DDL)
            conn.execute(
                "insert into dango.runs values (?, to_timestamp(?), to_timestamp(?), ?, ?, ?, ?, ?)",
                [
                    entry["source"],
                    entry["started"],
                    entry["ended"],
                    entry["status"],
                    json.dumps(entry["rows"]),
                    entry["load_ids"],
                    entry["error"],
                    entry["log"],
                ],
            )

    def dbt_env(self) -> dict[str, str]:
        """The environment dbt runs with: the profile Dango writes reads the warehouse's path from it."""
        return {"DANGO_WAREHOUSE_PATH": str(self.path.absolute())}


def for_project(project: Project) -> DuckDBWarehouse:
    return DuckDBWarehouse(project)
