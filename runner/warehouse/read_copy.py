"""The read copy: data/read/warehouse.duckdb, a consistent copy of the warehouse for tools that stay open.

A notebook, the DuckDB CLI or a BI tool that keeps the warehouse itself open stops every sync from
writing it (DuckDB's one-writer-or-many-readers rule). After each sync and each dbt run that built
something, Dango copies the warehouse here while no one writes it (it holds the write lock, and a
POSIX read lock on the file keeps writers outside Dango off; `DuckDBWarehouse.publish_read_copy`)
and while the file holds every committed row (a checkpoint first, if a write-ahead log is left),
into a new file that is then renamed over the old one. A reader that has the old copy open keeps
reading its own, unchanged file (the rename leaves its inode alone); the next open sees the new
data. No Dango writer ever opens the copy, so nothing a reader does with it can delay or break a
sync.

The copy is a reflink (the FICLONE ioctl: a copy-on-write clone, near-instant and sharing disk
blocks until the warehouse changes them) on filesystems that offer one (btrfs, XFS, bcachefs, ZFS
2.2+), else a plain copy, whose time and disk grow with the warehouse (see bench/read_copy.py).
`warehouse: read_copy: false` in sources.yml turns it off.
"""

import fcntl
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int); fcntl.FICLONE from Python 3.12


@dataclass(frozen=True)
class Published:
    path: Path
    method: str  # "reflink" or "copy"
    seconds: float


def refresh(target, timeout: float) -> None:
    """After a sync or a dbt run: publish the read copy and say so. Not publishing is a warning, never
    the run's failure: what the run wrote is in the warehouse either way."""
    try:
        published = target.publish_read_copy(timeout)
    except Exception as error:  # a full disk, a lock or the file held past the timeout
        why = getattr(error, "short", None) or f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"
        print(f"dango: warning: the read copy was not refreshed: {why}", file=sys.stderr)
        return
    if published:
        where = target.project.relative(published.path)
        print(f"read copy: {where} refreshed ({published.method}, {published.seconds:.2f}s)", flush=True)


def copy_path(warehouse_path: Path) -> Path:
    """data/read/warehouse.duckdb for data/warehouse.duckdb: a folder of its own, for BI tools to mount."""
    return warehouse_path.parent / "read" / warehouse_path.name


def publish(source: Path, target: Path) -> Published:
    """Copy `source` to `target` atomically: into a new file beside it, then renamed over it.

    The caller guarantees `source` does not change meanwhile (it holds the write lock and the file)."""
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.new")
    try:
        method = clone(source, scratch)
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)
    return Published(target, method, time.monotonic() - started)


def clone(source: Path, target: Path) -> str:
    """A reflink of `source` where the filesystem offers one, else a plain copy; which one it was."""
    with source.open("rb") as src, target.open("wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
            return "reflink"
        except OSError:
            pass  # EOPNOTSUPP, EXDEV, EINVAL: no reflink on this filesystem
    shutil.copyfile(source, target)  # in the kernel (sendfile) on Linux
    with target.open("rb+") as copied:
        os.fsync(copied.fileno())  # a crash after the rename must not leave a truncated copy
    return "copy"
