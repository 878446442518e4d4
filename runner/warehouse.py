"""The warehouse engine, behind one seam.

Everything that depends on which engine holds the data (the dlt destination of every source, the
write lock, read connections, and later the dbt profile) is asked of the object `for_project`
returns. Today that is always DuckDB in `data/warehouse.duckdb`.
"""

from contextlib import contextmanager
from pathlib import Path

from runner import lock
from runner.project import Project


class DuckDBWarehouse:
    """One DuckDB file; DuckDB allows a single writer, so every write holds the file lock beside it."""

    def __init__(self, project: Project):
        self.project = project
        self.path: Path = project.data / "warehouse.duckdb"

    def describe(self) -> str:
        return self.project.relative(self.path)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def destination(self):
        """The dlt destination that loads into this warehouse."""
        import dlt

        return dlt.destinations.duckdb(str(self.path))

    @contextmanager
    def write_lock(self, timeout: float, purpose: str, on_wait=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with lock.hold(self.lock_path, timeout, purpose, on_wait):
            yield

    def connect_read_only(self):
        """A read-only connection, or None when the warehouse does not exist yet."""
        import duckdb

        if not self.path.exists():
            return None
        return duckdb.connect(str(self.path), read_only=True)


def for_project(project: Project) -> DuckDBWarehouse:
    return DuckDBWarehouse(project)
