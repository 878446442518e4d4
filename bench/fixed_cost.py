"""Fixed cost: `bin/dango sync` of a 1-row source vs. one process running the same 1-row dlt pipeline.

Target: Dango at most 1.3 times the baseline's wall time. Each run loads into a fresh warehouse with
no dlt state. Dango is timed twice: with all of data/ gone (a project's very first sync: sources.yml
is checked against the schema, staging models are written), and with only the warehouse and dlt's
folders gone, so Dango's own bookkeeping in data/ (the stamp of a sources.yml that passed, logs,
locks) is there, as on every later night.
"""

import shutil
import sys

from common import DANGO, PYTHON, interleaved, make_project, report, run

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7

SOURCE = """
import dlt

@dlt.resource(name="rows", write_disposition="append")
def one_row():
    yield {"id": 1, "name": "one"}
"""

BASELINE = """
import sys

import dlt
from one_row import one_row

pipeline = dlt.pipeline("one_row", destination=dlt.destinations.duckdb("data/plain.duckdb"),
                        dataset_name="raw_one_row", pipelines_dir="data/plain_pipelines")
pipeline.run(one_row(), loader_file_format=sys.argv[1] if len(sys.argv) > 1 else None)
"""


def main():
    root = make_project(
        {"one_row": SOURCE},
        "  - {name: one_row, type: dlt_native, dlt_native: {source_module: one_row, source_function: one_row}}\n",
    )
    (root / "plain.py").write_text(BASELINE)

    def fresh():
        shutil.rmtree(root / "data", ignore_errors=True)

    def dango():
        fresh()
        return run([DANGO, "sync"], root)

    def dango_bookkeeping_kept():
        for warehouse_file in (root / "data").glob("warehouse.duckdb*"):
            warehouse_file.unlink()
        shutil.rmtree(root / "data" / "pipelines", ignore_errors=True)
        return run([DANGO, "sync"], root)

    def plain(*args):
        fresh()
        (root / "data").mkdir()
        return run([PYTHON, "plain.py", *args], root, {"PYTHONPATH": str(root / "custom_sources")})

    dango(), plain()  # warm the page cache
    rows = interleaved(
        RUNS,
        {
            "plain dlt, 1 row, one process": plain,
            "plain dlt, 1 row, parquet (Dango's format)": lambda: plain("parquet"),
            "bin/dango sync, 1 row, all of data/ gone": dango,
            "bin/dango sync, 1 row, Dango's bookkeeping kept": dango_bookkeeping_kept,
        },
    )
    report(rows, "plain dlt, 1 row, one process")


if __name__ == "__main__":
    main()
