"""`dango migrate-warehouse --to postgres|motherduck`: move the raw data and dlt state out of the
DuckDB file into the warehouse sources.yml now names, so incremental sources go on where they
stopped instead of loading everything again.

To PostgreSQL, per `raw_<name>` dataset of the file: its tables are exported to CSV, dlt restores
the source's schemas and state from the file and creates the tables on PostgreSQL from them (the
DDL a load would run), and the rows go in with PostgreSQL's COPY, dlt's `_dlt_loads` and
`_dlt_pipeline_state` included. Each dataset is built under a temporary name and renamed in the
transaction that fills it, so an interrupted migration leaves nothing half-done and running it
again starts that dataset over; datasets already in PostgreSQL are skipped, never touched. To
MotherDuck, MotherDuck's own `CREATE DATABASE ... FROM` uploads the whole file.

dbt's seeds and models are not copied: `bin/dango transform` builds them on the new engine.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from runner import warehouse
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.config.sources_yml import DATASET_PREFIX
from runner.warehouse.base import RUNS_TABLE_DDL
from runner.warehouse.duckdb_file import DuckDBWarehouse

BUILDING_SUFFIX = "_dango_migrating"  # one underscore: dlt would rename a double one
RUNS = ("dango", "runs")
COLUMNS_QUERY = (
    "select table_schema, table_name, column_name, data_type from information_schema.columns "
    "where table_schema like 'raw\\_%' escape '\\' or table_schema = 'dango' order by table_schema, table_name, "
    "ordinal_position"
)
EXIT_OK, EXIT_SKIPPED = 0, 1


def migrate(project: Project, to: str, from_file: str) -> int:
    target = warehouse.for_project(project)
    if target.type != to:
        raise DangoError(
            f"{project.relative(project.sources_file)}: field 'warehouse': the warehouse is {target.type}, not {to}. "
            f"Set `warehouse:` to `type: {to}` and its settings first (see docs/warehouses.md), then migrate."
        )
    duckdb_file = DuckDBWarehouse(project, {"type": "duckdb", "path": from_file})
    if not duckdb_file.path.is_file():
        raise DangoError(f"{duckdb_file.describe()}: no such DuckDB file to migrate from. Name it with --from PATH.")
    print(f"migrate-warehouse: {duckdb_file.describe()} -> {target.describe()}", flush=True)
    if to == "motherduck":
        return to_motherduck(duckdb_file, target)
    problems = target.problems()
    if problems:
        raise DangoError("; ".join(problems) + "; nothing was migrated.")
    return to_postgres(project, duckdb_file, target)


def to_postgres(project: Project, duckdb_file: DuckDBWarehouse, target) -> int:
    with duckdb_file.write_lock(60, "dango migrate-warehouse"):  # no sync or dbt writes the file meanwhile
        tables = file_tables(duckdb_file)
        existing = {name for (name,) in target.query("select schema_name from information_schema.schemata")}
        datasets = [name for name, found in tables.items() if "_dlt_loads" in found]  # not dlt's *_staging
        skipped = [dataset for dataset in datasets if dataset in existing]
        for dataset in skipped:
            print(f"[{dataset}] skipped: {target.describe()} has it already. Drop it there to migrate it again.")
        for dataset in (name for name in datasets if name not in skipped):
            copied = copy_dataset(project, duckdb_file, target, dataset, tables[dataset])
            print(f"[{dataset}] copied: " + ", ".join(f"{table} {rows}" for table, rows in copied.items()), flush=True)
        runs = copy_runs(project, duckdb_file, target, tables.get(RUNS[0], {}).get(RUNS[1]))
    print(f"migrate-warehouse: {len(datasets) - len(skipped)} datasets copied, {len(skipped)} skipped, {runs} runs.")
    print("next: `bin/dango transform` builds the seeds and models there; syncs load there from now on.")
    return EXIT_SKIPPED if skipped else EXIT_OK


def file_tables(duckdb_file: DuckDBWarehouse) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """dataset -> table -> [(column, DuckDB type)] of the raw datasets and Dango's run history."""
    tables: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for dataset, table, column, data_type in duckdb_file.query(COLUMNS_QUERY):
        tables.setdefault(dataset, {}).setdefault(table, []).append((column, data_type))
    return tables


def copy_dataset(project: Project, duckdb_file: DuckDBWarehouse, target, dataset: str, tables: dict) -> dict[str, int]:
    """Export, create, fill and rename one dataset; the rows copied, by table."""
    building = dataset + BUILDING_SUFFIX
    target.execute(f'drop schema if exists "{building}" cascade')  # left by an interrupted migration
    with scratch_folder(project) as work:
        tables = {name: columns for name, columns in tables.items() if name != "_dlt_version"}  # dlt writes its own
        exports = export_csv(duckdb_file, work, dataset, tables)
        create_tables(work, duckdb_file, target, dataset, building)
        created = target.catalog(building).tables.get(building, {})
        return fill(target, building, dataset, tables, created, exports)


@contextmanager
def scratch_folder(project: Project):
    """A folder under data/tmp/ for CSV files and dlt's working state, gone afterwards."""
    (project.data / "tmp").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="migrate-", dir=project.data / "tmp"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def export_csv(duckdb_file: DuckDBWarehouse, work: Path, dataset: str, tables: dict) -> dict[str, tuple[Path, list]]:
    """Each table as a CSV file PostgreSQL's COPY reads: table -> (file, columns)."""
    exports = {}
    with duckdb_file.connect(read_only=True) as conn:  # under the write lock: the file migrate holds open
        conn.execute("set TimeZone = 'UTC'")  # timestamps written with their offset, +00
        for index, (table, columns) in enumerate(tables.items()):
            path = work / f"{index}.csv"
            selected = ", ".join(as_text(name, data_type) for name, data_type in columns)
            conn.execute(f'copy (select {selected} from "{dataset}"."{table}") to \'{path}\' (format csv, header true)')
            exports[table] = (path, [name for name, _ in columns])
    return exports


def as_text(column: str, data_type: str) -> str:
    """The column as PostgreSQL's CSV input expects it: blobs in hex, lists as array literals."""
    quoted = f'"{column}"'
    if data_type == "BLOB":
        return f"'\\x' || hex({quoted}) as {quoted}"
    if data_type.endswith("[]"):
        return f"'{{' || array_to_string({quoted}, ',') || '}}' as {quoted}"
    return quoted


def create_tables(work: Path, duckdb_file: DuckDBWarehouse, target, dataset: str, building: str) -> None:
    """dlt restores the source's schemas and state from the file, and creates their tables on `target`."""
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")  # dlt warns that the destination changed: it is the point
    import dlt

    name = dataset.removeprefix(DATASET_PREFIX)
    restored = dlt.pipeline(name, pipelines_dir=str(work), destination=duckdb_file.destination(), dataset_name=dataset)
    restored.sync_destination()
    moved = dlt.pipeline(name, pipelines_dir=str(work), destination=target.destination(), dataset_name=building)
    for schema_name in moved.schema_names:
        moved.sync_schema(schema_name)


def fill(target, building: str, dataset: str, tables: dict, created: dict, exports: dict) -> dict[str, int]:
    """COPY every table in, then rename the dataset, in one transaction."""
    missing = sorted(set(tables) - set(created))
    if missing:
        raise DangoError(
            f"[{dataset}] dlt's schema has no table {', '.join(missing)}; nothing of it was migrated. Sync the "
            "source once on DuckDB (so its schema names every table), then migrate again."
        )
    with target.transaction() as cursor:
        copied = {table: copy_in(cursor, f'"{building}"."{table}"', *export) for table, export in exports.items()}
        cursor.execute(f'alter schema "{building}" rename to "{dataset}"')
        return copied


def copy_in(cursor, table: str, path: Path, columns: list[str]) -> int:
    quoted = ", ".join(f'"{name}"' for name in columns)
    with path.open() as rows:
        cursor.copy_expert(f"copy {table} ({quoted}) from stdin (format csv, header true)", rows)
    return cursor.rowcount


def copy_runs(project: Project, duckdb_file: DuckDBWarehouse, target, columns: list | None) -> int:
    """The run history, unless the new warehouse has one already."""
    if not columns or target.query("select to_regclass('dango.runs') is not null")[0][0]:
        return 0
    with scratch_folder(project) as work, target.transaction() as cursor:
        path, names = export_csv(duckdb_file, work, RUNS[0], {RUNS[1]: columns})[RUNS[1]]
        for statement in RUNS_TABLE_DDL:
            cursor.execute(statement)
        return copy_in(cursor, "dango.runs", path, names)


def to_motherduck(duckdb_file: DuckDBWarehouse, target) -> int:
    """MotherDuck uploads a local DuckDB file whole, dlt's state tables included."""
    import duckdb

    if not target.token:
        raise DangoError(target.problems()[0] + "; nothing was migrated.")
    database = target.settings["database"]
    try:
        lock = duckdb_file.write_lock(60, "dango migrate-warehouse", keep_open=False)  # MotherDuck opens the file
        with lock, target.connect("md:") as conn:
            if conn.execute("select 1 from duckdb_databases() where database_name = ?", [database]).fetchall():
                raise DangoError(
                    f"MotherDuck has a database {database} already; nothing was migrated. Name another database "
                    "in `warehouse: database:`, or drop that one in MotherDuck if it is a leftover."
                )
            conn.execute(f"create database \"{database}\" from '{duckdb_file.path}'")
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0]
        raise DangoError(
            f"cannot upload to {target.describe()}: {first}. Check the token and the network; nothing was migrated."
        ) from error
    print(f"migrate-warehouse: uploaded to {target.describe()}.")
    return EXIT_OK
