"""What progress reporting costs: `bin/dango sync` of 1,000,000 dicts yielded one by one (the
throughput benchmark's source), this checkout against another checkout of Dango without it, taking
turns. The target: within 2%.

Usage: VERSUS=/path/to/other/dango .venv/bin/python bench/progress_cost.py [ROWS] [RUNS]
(the other checkout needs its own .venv: `make setup` there)
"""

import os
import shutil
import sys
from pathlib import Path

from common import DANGO, interleaved, make_project, report, run
from throughput import ROWS, RUNS, SOURCE

OTHER = Path(os.environ.get("VERSUS", "")).expanduser()


def main():
    if not (OTHER / "bin" / "dango").is_file():
        sys.exit("set VERSUS to another Dango checkout (with its .venv), e.g. one from before progress reporting")
    entry = "  - {name: one_by_one, type: dlt_native, dlt_native: {source_module: rows_source, "
    entry += "source_function: one_by_one}}\n"
    root = make_project({"rows_source": SOURCE}, entry)

    def sync(dango):
        shutil.rmtree(root / "data", ignore_errors=True)
        return run([dango, "sync", "one_by_one"], root, {"DANGO_PROGRESS_INTERVAL": "30"})

    print(f"{ROWS:,} rows one by one, median of {RUNS} runs each, taking turns; output piped (heartbeats)")
    rows = interleaved(
        RUNS,
        {
            f"without progress ({OTHER})": lambda: sync(OTHER / "bin" / "dango"),
            "with progress (this checkout)": lambda: sync(DANGO),
        },
    )
    report(rows, f"without progress ({OTHER})")


if __name__ == "__main__":
    main()
