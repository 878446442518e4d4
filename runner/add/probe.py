"""What the wizard checks live while it asks: an address is a URL and answers, a database connects
and lists its tables. Each returns a sentence for the person at the terminal; nothing is written."""

from pathlib import Path
from urllib.parse import urlparse

from runner.add.answers import Auth, SqlDatabase
from runner.config.errors import DangoError
from runner.sync.loader import SourceError

TIMEOUT = 10
# Each driver's name for the seconds to wait for a server (SQLite has none).
CONNECT_TIMEOUTS = {
    "postgresql": "connect_timeout",
    "mysql": "connect_timeout",
    "mariadb": "connect_timeout",
    "mssql": "login_timeout",
}


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
    except requests.Timeout:
        return f"nothing answers at {url} (no answer within {TIMEOUT}s)"
    except requests.RequestException as error:
        return f"nothing answers at {url} ({short_reason(str(error))})"
    return None


def refused(base_url: str, path: str, auth: Auth | None) -> str | None:
    """What the API says to the credentials at its first endpoint when it refuses them (401, 403),
    or None; an endpoint with placeholders ({...}) is not tried."""
    import requests

    if "{" in path:
        return None
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=False, **credentials(auth))
    except requests.RequestException:
        return None  # whether it answers at all was asked with the base URL
    with response:
        if response.status_code in (401, 403):
            how = "without credentials" if auth is None else "with these credentials"
            return f"{url} answered HTTP {response.status_code} {response.reason} {how}"
    return None


def credentials(auth: Auth | None) -> dict:
    """requests' arguments that send `auth` as dlt's rest_api sends it."""
    if auth is None:
        return {}
    if auth.kind == "bearer":
        return {"headers": {"Authorization": f"Bearer {auth.secret}"}}
    if auth.kind == "http_basic":
        return {"auth": (auth.username, auth.secret)}
    where = {"header": "headers", "query": "params", "cookie": "cookies"}[auth.location]
    return {where: {auth.key_name: auth.secret}}


def short_reason(text: str) -> str:
    """A connection's failure without the layers of wrapping of urllib3 or a database driver."""
    if "Connection refused" in text:
        return "connection refused"
    if "NameResolutionError" in text or "Name or service not known" in text:
        return "the host name is not known"
    return text.splitlines()[0][:160]


def missing_extras(kind: str) -> list[str]:
    """The words of `make setup EXTRAS=...` whose packages a database of `kind` needs and lacks."""
    import importlib.util

    from runner.sources.drivers import with_driver

    _, needed = with_driver(kind)
    return [d.extras for d in needed if d.extras and importlib.util.find_spec(d.module) is None]


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
    timeout = CONNECT_TIMEOUTS.get(sql.kind)
    engine = sqlalchemy.create_engine(url, connect_args={timeout: TIMEOUT} if timeout else {})
    try:
        with engine.connect() as connection:
            return sorted(sqlalchemy.inspect(connection).get_table_names(schema=sql.schema or None))
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = short_reason(str(getattr(error, "orig", None) or error).strip())
        where = engine.url.render_as_string(hide_password=True)
        raise DangoError(f"cannot connect to {where}: {reason}") from None
    finally:
        engine.dispose()
