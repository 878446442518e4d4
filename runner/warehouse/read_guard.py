"""Let a source read the warehouse while other sources load, as the docs' example does.

DuckDB lets one process write a file or several read it, never both at once: a source that opens
`duckdb.connect("data/warehouse.duckdb", read_only=True)` while another source's load writes would
fail with "Could not set lock on file", and the load would fail while the reader is open. In a
source's process, `install` wraps `duckdb.connect` so that a read-only connection to the warehouse
holds the warehouse lock *shared* for as long as it is open: readers wait for a load in progress,
a load waits for open readers, and readers never wait for each other. Before its first read, a
source also waits for the sources listed before it in this sync to finish, so that it reads what
they loaded today, as it would running one source at a time.

`uninstall` runs once the source's code is done: it closes readers the source left open (its own
load would wait for them forever) and puts duckdb.connect back.
"""

import weakref
from pathlib import Path

from runner.warehouse import lock

_open_guards: "weakref.WeakSet[GuardedConnection]" = weakref.WeakSet()
_original: dict = {}  # duckdb.connect before install


class GuardedConnection:
    """A DuckDB connection that releases the shared warehouse lock when it is closed."""

    def __init__(self, connection, fd: int):
        self._connection = connection
        self._fd = fd
        self._finalizer = weakref.finalize(self, lock.release_shared, fd)
        _open_guards.add(self)

    def close(self) -> None:
        self._connection.close()
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getattr__(self, name):
        return getattr(self._connection, name)


def install(warehouse_path: Path, lock_path: Path, timeout: float, on_wait, before_read=None) -> None:
    """Wrap duckdb.connect; `before_read()` runs before a read-only connection to the warehouse."""
    import duckdb

    original = _original.setdefault("connect", duckdb.connect)

    def connect(database=":memory:", read_only=False, *args, **kwargs):
        if not (read_only and _is_warehouse(database, warehouse_path)):
            return original(database, read_only, *args, **kwargs)
        if before_read:
            before_read()
        fd = lock.acquire_shared(lock_path, timeout, on_wait)
        try:
            return GuardedConnection(original(database, read_only, *args, **kwargs), fd)
        except BaseException:
            lock.release_shared(fd)
            raise

    duckdb.connect = connect


def uninstall() -> None:
    """Close the readers the source left open and give duckdb.connect back: the source's own code has
    finished, and what follows (the load, the staging models) holds the lock exclusively."""
    if "connect" not in _original:
        return  # never installed: the warehouse is not a DuckDB file
    import duckdb

    for guard in list(_open_guards):
        guard.close()
    duckdb.connect = _original.pop("connect")


def _is_warehouse(database, warehouse_path: Path) -> bool:
    try:
        return Path(database).resolve() == warehouse_path.resolve()
    except (TypeError, OSError):
        return False
