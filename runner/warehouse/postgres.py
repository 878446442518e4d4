"""A PostgreSQL database: `warehouse: {type: postgres, host, port, database, user}` in sources.yml.

The password is never in sources.yml (it is committed): it is read the dlt way, from
DESTINATION__POSTGRES__CREDENTIALS__PASSWORD in the environment or `.env`, or from `password`
under [destination.postgres.credentials] in .dlt/secrets.toml. PostgreSQL takes many writers, so
sources load side by side with no warehouse lock; the per-source lock of runner/child.py still
keeps two runs of one source apart. The driver (psycopg2) and dbt-postgres are installed by
`make setup` when sources.yml says `type: postgres` (runner/requirements-postgres.txt).
"""

import sys
from contextlib import contextmanager
from functools import cached_property
from importlib import metadata

from runner.config import environment
from runner.config.errors import DangoError
from runner.warehouse import lock
from runner.warehouse.base import RUNS_TABLE_DDL, Warehouse

PASSWORD_ENV = "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD"
PASSWORD_TOML = ("destination", "postgres", "credentials", "password")
DEFAULT_PORT = 5432
CONNECT_TIMEOUT = 10
LOCK_POLL_SECONDS = 0.5
PACKAGES = ("psycopg2-binary", "dbt-postgres")
SETUP_HINT = "Run `make setup`: it installs them when sources.yml says `type: postgres`"


class PostgresWarehouse(Warehouse):
    type = "postgres"
    param = "%s"
    reserved_words_query = "select word from pg_get_keywords() where catcode in ('R', 'T')"

    @property
    def port(self) -> int:
        return self.settings.get("port", DEFAULT_PORT)

    def describe(self) -> str:
        return f"postgres {self.settings['user']}@{self.settings['host']}:{self.port}/{self.settings['database']}"

    @cached_property
    def password(self) -> str | None:
        """Read once: the destination, dbt's environment and every connection need it."""
        return environment.setting(self.project, PASSWORD_ENV, PASSWORD_TOML)

    def destination(self):
        import dlt

        credentials = {
            "host": self.settings["host"],
            "port": self.port,
            "database": self.settings["database"],
            "username": self.settings["user"],
            "password": self.password,
        }
        return dlt.destinations.postgres(credentials=credentials)

    def dbt_env(self) -> dict[str, str]:
        return {
            "DANGO_WAREHOUSE_TYPE": self.type,
            "DANGO_POSTGRES_HOST": self.settings["host"],
            "DANGO_POSTGRES_PORT": str(self.port),
            "DANGO_POSTGRES_DATABASE": self.settings["database"],
            "DANGO_POSTGRES_USER": self.settings["user"],
            # dbt masks variables named DBT_ENV_SECRET_* in its logs.
            "DBT_ENV_SECRET_DANGO_POSTGRES_PASSWORD": self.password or "",
        }

    def connect(self, read_only: bool = False):
        try:
            import psycopg2
        except ImportError:
            raise DangoError(f"the postgres warehouse needs psycopg2, which is not installed. {SETUP_HINT}.") from None
        return psycopg2.connect(
            host=self.settings["host"],
            port=self.port,
            dbname=self.settings["database"],
            user=self.settings["user"],
            password=self.password,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="dango",
            options="-c default_transaction_read_only=on" if read_only else "",
        )

    @contextmanager
    def transaction(self, read_only: bool = False):
        """A cursor in one transaction: committed at the end of the block, rolled back on an error."""
        conn = self.connect(read_only)
        try:
            with conn, conn.cursor() as cursor:
                yield cursor
        finally:
            conn.close()

    @contextmanager
    def reading(self):
        """Every statement in a read-only transaction: PostgreSQL refuses writes itself."""
        conn = self.connect(read_only=True)
        conn.autocommit = True
        try:
            yield conn, self.describe()
        finally:
            conn.close()

    def _run(self, statements: list[tuple[str, list]], read_only: bool) -> list[list[tuple]]:
        results = []
        with self.transaction(read_only) as cursor:
            for sql, parameters in statements:
                cursor.execute(sql, parameters or None)  # None: a '%' in the SQL stays a '%'
                results.append(cursor.fetchall() if cursor.description else [])
        return results

    @contextmanager
    def source_lock(self, name: str, timeout: float, on_wait):
        """A session advisory lock on the source's name, held by a connection open for the whole run:
        PostgreSQL releases it when the session ends, however the run ends."""
        conn = self.connect()
        conn.autocommit = True
        try:
            key = f"dango sync {name}"

            def announce():
                return on_wait(f"a session of {self.describe()} (another machine's sync?)")

            if not lock.poll(lambda: _try_lock(conn, key), timeout, announce, LOCK_POLL_SECONDS):
                raise lock.LockTimeout(
                    f"another run of source {name} still held its lock in {self.describe()} after {timeout:g}s. "
                    "Wait for that run to finish (on whichever machine started it), or raise --lock-timeout."
                )
            yield
        finally:
            conn.close()

    def _runs_ddl(self) -> list[str]:
        # Sources loading side by side would otherwise race to create the table on a first sync.
        return ["select pg_advisory_xact_lock(hashtext('dango.runs'))", *RUNS_TABLE_DDL]

    def problems(self) -> list[str]:
        missing = [package for package in PACKAGES if not _installed(package)]
        if missing:
            return [f"the postgres warehouse needs {' and '.join(missing)}, not installed. {SETUP_HINT}"]
        if not self.password:
            return [
                f"no password for {self.describe()}: set {PASSWORD_ENV} in .env, or `password` under "
                "[destination.postgres.credentials] in .dlt/secrets.toml"
            ]
        import psycopg2

        try:
            self.query("select 1")
        except psycopg2.Error as error:
            return [f"cannot connect to {self.describe()}: {_first_line(error)}. {CONNECTION_HINT}"]
        return []

    def explain(self, error: BaseException) -> str | None:
        psycopg2 = sys.modules.get("psycopg2")
        if psycopg2 and isinstance(error, psycopg2.OperationalError):
            return f"cannot use {self.describe()}: {_first_line(error)}. {CONNECTION_HINT}"
        return None


CONNECTION_HINT = (
    "Check host, port, database and user under `warehouse:` in .dango/sources.yml, the password, and that "
    "the server is running"
)


def _try_lock(conn, key: str) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("select pg_try_advisory_lock(hashtext(%s))", [key])
        return cursor.fetchone()[0]


def _installed(package: str) -> bool:
    try:
        metadata.distribution(package)
        return True
    except metadata.PackageNotFoundError:
        return False


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
