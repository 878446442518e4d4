"""The sources without Python against plain dlt doing the same: `sql_database` reading a PostgreSQL
table, and `files` reading CSV, ROWS rows each (1,000,000 by default).

sql: a table of (id, name, amount, created_at) in a PostgreSQL server started as the tests start
it (tests/postgres_server.py); Dango's sql_database source (pyarrow backend, its default, and the
sqlalchemy backend, to show why pyarrow is the default) vs. plain dlt's sql_database with the pyarrow
backend. files: one CSV file of the same columns; Dango's files source vs. plain dlt's filesystem
piped to read_csv_duckdb. The plain runs get Dango's dlt settings (runner/dlt_settings.py) through
the environment, so the ratio shows what Dango adds. Each run starts from an empty project (a
second run would find nothing new). Target: ratio <= 1.05; peak memory of the whole process tree.
CPU seconds of the whole tree are printed too: on a busy machine they vary far less than wall time.

Usage: .venv/bin/python bench/source_types.py [ROWS] [RUNS] [sql|files]
"""

import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import DANGO, PYTHON, REPO, interleaved, make_project, report, run

sys.path.insert(0, str(REPO))
from runner.sync.dlt_settings import DEFAULTS
from tests.postgres_server import PASSWORD, USER, PostgresServer

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
WHICH = sys.argv[3:] or ["sql", "files"]

PLAIN_SQL = """
import os, dlt
from dlt.sources.sql_database import sql_database

source = sql_database(os.environ["BENCH_URL"], table_names=["rows"], backend="pyarrow")
pipeline = dlt.pipeline("plain", destination=dlt.destinations.duckdb("data/plain.duckdb"),
                        dataset_name="raw_plain", pipelines_dir="data/plain_pipelines")
pipeline.run(source, write_disposition="replace")
"""

PLAIN_FILES = """
import dlt
from dlt.sources.filesystem import filesystem, read_csv_duckdb

rows = (filesystem(bucket_url="incoming", file_glob="*.csv") | read_csv_duckdb(use_pyarrow=True)).with_name("rows")
pipeline = dlt.pipeline("plain", destination=dlt.destinations.duckdb("data/plain.duckdb"),
                        dataset_name="raw_plain", pipelines_dir="data/plain_pipelines")
pipeline.run(rows)
"""


def dango_settings_env() -> dict:
    return {f"{s}__{k}".upper(): str(v) for s, keys in DEFAULTS.items() for k, v in keys.items()}


# CPU seconds of each run's whole process tree, by run name: on a shared machine wall time is noisy.
CPU: dict[str, list[float]] = {}


def fresh(name: str, make) -> tuple:
    """A measure that builds its project first, outside the timing, and records its CPU time."""

    def measure():
        root, argv, env = make()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            return run(argv, root, env)
        finally:
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            CPU.setdefault(name, []).append(used)
            shutil.rmtree(root.parent, ignore_errors=True)

    return name, measure


def report_cpu(measures: dict) -> None:
    base = statistics.median(CPU[next(iter(measures))])
    for name in measures:
        used = statistics.median(CPU[name])
        print(f"{'  cpu: ' + name:48} {used:9.2f} {used / base:7.2f}")


def sql_rows(server: PostgresServer) -> str:
    database = server.create_database("bench")
    conn = server.connect(database)
    with conn.cursor() as cursor:
        cursor.execute(
            "create table rows as select i as id, 'name ' || i as name, i * 0.01 as amount, "
            f"timestamp '2024-01-01' + i * interval '1 second' as created_at from generate_series(1, {ROWS}) i"
        )
    conn.close()
    return database


def sql_measures(server: PostgresServer, database: str) -> dict:
    url = f"postgresql://{USER}@127.0.0.1:{server.port}/{database}"

    def dango(backend: str):
        entry = f"""
          - name: shop
            type: sql_database
            sql_database:
              credentials: {url}
              table_names: [rows]
              backend: {backend}
        """
        root = make_project({}, entry)
        (root / ".env").write_text(f"PGPASSWORD={PASSWORD}\n")  # libpq's own variable
        return root, [DANGO, "sync"], {}

    def plain():
        root = make_project({}, "")
        (root / "plain.py").write_text(PLAIN_SQL)
        env = {**dango_settings_env(), "BENCH_URL": url.replace("://", "+psycopg2://"), "PGPASSWORD": PASSWORD}
        return root, [PYTHON, "plain.py"], env

    return dict(
        [
            fresh("plain dlt sql_database (pyarrow)", plain),
            fresh("dango sql_database (pyarrow, the default)", lambda: dango("pyarrow")),
            fresh("dango sql_database (sqlalchemy backend)", lambda: dango("sqlalchemy")),
        ]
    )


def write_csv(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        out.write("id,name,amount,created_at\n")
        for i in range(ROWS):
            out.write(f"{i},name {i},{i * 0.01:.2f},2024-01-01T00:00:{i % 60:02d}Z\n")


def files_measures(csv: Path) -> dict:
    def project(entries: str) -> Path:
        root = make_project({}, entries)
        (root / "incoming").mkdir()
        (root / "incoming" / "rows.csv").symlink_to(csv)
        return root

    def dango():
        entry = """
          - name: rows
            type: files
            files:
              bucket_url: incoming
              format: csv
        """
        return project(entry), [DANGO, "sync"], {}

    def plain():
        root = project("")
        (root / "plain.py").write_text(PLAIN_FILES)
        return root, [PYTHON, "plain.py"], dango_settings_env()

    return dict([fresh("plain dlt filesystem | read_csv_duckdb", plain), fresh("dango files (csv)", dango)])


def main() -> None:
    print(f"{ROWS:,} rows, median of {RUNS} runs, taking turns")
    if "sql" in WHICH:
        server = PostgresServer().start()
        try:
            measures = sql_measures(server, sql_rows(server))
            report(interleaved(RUNS, measures), "plain dlt sql_database (pyarrow)")
            report_cpu(measures)
        finally:
            server.stop()
    if "files" in WHICH:
        csv = Path(tempfile.gettempdir()) / f"dango-bench-rows-{ROWS}.csv"
        if not csv.exists():
            write_csv(csv)
        measures = files_measures(csv)
        report(interleaved(RUNS, measures), "plain dlt filesystem | read_csv_duckdb")
        report_cpu(measures)


if __name__ == "__main__":
    main()
