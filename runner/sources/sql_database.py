"""`type: sql_database`: tables of a SQL database through dlt's `sql_database` source.

The connection comes from `credentials` (a URL without a password, a reference to one, or a
mapping with the password by reference), else from dlt's own `[sources.sql_database.credentials]`
in .dlt/secrets.toml. A URL's scheme picks the driver Dango pins (runner/sources/drivers.py).

A table is loaded so that a re-sync never duplicates rows: with a primary key (declared in the
database or under `resources:`) it is merged on it; without one it is replaced, unless it has an
incremental cursor, whose new rows are appended. `resources:` settings override these defaults.
The pyarrow backend is the default: it read 1,000,000 rows of PostgreSQL in a quarter of the time
SQLAlchemy's row backend took (bench/source_types.py, docs/sources-without-python.md).
"""

from pathlib import Path

from runner.sources import drivers
from runner.sync.loader import SourceError

FIELD = "sql_database.credentials"
DEFAULT_BACKEND = "pyarrow"
DEFAULT_CHUNK_SIZE = 50000


def build(config: dict, resources: dict, name: str):
    from dlt.sources.sql_database import sql_database

    source = sql_database(
        credentials=connection_url(config.get("credentials")),
        schema=config.get("schema"),
        table_names=config.get("table_names"),
        backend=config.get("backend", DEFAULT_BACKEND),
        chunk_size=config.get("chunk_size", DEFAULT_CHUNK_SIZE),
    )
    for table, resource in source.resources.items():
        apply_default_disposition(resource, resources.get(table) or {})
    return source


def apply_default_disposition(resource, settings: dict) -> None:
    if "write_disposition" in settings:
        return
    columns = resource.compute_table_schema().get("columns") or {}
    if settings.get("primary_key") or any(column.get("primary_key") for column in columns.values()):
        resource.apply_hints(write_disposition="merge")
    elif not settings.get("incremental"):
        resource.apply_hints(write_disposition="replace")


def connection_url(credentials) -> str:
    """A SQLAlchemy URL with Dango's driver for the scheme; SourceError when a package is missing."""
    from_dlt = credentials is None
    if from_dlt:
        credentials = dlt_credentials()
    if isinstance(credentials, str):
        scheme, separator, rest = credentials.partition("://")
        if not separator:
            raise SourceError(
                "credentials is not a database URL (scheme://user@host:port/database)",
                "Write a URL such as postgresql://dango@db.internal:5432/shop, or a mapping with drivername and host.",
                FIELD,
            )
        drivername, needed = drivers.with_driver(scheme)
        drivers.require(needed, FIELD, f"a {scheme}:// source")
        return f"{drivername}://{rest}"
    drivername, needed = drivers.with_driver(str(credentials.get("drivername", "")))
    drivers.require(needed, FIELD, f"a {credentials.get('drivername')} source")
    from sqlalchemy.engine import URL

    parts = {key: credentials.get(key) for key in ("username", "password", "host", "port", "database")}
    url = URL.create(drivername, **parts, query=credentials.get("query") or {})
    return url.render_as_string(hide_password=False)


def dlt_credentials():
    """`[sources.sql_database.credentials]` of .dlt/secrets.toml (or its environment variable)."""
    import dlt

    found: str | dict | None = dlt.secrets.get("sources.sql_database.credentials")
    if not found:
        raise SourceError(
            "no connection given",
            "Add `credentials:` under sql_database (a URL, or a mapping with the password by reference), "
            "or set [sources.sql_database.credentials] in .dlt/secrets.toml.",
            FIELD,
        )
    return found if isinstance(found, str) else dict(found)


def check(config: dict, resources: dict, name: str) -> list[tuple[str, str, str]]:
    """Without reading rows: the connection opens, and the named tables (and those under
    `resources:`) exist. Each problem as (field, message, fix)."""
    import sqlalchemy

    url = connection_url(config.get("credentials"))
    engine = sqlalchemy.create_engine(url)
    where = engine.url.render_as_string(hide_password=True)
    sqlite_file = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if sqlite_file and sqlite_file != ":memory:" and not Path(sqlite_file).is_file():
        # connecting would create an empty database there
        return [(FIELD, f"no SQLite file {sqlite_file} (below the project folder)", "Check the path in the URL.")]
    try:
        with engine.connect() as connection:
            existing = set(sqlalchemy.inspect(connection).get_table_names(schema=config.get("schema")))
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return [(FIELD, f"cannot connect to {where}: {reason}", "Check the host, port, database, user and password.")]
    finally:
        engine.dispose()
    problems = []
    in_schema = f"schema `{config['schema']}`" if config.get("schema") else "the default schema"
    known = ", ".join(sorted(existing)) or "none"
    for table in config.get("table_names") or []:
        if table not in existing:
            problems.append(
                ("sql_database.table_names", f"no table `{table}` in {in_schema}; tables there: {known}", "")
            )
    wanted = set(config.get("table_names") or existing)
    for resource in resources:
        if resource not in wanted:
            fix = "Fix the name: resources are the tables loaded."
            problems.append((f"resources.{resource}", f"`{resource}` is not a table this source loads", fix))
    return problems
