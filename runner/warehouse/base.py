"""What every warehouse engine offers, and the SQL they share.

An engine says how to connect (`_run`), how it names itself, and which dlt destination and dbt
target it is; the run history table and the catalog of raw tables are plain SQL on top of that.
"""

import json
import os
from contextlib import nullcontext
from dataclasses import dataclass

from runner.config.errors import DangoError, GaveUpWaiting
from runner.config.project import Project

# Beside dlt's own _dlt_loads, one row per source per sync, failures included; query it with SQL.
RUNS_TABLE_DDL = [
    "create schema if not exists dango",
    """create table if not exists dango.runs (
        source varchar, started timestamptz, ended timestamptz, status varchar,
        rows json, load_ids varchar[], error varchar, log varchar, action varchar
    )""",
    # runs recorded before `action` existed (issue 19) were plain syncs
    "alter table dango.runs add column if not exists action varchar",
]
RUNS_INSERT = (
    "insert into dango.runs (source, started, ended, status, rows, load_ids, error, log, action) "
    "values (?, to_timestamp(?), to_timestamp(?), ?, ?, ?, ?, ?, ?)"
)
CATALOG_QUERY = (
    "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
    "join information_schema.tables t using (table_catalog, table_schema, table_name) "
    "where t.table_type = 'BASE TABLE' and t.table_catalog = current_database() order by 1, 2, c.ordinal_position"
)


class WarehouseBusy(GaveUpWaiting):
    """Another process has the warehouse open for writing, so it cannot be read until it closes it."""


@dataclass(frozen=True)
class Catalog:
    """What generated SQL needs to know of the warehouse."""

    tables: dict[str, dict[str, list[str]]]  # dataset -> table -> column names, in the table's order
    reserved_words: frozenset[str]  # identifiers that must be quoted in SQL


class Warehouse:
    """The seam. Engines override what differs; the defaults suit engines that take many writers."""

    type = ""
    param = "?"  # the driver's placeholder for a query parameter
    reserved_words_query = ""

    def __init__(self, project: Project, settings: dict):
        self.project = project
        self.settings = settings

    def describe(self) -> str:
        raise NotImplementedError

    def destination(self):
        """The dlt destination that loads into this warehouse."""
        raise NotImplementedError

    def dbt_env(self) -> dict[str, str]:
        """The environment dbt runs with: dbt/profiles.yml picks its target and settings from it."""
        raise NotImplementedError

    def dlt_defaults(self) -> dict:
        """Dango's dlt settings for this engine, beside those of runner/dlt_settings.py."""
        return {}

    def _run(self, statements: list[tuple[str, list]], read_only: bool) -> list[list[tuple]]:
        """Run (sql, parameters) pairs on one connection, in one transaction; the rows of each."""
        raise NotImplementedError

    def write_lock(self, timeout: float, purpose: str, on_wait=None, keep_open: bool = True):
        """Held around every write by Dango and dbt. An engine that takes many writers needs none."""
        return nullcontext()

    def source_lock(self, name: str, timeout: float, on_wait):
        """Held by a source's run beside its local lock, where other machines may sync the same source."""
        return nullcontext()

    def guard_reads(self, timeout: float, on_wait, before_read) -> None:
        """Make a source's own reads of the warehouse safe beside loads (DuckDB files only)."""

    def reading(self):
        """A context manager giving a read-only DB-API connection for `dango query` and `shell`, and
        a phrase naming what it reads."""
        raise NotImplementedError

    def publish_read_copy(self, timeout: float, on_wait=None):
        """Refresh the read copy for tools that stay open, after a write (DuckDB files only)."""
        return None

    def problems(self) -> list[str]:
        """What keeps Dango from using the warehouse, for `validate`; connects without writing."""
        return []

    def check(self) -> None:
        """Fail before a sync starts, naming the cause, when the warehouse cannot take it."""
        self._check_data_writable()
        problems = self.problems()
        if problems:
            raise DangoError("; ".join(problems) + "; nothing was synced.")

    def explain(self, error: BaseException) -> str | None:
        """A sentence for a failure that is the warehouse's, not the source's; else None."""
        return None

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        """Rows of a read-only query; none when the warehouse does not exist yet."""
        return self._run([(sql, parameters or [])], read_only=True)[0]

    def queries(self, statements: list[str]) -> list[list[tuple]]:
        """Rows of several read-only queries on one connection: opening a DuckDB file costs tens of ms."""
        return self._run([(sql, []) for sql in statements], read_only=True)

    def execute(self, sql: str) -> None:
        """One statement that writes, in a transaction of its own."""
        self._run([(sql, [])], read_only=False)

    def catalog(self, dataset_prefix: str) -> Catalog:
        """The base tables of the datasets named `dataset_prefix...`, with their columns in order."""
        try:  # one connection: opening a DuckDB file costs tens of milliseconds
            rows, words = self._run([(CATALOG_QUERY, []), (self.reserved_words_query, [])], read_only=True)
        except DangoError:
            raise
        except Exception as error:
            raise DangoError(
                f"cannot read {self.describe()}: {error}. Check that the warehouse is reachable and not damaged "
                "(`bin/dango validate` checks its connection), then try again."
            ) from error
        tables: dict[str, dict[str, list[str]]] = {}
        for dataset, table, column in rows:
            if dataset.startswith(dataset_prefix):
                tables.setdefault(dataset, {}).setdefault(table, []).append(column)
        return Catalog(tables, frozenset(word for (word,) in words))

    def record_run(self, entry: dict, timeout: float = 60) -> None:
        """Append a source's run to the dango.runs table, under the write lock."""
        with self.write_lock(timeout, "dango record run"):
            self.insert_run(entry)

    def insert_run(self, entry: dict) -> None:
        """Append a run to dango.runs; the caller holds the write lock (a sync's child, after its load)."""
        values = [entry["source"], entry["started"], entry["ended"], entry["status"], json.dumps(entry["rows"])]
        values += [entry["load_ids"], entry["error"], entry["log"], entry.get("action", "sync")]
        ddl: list[tuple[str, list]] = [(statement, []) for statement in self._runs_ddl()]
        self._run([*ddl, (RUNS_INSERT.replace("?", self.param), values)], read_only=False)

    def _runs_ddl(self) -> list[str]:
        return RUNS_TABLE_DDL

    def _check_data_writable(self) -> None:
        """data/ holds every source's dlt state and logs, whatever the engine."""
        data = self.project.data
        try:
            data.mkdir(parents=True, exist_ok=True)
            probe = data / f".write-test-{os.getpid()}"
            probe.write_text("ok")
            probe.unlink()
        except OSError as error:
            raise DangoError(
                f"cannot write to {self.project.relative(data)}/: {error.strerror}. Make the folder "
                "writable by this user and free some disk space; nothing was synced."
            ) from error
