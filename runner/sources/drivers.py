"""Database drivers by URL scheme, and the one-line error for a package that is not installed.

A user writes `postgresql://`, `mysql://` or `mariadb://`, `mssql://`: each maps to the driver Dango
pins (runner/requirements-*.txt, installed by `make setup` when sources.yml names the scheme, see
bin/requirements). A URL that names its driver (`postgresql+psycopg://`) is used as written.
"""

import importlib.util
from dataclasses import dataclass

from runner.sync.loader import SourceError


@dataclass(frozen=True)
class Driver:
    dialect: str  # SQLAlchemy's dialect+driver
    module: str  # what `import` needs
    package: str  # what pip installs
    extras: str  # the word of `make setup EXTRAS=...`


SQLALCHEMY = Driver("", "sqlalchemy", "SQLAlchemy", "sql")
DRIVERS = {
    "postgresql": Driver("postgresql+psycopg2", "psycopg2", "psycopg2-binary", "postgres"),
    "postgres": Driver("postgresql+psycopg2", "psycopg2", "psycopg2-binary", "postgres"),
    "mysql": Driver("mysql+pymysql", "pymysql", "PyMySQL", "mysql"),
    "mariadb": Driver("mysql+pymysql", "pymysql", "PyMySQL", "mysql"),
    "mssql": Driver("mssql+pymssql", "pymssql", "pymssql", "mssql"),
    "sqlite": Driver("sqlite", "sqlite3", "", ""),
}
# Drivers a URL may name itself: the module each needs.
NAMED = {
    "psycopg2": Driver("", "psycopg2", "psycopg2-binary", "postgres"),
    "psycopg": Driver("", "psycopg", "psycopg", ""),
    "pymysql": Driver("", "pymysql", "PyMySQL", "mysql"),
    "pymssql": Driver("", "pymssql", "pymssql", "mssql"),
}
S3FS = Driver("", "s3fs", "s3fs", "s3")


def with_driver(drivername: str) -> tuple[str, list[Driver]]:
    """The SQLAlchemy drivername to use for `drivername`, and the packages it needs."""
    dialect, _, named = drivername.partition("+")
    if named:
        return drivername, [SQLALCHEMY] + ([NAMED[named]] if named in NAMED else [])
    driver = DRIVERS.get(dialect)
    return (driver.dialect, [SQLALCHEMY, driver]) if driver else (drivername, [SQLALCHEMY])


def require(drivers: list[Driver], field: str, why: str) -> None:
    """SourceError for the first package of `drivers` that is not installed."""
    for driver in drivers:
        if importlib.util.find_spec(driver.module) is None:
            fix = (
                f"Run `make setup EXTRAS={driver.extras}` (plain `make setup` installs it when sources.yml names it)."
                if driver.extras
                else f"Add `{driver.package}==<version>` to the project's requirements.txt and run `make setup`."
            )
            raise SourceError(f"the package {driver.package} is not installed ({why} needs it)", fix, field)
