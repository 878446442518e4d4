"""Throughput: 1,000,000 dict rows through `bin/dango sync` vs. plain dlt in one process.

Rows are (id, name, amount, an ISO timestamp, a small nested dict), yielded one by one or in pages
of 1,000; a third source yields pyarrow tables. Baselines: plain dlt with its own defaults for
DuckDB, and plain dlt with Dango's settings (runner/dlt_settings.py) applied through the
environment. Targets: Dango <= 0.25x plain-defaults, <= 1.05x plain-with-Dango's-settings, peak
memory of the whole sync <= 400 MiB; arrow <= 1.1x plain dlt's arrow path.

Usage: .venv/bin/python bench/throughput.py [ROWS] [RUNS]   (plain-defaults runs once: ~3 minutes)
"""

import shutil
import sys

from common import DANGO, PYTHON, REPO, make_project, median_of, report, run

sys.path.insert(0, str(REPO))
from runner.sync.dlt_settings import DEFAULTS

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3

SOURCE = f"""
from datetime import datetime, timedelta, timezone

import dlt

ROWS = {ROWS}
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


def row(i):
    return {{"id": i, "name": f"name {{i}}", "amount": i * 0.01,
            "created_at": (EPOCH + timedelta(seconds=i)).isoformat(), "meta": {{"a": i % 7, "b": "x"}}}}


@dlt.resource(name="rows", write_disposition="replace")
def one_by_one():
    for i in range(ROWS):
        yield row(i)


@dlt.resource(name="rows", write_disposition="replace")
def pages():
    for start in range(0, ROWS, 1000):
        yield [row(i) for i in range(start, min(start + 1000, ROWS))]


@dlt.resource(name="rows", write_disposition="replace")
def arrow_tables():
    import pyarrow as pa

    for start in range(0, ROWS, 100_000):
        ids = list(range(start, min(start + 100_000, ROWS)))
        yield pa.table({{
            "id": ids,
            "name": [f"name {{i}}" for i in ids],
            "amount": [i * 0.01 for i in ids],
            "created_at": [EPOCH + timedelta(seconds=i) for i in ids],
        }})
"""

PLAIN = """
import sys
import dlt
import rows_source

pipeline = dlt.pipeline("plain", destination=dlt.destinations.duckdb("data/plain.duckdb"),
                        dataset_name="raw_plain", pipelines_dir="data/plain_pipelines")
fmt = sys.argv[2] if len(sys.argv) > 2 else None
pipeline.run(getattr(rows_source, sys.argv[1])(), loader_file_format=fmt)
"""


def dango_settings_env() -> dict:
    """Dango's dlt defaults as dlt environment variables, for the plain baseline."""
    return {
        f"{section}__{key}".upper(): str(value) for section, keys in DEFAULTS.items() for key, value in keys.items()
    }


def main():
    entries = "".join(
        f"  - {{name: {mode}, type: dlt_native, dlt_native: {{source_module: rows_source, source_function: {mode}}}}}\n"
        for mode in ("one_by_one", "pages", "arrow_tables")
    )
    root = make_project({"rows_source": SOURCE}, entries)
    (root / "plain.py").write_text(PLAIN)
    path = {"PYTHONPATH": str(root / "custom_sources")}

    def fresh():
        shutil.rmtree(root / "data", ignore_errors=True)
        (root / "data").mkdir()

    def plain(mode, fmt=None, env=None):
        fresh()
        return run([PYTHON, "plain.py", mode, *([fmt] if fmt else [])], root, {**path, **(env or {})})

    def dango(mode):
        fresh()
        return run([DANGO, "sync", mode], root)

    print(f"{ROWS:,} rows, median of {RUNS} runs (plain dlt defaults: 1 run)")
    for mode in ("one_by_one", "pages"):
        rows = [
            (f"plain dlt defaults (insert_values), {mode}", *median_of(1, lambda m=mode: plain(m))),
            (
                f"plain dlt + Dango settings, {mode}",
                *median_of(RUNS, lambda m=mode: plain(m, "parquet", dango_settings_env())),
            ),
            (f"bin/dango sync, {mode}", *median_of(RUNS, lambda m=mode: dango(m))),
        ]
        report(rows, f"plain dlt + Dango settings, {mode}")
        print()
    rows = [
        ("plain dlt, arrow tables", *median_of(RUNS, lambda: plain("arrow_tables"))),
        ("bin/dango sync, arrow tables", *median_of(RUNS, lambda: dango("arrow_tables"))),
    ]
    report(rows, "plain dlt, arrow tables")


if __name__ == "__main__":
    main()
