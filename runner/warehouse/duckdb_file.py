"""The default engine: one DuckDB file, data/warehouse.duckdb unless `warehouse: path:` says otherwise.

DuckDB lets one process write a file or several read it, never both, so every write (a source's
state sync and load, dbt, the run history) holds an exclusive file lock beside it, and Dango's
reads hold it shared: a source's own (runner/warehouse/read_guard.py) and every command's (`_run`,
`reading`), which take it without waiting. A writer then opens the file itself, waiting while a
process outside Dango has it open (runner/warehouse/file_holder.py), and keeps it open for the
block: dlt's and Dango's connections in the process share that open database (DuckDB caches one
instance per file and process), so no outside reader slips in between. After a sync or a dbt run,
the read copy is published for tools that stay open (runner/warehouse/read_copy.py).
"""

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from runner.config.errors import DangoError
from runner.warehouse import file_holder, lock, read_copy
from runner.warehouse.base import Warehouse, WarehouseBusy

DEFAULT_PATH = "data/warehouse.duckdb"
# A DuckDB file holds "DUCK" at bytes 8-11 of its header, whatever its version.
DUCKDB_MAGIC, DUCKDB_MAGIC_START, DUCKDB_MAGIC_END = b"DUCK", 8, 12
DUCKDB_RESERVED_WORDS = (
    "select keyword_name from duckdb_keywords() where keyword_category in ('reserved', 'type_function')"
)
# dlt's default file format for DuckDB (insert_values) is about 5x slower and uses 15x the memory.
PARQUET = {"normalize": {"loader_file_format": "parquet"}}


class DuckDBWarehouse(Warehouse):
    type = "duckdb"
    reserved_words_query = DUCKDB_RESERVED_WORDS

    def __init__(self, project, settings: dict):
        super().__init__(project, settings)
        self.path: Path = project.root / settings.get("path", DEFAULT_PATH)
        self._writing = False  # this process holds the write lock (and, mostly, the file open)

    @property
    def read_copy_path(self) -> Path | None:
        """Where the read copy goes; None when `read_copy: false` turns it off."""
        return read_copy.copy_path(self.path) if self.settings.get("read_copy", True) else None

    def describe(self) -> str:
        return self.project.relative(self.path)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def destination(self):
        import dlt

        return dlt.destinations.duckdb(str(self.path))

    def dlt_defaults(self) -> dict:
        return PARQUET

    def dbt_env(self) -> dict[str, str]:
        return {"DANGO_WAREHOUSE_TYPE": self.type, "DANGO_WAREHOUSE_PATH": str(self.path.absolute())}

    @contextmanager
    def write_lock(self, timeout: float, purpose: str, on_wait=None, keep_open: bool = True):
        """The write lock, then the file itself once no process outside Dango has it open.

        `keep_open`: hold the file open for the block, so this process's connections share it;
        dbt, another process, needs it closed again before it starts (its profile retries opening)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        with lock.hold(self.lock_path, timeout, purpose, on_wait):
            held = self._open_file(timeout, deadline, keep_open)
            self._writing = True
            try:
                yield
            finally:
                self._writing = False
                if held is not None:
                    held.close()

    def _open_file(self, timeout: float, deadline: float, keep_open: bool):
        """The connection that holds the file open, once no process outside Dango has it open; without
        `keep_open`, None once it is free (asked of the OS first: importing DuckDB costs a tenth of a second)."""
        if not self.path.exists():
            return None
        if not keep_open:
            free = file_holder.posix_lock(self.path, exclusive=True)
            if free is not None:
                os.close(free)
                return None
        held = self._open_for_writing(timeout, deadline)  # waits, and names who holds the file
        if keep_open:
            return held
        held.close()
        return None

    def _open_for_writing(self, timeout: float, deadline: float):
        say = lambda message: print(message, flush=True)  # noqa: E731
        return file_holder.open_when_free(self.path, timeout, deadline, self.describe(), self._read_copy_hint(), say)

    def _read_copy_hint(self) -> str:
        copy = self.read_copy_path
        return self.project.relative(copy) if copy else "(turned on by `read_copy: true` in sources.yml)"

    def guard_reads(self, timeout: float, on_wait, before_read) -> None:
        from runner.warehouse import read_guard

        read_guard.install(self.path, self.lock_path, timeout, on_wait, before_read)

    def connect(self, read_only: bool = False):
        """A DuckDB connection to the file; under the write lock, to the database this process holds."""
        import duckdb

        return duckdb.connect(str(self.path), read_only=read_only and not self._writing)

    def _run(self, statements: list[tuple[str, list]], read_only: bool) -> list[list[tuple]]:
        """A read outside the write lock takes the shared lock without waiting, and raises WarehouseBusy
        while something writes the file. An absent file reads as an empty warehouse."""
        if read_only and not self.path.exists():
            return [[] for _ in statements]
        if self._writing or not read_only:
            return run_statements(self.connect(), statements)
        with self.shared_lock():
            return run_statements(self._open_read_only(), statements)

    @contextmanager
    def shared_lock(self):
        """The warehouse lock taken shared, without waiting: WarehouseBusy while a Dango writer holds it."""
        try:
            fd = lock.acquire_shared(self.lock_path, 0)
        except lock.LockTimeout:
            raise WarehouseBusy(
                f"{self.describe()} is being written by {lock.describe_holder(self.lock_path)}. Wait for it to "
                "finish, or read the read copy."
            ) from None
        try:
            yield
        finally:
            lock.release_shared(fd)

    def _open_read_only(self):
        import duckdb

        try:
            return duckdb.connect(str(self.path), read_only=True)
        except duckdb.IOException as error:
            holder = file_holder.holder_of(error)
            if holder is None:
                raise
            raise WarehouseBusy(
                f"{self.describe()} is open for writing in {holder}, outside Dango. Wait for it to close it."
            ) from None

    @contextmanager
    def reading(self):
        """For `dango query` and `shell`: the read copy, which no writer ever waits for; without one
        (turned off, or no sync since), the warehouse under the shared lock, taken without waiting
        and held until the connection closes (a writer waits for it meanwhile)."""
        import duckdb

        copy = self.read_copy_path
        if copy and copy.exists():
            refreshed = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(copy.stat().st_mtime))
            with duckdb.connect(str(copy), read_only=True) as conn:
                yield conn, f"the read copy {self.project.relative(copy)}, refreshed {refreshed}"
            return
        if not self.path.exists():
            raise DangoError(f"{self.describe()} does not exist yet: run `bin/dango sync` first.")
        with self.shared_lock(), self._open_read_only() as conn:
            yield conn, self.describe()

    def publish_read_copy(self, timeout: float, on_wait=None) -> read_copy.Published | None:
        """Copy the warehouse to the read copy, atomically, under the write lock; None when turned off
        (a copy left from before is deleted: a tool reading it would show stale data unawares)."""
        target = self.read_copy_path
        if target is None:
            read_copy.copy_path(self.path).unlink(missing_ok=True)
            return None
        if not self.path.exists():
            return None
        deadline = time.monotonic() + timeout
        with lock.hold(self.lock_path, timeout, "dango publish the read copy", on_wait):  # no Dango writer
            wal = self.path.with_name(self.path.name + ".wal")
            unwritten = None if wal.exists() else file_holder.posix_lock(self.path, exclusive=False)
            if unwritten is not None:  # the usual case: no write-ahead log, and no writer until it is closed
                try:
                    return read_copy.publish(self.path, target)
                finally:
                    os.close(unwritten)
            held = self._open_for_writing(timeout, deadline)  # a writer outside Dango: wait for it
            try:
                held.execute("checkpoint")  # every committed row in the file itself, none in the WAL
                return read_copy.publish(self.path, target)
            finally:
                held.close()

    def check(self) -> None:
        """Fail early, naming the file, when the warehouse is not DuckDB's.

        Reads the file's header only: importing DuckDB here would cost every sync a tenth of a second.
        A damaged or too-new file is named by the source that opens it (`explain`)."""
        self._check_data_writable()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.path.open("rb") as warehouse_file:
                header = warehouse_file.read(DUCKDB_MAGIC_END)
        except FileNotFoundError:
            return
        if header and header[DUCKDB_MAGIC_START:DUCKDB_MAGIC_END] != DUCKDB_MAGIC:
            raise DangoError(
                f"{self.describe()} is not a DuckDB database file (its header lacks DuckDB's mark). Move it "
                "aside (the next sync reloads every source) or restore a backup; nothing was synced."
            )

    def explain(self, error: BaseException) -> str | None:
        holder = file_holder.holder_of(error)  # in DuckDB's error, or in dlt's text around it
        if holder:
            return (
                f"{self.describe()} was open in {holder}, outside Dango, so nothing was written. Point tools that "
                f"stay open at the read copy {self._read_copy_hint()}; the next sync loads what is pending."
            )
        duckdb = sys.modules.get("duckdb")
        if duckdb and isinstance(error, duckdb.Error) and str(self.path) in str(error):
            return (
                f"{self.describe()} cannot be read by DuckDB {duckdb.__version__}: {error}. If it is damaged, "
                "move it aside (the next sync reloads every source) or restore a backup."
            )
        return None


def run_statements(conn, statements: list[tuple[str, list]]) -> list[list[tuple]]:
    """Run the statements on a DuckDB connection in one transaction, close it, return the rows of each."""
    with conn:
        conn.begin()
        rows = [conn.execute(sql, parameters).fetchall() for sql, parameters in statements]
        conn.commit()
        return rows
