"""`dango query "SQL"`: a query's result as a table, CSV or JSON, read-only and never in a sync's way.

On a DuckDB file it reads the read copy (runner/warehouse/read_copy.py), not the warehouse: no
writer ever waits for the copy, so a query that runs for an hour delays no sync, and a sync never
breaks a query (it renames a new copy in; the query keeps its file). The price is that it shows
the data as of the last sync or dbt run, not what a sync is loading right now. Without a read copy
(`read_copy: false`, or none published yet) it reads the warehouse under the shared lock, taken
without waiting: it fails at once, saying so, while a sync writes, and a sync waits for it to end.
PostgreSQL and MotherDuck take readers beside writers: it reads the warehouse itself.

Writes are refused before they run: on DuckDB engines by the statement's type from DuckDB's own
parser (the connection to the copy is read-only as well), on PostgreSQL by a read-only session.
"""

import csv
import json
import sys
from dataclasses import dataclass

from runner.config.errors import DangoError
from runner.report.table import format_table

DEFAULT_LIMIT = 100
BATCH = 10_000  # rows counted past the limit at a time
# DuckDB's statement types that only read (SET and PRAGMA change this connection's settings only).
READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA", "SET", "CALL"}
DUCKDB_ENGINES = {"duckdb", "motherduck"}


class WriteRefused(DangoError):
    """A statement that would change data, in a command that only reads."""


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple]  # at most the limit
    total: int  # every row the query returned


def refused(kind: str) -> WriteRefused:
    return WriteRefused(
        f"{kind} statements are refused: `dango query` and `dango shell` only read. Data changes through a "
        "source (`bin/dango sync`) or a dbt model (`bin/dango run`)."
    )


def check_read_only(sql: str, engine: str) -> None:
    """Refuse a statement that writes, before it runs (DuckDB engines; PostgreSQL refuses them itself)."""
    if engine not in DUCKDB_ENGINES:
        return
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise DangoError(f"the SQL does not parse: {first_line(error)}") from None
    for statement in statements:
        if statement.type.name not in READ_STATEMENTS:
            raise refused(statement.type.name)


def execute(conn, sql: str, engine: str, limit: int) -> Result:
    """Run `sql` on a DB-API connection; the first `limit` rows (0: all) and how many there were."""
    check_read_only(sql, engine)
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
    except Exception as error:
        if type(error).__name__ == "ReadOnlySqlTransaction":  # psycopg2's, for any statement that writes
            raise refused(sql.split(None, 1)[0].upper()) from None
        if type(error).__module__.split(".")[0] in ("duckdb", "_duckdb", "psycopg2"):
            raise DangoError(f"the query failed: {first_line(error)}") from None
        raise
    if cursor.description is None:
        return Result([], [], 0)
    columns = [column[0] for column in cursor.description]
    rows = cursor.fetchmany(limit) if limit else cursor.fetchall()
    total = len(rows)
    while limit and (batch := cursor.fetchmany(BATCH)):
        total += len(batch)
    return Result(columns, [tuple(row) for row in rows], total)


def print_result(result: Result, output: str, source: str = "", out=sys.stdout) -> None:
    """As a table with a footer naming what was read, or as CSV or JSON (the footer on stderr)."""
    shown = len(result.rows)
    note = f"{result.total} row{'s' if result.total != 1 else ''}"
    if shown < result.total:
        note = f"first {shown} of {result.total} rows shown (--limit 0 shows all)"
    if output == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    elif output == "json":
        out.write(json.dumps([dict(zip(result.columns, row, strict=True)) for row in result.rows], default=str) + "\n")
    else:
        if result.columns:
            cells = [tuple(result.columns)] + [tuple(cell_text(cell) for cell in row) for row in result.rows]
            out.write("\n".join(format_table(cells)) + "\n")
        out.write(f"({note}; read from {source})\n" if source else f"({note})\n")
        return
    if shown < result.total:
        print(f"dango query: {note}", file=sys.stderr)


def cell_text(value) -> str:
    return "NULL" if value is None else str(value).replace("\n", "\\n")


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def query(target, sql: str, output: str, limit: int) -> int:
    with target.reading() as (conn, source):
        result = execute(conn, sql, target.type, limit)
    print_result(result, output, source)
    return 0
