"""Warm start: `bin/dango sync --jobs 1` of 20 one-row sources vs. 20 plain dlt processes run one after
another, with warm start on (the default) and off (DANGO_WARM_START=0, every process cold); and
`bin/dango validate` of the 20 sources vs. 20 processes that each import dlt and one source (what
checking each source in a process of its own costs before it checks anything).

The issue's case is a project synced every few minutes: each run appends a row to every source,
Dango and plain dlt keep their state (data/, the plain pipelines' folder) from run to run. Two more
rows measure a first sync: Dango with data/ empty (it also checks sources.yml in full and looks for
renamed sources), plain dlt with its pipelines' folder and warehouse deleted. Target: warm at most
0.35 times the baseline. Run: `.venv/bin/python bench/warm_start.py [RUNS]` (default 3).
"""

import shutil
import sys

from common import DANGO, PYTHON, interleaved, make_project, report, run

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SOURCES = 20
BASELINE_NAME = f"{SOURCES} plain dlt processes, one after another"

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
pipeline = dlt.pipeline(name, destination=dlt.destinations.duckdb("plain/plain.duckdb"),
                        dataset_name=f"raw_{name}", pipelines_dir="plain/pipelines")
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
    (root / "plain").mkdir()

    def dango(warm: str, first: bool = False):
        if first:
            shutil.rmtree(root / "data")
        return run([DANGO, "sync", "--jobs", "1"], root, {"DANGO_WARM_START": warm})

    def plain(first: bool = False):
        if first:
            shutil.rmtree(root / "plain")
            (root / "plain").mkdir()
        total, peak = 0.0, 0
        for name in names:
            seconds, memory = run([PYTHON, "plain.py", name], root, {"PYTHONPATH": str(root / "custom_sources")})
            total, peak = total + seconds, max(peak, memory)
        return total, peak

    def cold_checks():
        total, peak = 0.0, 0
        for name in names:
            env = {"PYTHONPATH": str(root / "custom_sources")}
            seconds, memory = run([PYTHON, "-c", f"import dlt, {name}"], root, env)
            total, peak = total + seconds, max(peak, memory)
        return total, peak

    dango("1"), plain()  # the first runs: state exists from here on, and the page cache is warm
    rows = interleaved(
        RUNS,
        {
            BASELINE_NAME: plain,
            f"bin/dango sync --jobs 1, {SOURCES} sources, warm": lambda: dango("1"),
            f"bin/dango sync --jobs 1, {SOURCES} sources, cold": lambda: dango("0"),
            "the same, warm, a project's first sync": lambda: dango("1", first=True),
            "the plain dlt processes, their first run": lambda: plain(first=True),
        },
    )
    report(rows, BASELINE_NAME)
    print()
    cold = f"{SOURCES} processes importing dlt and a source each"
    rows = interleaved(
        RUNS, {cold: cold_checks, f"bin/dango validate, {SOURCES} sources": lambda: run([DANGO, "validate"], root)}
    )
    report(rows, cold)


if __name__ == "__main__":
    main()
