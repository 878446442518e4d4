"""What the wizard checks live while it asks: an address is a URL and answers, a database connects
and lists its tables. Each returns a sentence for the person at the terminal; nothing is written."""

from pathlib import Path
from urllib.parse import urlparse

from runner.add.answers import SqlDatabase
from runner.config.errors import DangoError
from runner.sync.loader import SourceError

TIMEOUT = 10


def url_problem(url: str) -> str | None:
    """Why `url` is not an HTTP address, or None."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return "write an address starting with https:// (or http://), such as https://api.example.com/v1/"
    return None


def unreachable(url: str) -> str | None:
    """Why nothing answers at `url`, or None: any HTTP answer, 404 or 401 included, is an answer."""
    import requests

    try:
        requests.get(url, timeout=TIMEOUT, allow_redirects=False).close()
    except requests.RequestException as error:
        reason = str(getattr(error, "args", [error])[0]).splitlines()[0]
        if "Connection refused" in reason or "Errno 111" in reason:
            reason = "connection refused"
        return f"nothing answers at {url} ({reason})"
    return None


def connection_url(sql: SqlDatabase, root: Path) -> str:
    """The SQLAlchemy URL for `sql`, its password as typed and a SQLite file below `root`;
    DangoError when the package it needs is not installed."""
    from runner.sources.sql_database import connection_url as with_driver

    if sql.kind == "sqlite":
        credentials: str | dict = f"sqlite:///{(root / sql.path).resolve()}"
    else:
        credentials = {"drivername": sql.kind, "host": sql.host, "port": sql.port, "database": sql.database}
        credentials |= {"username": sql.username, "password": sql.password or None}
    try:
        return with_driver(credentials)
    except SourceError as error:
        raise DangoError(f"{error.message}. {error.fix}") from None


def tables(sql: SqlDatabase, root: Path) -> list[str]:
    """The tables of the schema, from the live database; DangoError saying why they cannot be listed."""
    url = connection_url(sql, root)
    import sqlalchemy

    if sql.kind == "sqlite" and not (root / sql.path).is_file():
        raise DangoError(f"no SQLite file {sql.path} in the project folder {root}")  # connecting would create one
    engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": TIMEOUT} if sql.kind != "sqlite" else {})
    try:
        with engine.connect() as connection:
            return sorted(sqlalchemy.inspect(connection).get_table_names(schema=sql.schema or None))
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        where = engine.url.render_as_string(hide_password=True)
        raise DangoError(f"cannot connect to {where}: {reason}") from None
    finally:
        engine.dispose()
