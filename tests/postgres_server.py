"""A real PostgreSQL server for the tests, on a loopback port, in a temporary folder.

Uses the server binaries of Debian's postgresql package (`.ci/run` installs it). PostgreSQL refuses
to run as root, so as root (CI) the cluster belongs to the `postgres` user the package creates.
Password authentication is on, so the tests show that Dango finds the password where users put it.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg2

from tests.conftest import free_port

USER, PASSWORD = "dango", "pg-secret-4217"


def binaries() -> Path | None:
    """The folder of initdb, pg_ctl and postgres, or None when PostgreSQL is not installed."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PostgresServer:
    def __init__(self):
        self.bin = binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="dango-pg-"))
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self) -> "PostgresServer":
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        password_file = self.folder / "password"
        password_file.write_text(PASSWORD)
        if self.as_user:
            shutil.chown(password_file, "postgres")
        data = self.folder / "data"
        self._run("initdb", "-D", data, "-U", USER, "--pwfile", password_file, "--auth", "scram-sha-256", "-E", "UTF8")
        options = f"-k {self.folder} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off"
        self._run("pg_ctl", "-D", data, "-o", options, "-l", self.folder / "log", "-w", "start")
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.folder / "data", "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, tool: str, *args, check=True) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *map(str, args)], check=check, capture_output=True)

    def connect(self, database: str = "postgres"):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname=database)
        conn.autocommit = True
        return conn

    def create_database(self, name: str) -> str:
        conn = self.connect()  # not `with conn`: it opens a transaction, and CREATE DATABASE refuses one
        try:
            conn.cursor().execute(f'create database "{name}"')
        finally:
            conn.close()
        return name

    def query(self, database: str, sql: str) -> list[tuple]:
        conn = self.connect(database)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        finally:
            conn.close()

    def settings(self, database: str) -> dict:
        """The `warehouse:` section of sources.yml for a database of this server."""
        return {"type": "postgres", "host": "127.0.0.1", "port": self.port, "database": database, "user": USER}
