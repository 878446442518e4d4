"""The warehouse engine, behind one seam.

Everything that depends on which engine holds the data is asked of the object `for_project`
returns: the dlt destination of every source, the write lock, queries, the tables staging models
are generated from, the run history table, and the environment the dbt profile reads. The
`warehouse:` section of .dango/sources.yml chooses it:

- `type: duckdb` (the default): one file, data/warehouse.duckdb; one writer at a time.
- `type: postgres`: a PostgreSQL database; sources load side by side.
- `type: motherduck`: a MotherDuck database; sources load side by side.

Each engine imports its driver only when used: a sync's parent pays for none of them.
"""

from runner.config.project import Project
from runner.warehouse.base import Catalog, Warehouse, WarehouseBusy

__all__ = ["Catalog", "Warehouse", "WarehouseBusy", "for_project"]


def for_project(project: Project, settings: dict | None = None) -> Warehouse:
    """The project's warehouse, from `settings` (a `warehouse:` section) or else its sources.yml."""
    if settings is None:
        from runner.config import sources_yml

        settings = sources_yml.load_warehouse(project)
    if settings["type"] == "postgres":
        from runner.warehouse.postgres import PostgresWarehouse

        return PostgresWarehouse(project, settings)
    if settings["type"] == "motherduck":
        from runner.warehouse.motherduck import MotherDuckWarehouse

        return MotherDuckWarehouse(project, settings)
    from runner.warehouse.duckdb_file import DuckDBWarehouse

    return DuckDBWarehouse(project, settings)
