"""What the site shows of each raw table: its columns and types, its row count and its first rows.

All reads of the warehouse for the site go through `reading`: on a DuckDB file it holds the shared
warehouse lock (runner/warehouse/lock.py), as a source's own reads do, so a load waits for the few
hundred milliseconds of reading and a reader never breaks a load. Values pass through the project's
redactor, and a column named like a secret (`api_key`, `password`) shows `***` whatever it holds.
"""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from runner.config.environment import looks_secret
from runner.warehouse import Warehouse, lock

FIRST_ROWS = 10
CELL_CHARS = 80
COLUMNS_QUERY = (
    "select c.table_schema, c.table_name, c.column_name, c.data_type from information_schema.columns c "
    "join information_schema.tables t using (table_catalog, table_schema, table_name) "
    "where t.table_type = 'BASE TABLE' and t.table_catalog = current_database() order by 1, 2, c.ordinal_position"
)


@dataclass
class RawTable:
    dataset: str
    name: str
    columns: list[tuple[str, str]]  # (name, type), in the table's order
    row_count: int = 0
    first_rows: list[list[str]] | None = None

    @property
    def key(self) -> str:
        return f"{self.dataset}.{self.name}"


@contextmanager
def reading(target: Warehouse, timeout: float, on_wait=None):
    """Hold what makes reading `target` safe beside syncs: the shared lock of a DuckDB file."""
    lock_path = getattr(target, "lock_path", None)
    if lock_path is None:  # PostgreSQL and MotherDuck take readers beside writers
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = lock.acquire_shared(lock_path, timeout, on_wait)
    try:
        yield
    finally:
        lock.release_shared(fd)


def read_tables(target: Warehouse, datasets: set[str], redact: Callable[[str], str]) -> list[RawTable]:
    """The tables of `datasets` (dlt's own `_dlt_*` tables left out), with counts and first rows;
    the caller holds `reading`."""
    tables = _columns(target.queries([COLUMNS_QUERY])[0], datasets)
    statements = []
    for table in tables:
        name = f"{quote(table.dataset)}.{quote(table.name)}"
        statements += [f"select count(*) from {name}", f"select * from {name} limit {FIRST_ROWS}"]
    results = target.queries(statements) if statements else []
    for table, count, first in zip(tables, results[::2], results[1::2], strict=True):
        table.row_count = count[0][0]
        secret = [looks_secret(column) for column, _ in table.columns]
        table.first_rows = [
            ["***" if hidden else cell(value, redact) for value, hidden in zip(row, secret, strict=True)]
            for row in first
        ]
    return tables


def _columns(rows: list[tuple], datasets: set[str]) -> list[RawTable]:
    tables: dict[tuple[str, str], RawTable] = {}
    for dataset, table, column, data_type in rows:
        if dataset in datasets and not table.startswith("_dlt_"):
            tables.setdefault((dataset, table), RawTable(dataset, table, [])).columns.append((column, str(data_type)))
    return list(tables.values())


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def cell(value, redact: Callable[[str], str]) -> str:
    text = "" if value is None else str(value)
    text = redact(text)  # before cutting: a secret cut in half would no longer be recognised
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"
