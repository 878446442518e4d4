"""A MotherDuck database: `warehouse: {type: motherduck, database: NAME}` in sources.yml.

The token is read only from the environment (or `.env`): MOTHERDUCK_TOKEN. dlt and dbt-duckdb read
it from the environment of the processes Dango starts; Dango's own connections pass it explicitly,
since a token kept in `.env` is not in Dango's environment. MotherDuck takes many writers, so
sources load side by side with no warehouse lock. dbt runs through dbt-duckdb with an `md:` path.
"""

import os
from contextlib import contextmanager
from functools import cached_property

from runner.config import environment
from runner.warehouse.base import Warehouse
from runner.warehouse.duckdb_file import DUCKDB_RESERVED_WORDS, PARQUET, run_statements

TOKEN_ENV = "MOTHERDUCK_TOKEN"


class MotherDuckWarehouse(Warehouse):
    type = "motherduck"
    reserved_words_query = DUCKDB_RESERVED_WORDS

    @property
    def url(self) -> str:
        return f"md:{self.settings['database']}"

    def describe(self) -> str:
        return f"motherduck {self.url}"

    def destination(self):
        import dlt

        return dlt.destinations.motherduck(credentials=self.url)

    def dlt_defaults(self) -> dict:
        return PARQUET

    def dbt_env(self) -> dict[str, str]:
        return {"DANGO_WAREHOUSE_TYPE": self.type, "DANGO_MOTHERDUCK_DATABASE": self.settings["database"]}

    @cached_property
    def token(self) -> str | None:
        """Read once: `validate` and `migrate-warehouse` check it, then connect with it."""
        env = {**environment.dotenv(self.project), **os.environ}  # a variable set in the environment wins
        return next((env[name] for name in (TOKEN_ENV, "motherduck_token") if env.get(name)), None)

    def connect(self, url: str | None = None):
        """A DuckDB connection to MotherDuck (`url`, else this database), given the token: one in .env
        is not in this process's environment, where DuckDB would look for it."""
        import duckdb

        return duckdb.connect(url or self.url, config={"motherduck_token": self.token or ""})

    @contextmanager
    def reading(self):
        """The database itself: MotherDuck takes readers beside writers. `dango query` refuses writes."""
        with self.connect() as conn:
            yield conn, self.describe()

    def _run(self, statements: list[tuple[str, list]], read_only: bool) -> list[list[tuple]]:
        # MotherDuck takes many writers, so reads need no lock and no read-only connection; Dango's
        # reads (catalog, source list, validate) run only select statements.
        return run_statements(self.connect(), statements)

    def problems(self) -> list[str]:
        if not self.token:
            return [f"no MotherDuck token for {self.url}: set {TOKEN_ENV} in the environment or in .env"]
        try:
            self.query("select 1")
        except Exception as error:
            first = str(error).strip().splitlines()[0]
            return [f"cannot connect to {self.describe()}: {first}. Check the token, the database name and the network"]
        return []
