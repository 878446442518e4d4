"""The read copy's cost against warehouse size: time and disk per refresh, and a whole sync with and without it.

For each size, a project whose warehouse is padded to that size with a filler table syncs a 1-row
source: `bin/dango sync` with the read copy (the default) and with `read_copy: false`, taking turns.
Printed per size: the median refresh time Dango reports ("read copy: ... refreshed (method, Ns)"),
the median whole-sync times with and without the copy, and the disk the copy holds beyond the
warehouse (free space with it minus without it: a whole second file for a plain copy, only the
blocks written since for a reflink). During a refresh the old and the new copy exist side by side.

Run by hand: `.venv/bin/python bench/read_copy.py [RUNS] [SIZES_MB]`, e.g. `5 50,200,800`. The
filesystem is that of the temporary folder: `TMPDIR=/mnt/xfs .venv/bin/python bench/read_copy.py`
measures a reflink filesystem (XFS made with `mkfs.xfs -m reflink=1`, btrfs).
"""

import os
import re
import statistics
import sys

import duckdb
from common import DANGO, make_project, run

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SIZES_MB = [int(size) for size in (sys.argv[2] if len(sys.argv) > 2 else "50,200,800").split(",")]
ROWS_PER_MB = 36_000  # of the filler table below, compressed as DuckDB stores it (measured)

SOURCE = """
import dlt

@dlt.resource(name="rows", write_disposition="append")
def one_row():
    yield {"id": 1, "name": "one"}
"""
ENTRY = "  - {name: one_row, type: dlt_native, dlt_native: {source_module: one_row, source_function: one_row}}\n"
REFRESHED = re.compile(r"read copy: \S+ refreshed \((\w+), ([\d.]+)s\)")


def free_bytes(path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def main():
    print(f"temporary folder: {os.environ.get('TMPDIR', '/tmp')}; {RUNS} runs per figure, medians")
    print(
        f"{'warehouse MiB':>13} {'method':>8} {'refresh s':>10} {'sync s':>8} {'sync s, no copy':>16} {'copy MiB':>9}"
    )
    for size in SIZES_MB:
        root = make_project({"one_row": SOURCE}, ENTRY)
        sources_yml = root / ".dango" / "sources.yml"
        with_copy = sources_yml.read_text()
        without_copy = "warehouse: {type: duckdb, read_copy: false}\n" + with_copy
        run([DANGO, "sync"], root)
        warehouse = root / "data" / "warehouse.duckdb"
        with duckdb.connect(str(warehouse)) as conn:
            conn.execute(
                "create table filler as select i, random() as x, md5(i::varchar) as s from range(?) t(i)",
                [size * ROWS_PER_MB],
            )
        refreshes, synced, plain, method = [], [], [], "?"
        for _ in range(RUNS):
            sources_yml.write_text(with_copy)
            outputs: list[str] = []
            synced.append(run([DANGO, "sync"], root, outputs=outputs)[0])
            found = REFRESHED.search(outputs[0])
            method, refresh = found[1], float(found[2])
            refreshes.append(refresh)
            sources_yml.write_text(without_copy)
            plain.append(run([DANGO, "sync"], root)[0])
        sources_yml.write_text(with_copy)
        run([DANGO, "sync"], root)
        copy = root / "data" / "read" / "warehouse.duckdb"
        with_file = free_bytes(root)
        copy.unlink()
        copy_bytes = free_bytes(root) - with_file
        print(
            f"{warehouse.stat().st_size / 2**20:13.0f} {method:>8} {statistics.median(refreshes):10.2f} "
            f"{statistics.median(synced):8.2f} {statistics.median(plain):16.2f} {copy_bytes / 2**20:9.0f}"
        )


if __name__ == "__main__":
    main()
