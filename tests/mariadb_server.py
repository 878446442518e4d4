"""A real MariaDB server for the tests, on a loopback port, in a temporary folder.

Uses Debian's mariadb-server package (`.ci/run` installs it). As root (CI) the server runs with
`--user=root`; otherwise as the user running the tests. Its `root` account has no password and
is reached through the socket only; the tests connect as `dango` over TCP with a password, so they
show that Dango finds the password where users put it.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.conftest import free_port

USER, PASSWORD = "dango", "maria-secret-5309"
STARTUP_TIMEOUT = 60


def installed() -> bool:
    return bool(shutil.which("mariadbd", path="/usr/sbin:/usr/bin") and shutil.which("mariadb-install-db"))


class MariadbServer:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="dango-mariadb-"))
        self.port = free_port()
        self.socket = self.folder / "mysqld.sock"
        self.user = ["--user=root"] if os.geteuid() == 0 else []
        self.process: subprocess.Popen | None = None

    def start(self) -> "MariadbServer":
        data = self.folder / "data"
        subprocess.run(
            ["mariadb-install-db", f"--datadir={data}", "--auth-root-authentication-method=normal", *self.user],
            check=True,
            capture_output=True,
        )
        server = shutil.which("mariadbd", path="/usr/sbin:/usr/bin")
        self.process = subprocess.Popen(
            [server, "--no-defaults", f"--datadir={data}", f"--port={self.port}", "--bind-address=127.0.0.1"]
            + [f"--socket={self.socket}", f"--pid-file={self.folder / 'pid'}", "--skip-log-bin", *self.user],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "log", "w"),  # noqa: SIM115 (the server keeps it open)
        )
        admin = self._wait_for_socket()
        with admin.cursor() as cursor:
            for host in ("127.0.0.1", "localhost"):
                cursor.execute(f"create user '{USER}'@'{host}' identified by '{PASSWORD}'")
                cursor.execute(f"grant all on *.* to '{USER}'@'{host}'")
        admin.close()
        return self

    def _wait_for_socket(self):
        import pymysql  # here: make test installs it, and a module that imports it must not stop collection

        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                return pymysql.connect(unix_socket=str(self.socket), user="root", autocommit=True)
            except pymysql.err.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.folder / "log").read_text()[-2000:]
                    raise RuntimeError(f"MariaDB did not start:\n{log}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self, database: str | None = None):
        import pymysql

        return pymysql.connect(
            host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, database=database, autocommit=True
        )

    def execute(self, sql: str, database: str | None = None, rows=None) -> None:
        conn = self.connect(database)
        try:
            with conn.cursor() as cursor:
                if rows is None:
                    cursor.execute(sql)
                else:
                    cursor.executemany(sql, rows)
        finally:
            conn.close()
