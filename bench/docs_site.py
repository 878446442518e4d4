"""The docs site of a big project: 50 sources, two raw tables each, a year of nightly runs.

Builds the project offline (raw tables written with DuckDB, staging models by `bin/dango generate`,
data/runs.jsonl of 50 x 365 runs with a few failures), then times `bin/dango docs` (the whole
site: warehouse reads, plots, dbt docs) against plain `dbt docs generate --static` on the same
project: the difference is what Dango's own pages cost. The first build parses the dbt project
from scratch; later ones reuse dbt's partial parse, as a nightly rebuild does.

Run: .venv/bin/python bench/docs_site.py [RUNS]
"""

import json
import random
import sys
import time

import duckdb
from common import DANGO, PYTHON, interleaved, make_project, report, run

SOURCES, DAYS, FAILURE_RATE = 50, 365, 0.03
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
TINY = """
import dlt

@dlt.resource
def tiny():
    yield {"id": 1}
"""


def build_project():
    names = [f"s{i:02d}" for i in range(SOURCES)]
    entries = "".join(
        f"  - name: {name}\n    type: dlt_native\n    dlt_native: {{source_module: tiny, source_function: tiny}}\n"
        for name in names
    )
    root = make_project({"tiny": TINY}, entries)
    (root / "data").mkdir(exist_ok=True)
    with duckdb.connect(str(root / "data" / "warehouse.duckdb")) as conn:
        for name in names:
            conn.execute(f"create schema raw_{name}")
            conn.execute(
                f"create table raw_{name}.orders as select range as id, 'customer ' || range as customer, "
                "range * 1.5 as amount, now() - to_days(range::int % 365) as ordered_at from range(2000)"
            )
            conn.execute(
                f"create table raw_{name}.orders__lines as select range as line, range // 3 as order_id, "
                "'sku-' || range as sku from range(6000)"
            )
    run([DANGO, "generate"], root)
    rng, now, lines = random.Random(1), time.time(), []
    for day in range(DAYS, 0, -1):
        for name in names:
            started = now - day * 86400 + rng.uniform(0, 600)
            failed = rng.random() < FAILURE_RATE
            entry = {
                "source": name,
                "status": "failed" if failed else "ok",
                "started": started,
                "ended": started + rng.uniform(5, 60),
                "rows": {} if failed else {"orders": rng.randint(500, 2000), "orders__lines": rng.randint(1500, 6000)},
                "load_ids": [],
                "error": "requests.exceptions.HTTPError: 503 Server Error" if failed else "",
                "log": f"data/logs/{name}/{day}.log",
            }
            lines.append(json.dumps(entry))
    (root / "data" / "runs.jsonl").write_text("\n".join(lines) + "\n")
    for name in names:
        (root / "data" / "logs" / name).mkdir(parents=True)
        (root / "data" / "logs" / name / "1.log").write_text("the last run's log\n")
    return root


def main() -> None:
    root = build_project()
    print(f"project: {root} ({SOURCES} sources, {SOURCES * 2} raw tables, {SOURCES * DAYS} runs in data/runs.jsonl)")
    first, _ = run([DANGO, "docs"], root)
    print(f"first build (dbt parses the project from scratch): {first:.2f}s")
    dbt = [PYTHON.parent / "dbt", "docs", "generate", "--static", "--project-dir", "dbt", "--profiles-dir", "dbt"]
    dbt += ["--target-path", str(root / "data" / "tmp" / "bench-dbt")]
    env = {"DANGO_WAREHOUSE_PATH": str(root / "data" / "warehouse.duckdb"), "DANGO_DUCKDB_ACCESS_MODE": "read_only"}
    run(dbt, root, env)  # its own partial parse, as Dango's rebuilds have theirs
    plain = "plain dbt docs generate --static"
    rows = interleaved(RUNS, {plain: lambda: run(dbt, root, env), "bin/dango docs": lambda: run([DANGO, "docs"], root)})
    report(rows, plain)
    pages = list((root / "data" / "docs").rglob("*.html"))
    size = sum(page.stat().st_size for page in pages)
    dbt_page = (root / "data" / "docs" / "dbt.html").stat().st_size
    print(f"site: {len(pages)} pages, {size / 2**20:.1f} MiB, of which dbt.html {dbt_page / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
