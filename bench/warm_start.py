"""Warm start: `bin/dango sync --jobs 1` of 20 one-row sources vs. 20 plain dlt processes run one after
another, with warm start on (the default) and off (DANGO_WARM_START=0, every process cold).

Target: Dango warm at most 0.35 times the baseline's wall time. Every run loads into a fresh
warehouse with no dlt state. Run: `.venv/bin/python bench/warm_start.py [RUNS]` (default 3).
"""

import shutil
import sys

from common import DANGO, PYTHON, interleaved, make_project, report, run

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SOURCES = 20

SOURCE = """
import dlt

@dlt.resource(name="rows", write_disposition="append")
def {name}():
    yield {{"id": 1, "name": "{name}"}}
"""

BASELINE = """
import sys

import dlt

name = sys.argv[1]
module = __import__(name)
pipeline = dlt.pipeline(name, destination=dlt.destinations.duckdb("data/plain.duckdb"),
                        dataset_name=f"raw_{name}", pipelines_dir="data/plain_pipelines")
pipeline.run(getattr(module, name)())
"""


def main():
    names = [f"s{i:02}" for i in range(SOURCES)]
    entries = "".join(
        f"  - {{name: {n}, type: dlt_native, dlt_native: {{source_module: {n}, source_function: {n}}}}}\n"
        for n in names
    )
    root = make_project({n: SOURCE.format(name=n) for n in names}, entries)
    (root / "plain.py").write_text(BASELINE)

    def fresh():
        shutil.rmtree(root / "data", ignore_errors=True)
        (root / "data").mkdir()

    def dango(warm: str):
        fresh()
        return run([DANGO, "sync", "--jobs", "1"], root, {"DANGO_WARM_START": warm})

    def plain():
        fresh()
        total, peak = 0.0, 0
        for name in names:
            seconds, memory = run([PYTHON, "plain.py", name], root, {"PYTHONPATH": str(root / "custom_sources")})
            total, peak = total + seconds, max(peak, memory)
        return total, peak

    dango("1"), plain()  # warm the page cache
    rows = interleaved(
        RUNS,
        {
            f"{SOURCES} plain dlt processes, one after another": plain,
            f"bin/dango sync --jobs 1, {SOURCES} sources, warm": lambda: dango("1"),
            f"bin/dango sync --jobs 1, {SOURCES} sources, cold": lambda: dango("0"),
        },
    )
    report(rows, f"{SOURCES} plain dlt processes, one after another")


if __name__ == "__main__":
    main()
