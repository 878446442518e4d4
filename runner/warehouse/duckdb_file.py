"""The default engine: one DuckDB file, data/warehouse.duckdb unless `warehouse: path:` says otherwise.

DuckDB lets one process write a file or several read it, never both, so every write (a source's
state sync and load, dbt, the run history) holds an exclusive file lock beside it, and a source's
own reads hold it shared (runner/read_guard.py).
"""

import sys
from contextlib import contextmanager
from pathlib import Path

from runner.config.errors import DangoError
from runner.warehouse import lock
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
    def write_lock(self, timeout: float, purpose: str, on_wait=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with lock.hold(self.lock_path, timeout, purpose, on_wait):
            yield

    def guard_reads(self, timeout: float, on_wait, before_read) -> None:
        from runner.warehouse import read_guard

        read_guard.install(self.path, self.lock_path, timeout, on_wait, before_read)

    def _run(self, statements: list[tuple[str, list]], read_only: bool) -> list[list[tuple]]:
        """Read-only connections fail while another process writes (WarehouseBusy): DuckDB lets no
        one open a file a writer holds. An absent file reads as an empty warehouse."""
        import duckdb

        if read_only and not self.path.exists():
            return [[] for _ in statements]
        try:
            conn = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            raise WarehouseBusy(
                f"{self.describe()} is open for writing in another process ({error}). Wait for it to finish."
            ) from error
        return run_statements(conn, statements)

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
