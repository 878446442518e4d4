"""Incremental: a second sync of a 1,000,000-row merge source in which 1% of the rows changed.

The source keeps its rows in a file the benchmark edits between syncs and yields only rows whose
`updated_at` is past the cursor, as an API with an `updated_since` filter would. Reported: the
first sync's time and the second's.
"""

import json
import sys
import time

from common import DANGO, make_project, report, run

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000

SOURCE = """
import json
from pathlib import Path

import dlt


@dlt.resource(name="rows", write_disposition="merge", primary_key="id")
def changing(updated=dlt.sources.incremental("updated_at", initial_value=0)):
    version = json.loads(Path("version.json").read_text())
    changed_every = version["changed_every"]
    since = updated.start_value  # last_value moves while rows are yielded
    for start in range(0, version["rows"], 1000):
        page = []
        for i in range(start, min(start + 1000, version["rows"])):
            # Distinct cursor values: dlt keeps the hashes of every row that shares the last one.
            changed = bool(changed_every) and i % changed_every == 0
            updated_at = version["rows"] + i if changed else i + 1
            if updated_at > since:
                page.append({"id": i, "name": f"name {i}", "amount": i * 0.01, "updated_at": updated_at})
        if page:
            yield page
"""


def main():
    root = make_project(
        {"changing": SOURCE},
        "  - {name: changing, type: dlt_native, dlt_native: {source_module: changing, source_function: changing}}\n",
    )
    (root / "version.json").write_text(json.dumps({"rows": ROWS, "changed_every": 0}))
    first = run([DANGO, "sync"], root)
    time.sleep(1)
    (root / "version.json").write_text(json.dumps({"rows": ROWS, "changed_every": 100}))
    second = run([DANGO, "sync"], root)
    report([("first sync (all rows)", *first), ("second sync (1% changed)", *second)], "first sync (all rows)")


if __name__ == "__main__":
    main()
