"""Fixtures: a throwaway project made by `bin/dango init`, an isolated environment, a local API.

dlt reads both the environment and the working folder, so every test gets its own HOME and an
environment without DLT_*, SOURCES__*, DESTINATION__* and friends.
"""

import os
import shutil
import socket
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.fake_api import FakeApi

REPO = Path(__file__).resolve().parent.parent
DANGO = REPO / "bin" / "dango"
LEAKY_PREFIXES = ("DLT_", "SOURCES__", "DESTINATION__", "NORMALIZE__", "LOAD__", "EXTRACT__", "RUNTIME__", "DANGO_")


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(LEAKY_PREFIXES)}
    env["HOME"] = str(home)
    return env


def free_port() -> int:
    """A loopback port nothing listens on, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_dango(*args, cwd: Path, env: dict, timeout: float = 240, check=None, input=None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(DANGO), *map(str, args)],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,  # typed at a prompt (`dango shell`); none: stdin is empty
    )
    if check is not None:
        assert result.returncode == check, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


class Project:
    """A project in a temporary folder, driven through bin/dango as a user would."""

    def __init__(self, root: Path, env: dict):
        self.root = root
        self.env = env

    def dango(self, *args, cwd: Path | None = None, env: dict | None = None, check=None, **kwargs):
        """bin/dango ARGS in the project; `env` adds variables to the project's environment."""
        return run_dango(*args, cwd=cwd or self.root, env={**self.env, **(env or {})}, check=check, **kwargs)

    def sync(self, *names, check=0, **kwargs) -> subprocess.CompletedProcess:
        return self.dango("sync", *names, check=check, **kwargs)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    def add_source(self, name: str, code: str, function: str | None = None, module: str | None = None, **entry):
        """Write custom_sources/<module>.py and register it in sources.yml."""
        module = module or name
        self.write(f"custom_sources/{module}.py", code)
        self.register(name, module, function or name, **entry)

    def register(self, name: str, module: str, function: str, kwargs: dict | None = None, **entry):
        document = yaml.safe_load(self.sources_yml.read_text())
        document["sources"] = (document.get("sources") or []) + [
            {
                "name": name,
                "type": "dlt_native",
                **entry,
                "dlt_native": {"source_module": module, "source_function": function, "function_kwargs": kwargs or {}},
            }
        ]
        self.sources_yml.write_text(yaml.safe_dump(document, sort_keys=False))

    @property
    def sources_yml(self) -> Path:
        return self.root / ".dango" / "sources.yml"

    @property
    def warehouse(self) -> Path:
        return self.root / "data" / "warehouse.duckdb"

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return conn.execute(sql).fetchall()

    def count(self, table: str) -> int:
        return self.query(f"select count(*) from {table}")[0][0]

    def files_with(self, secret: str) -> list[Path]:
        """Files under data/ (logs, dlt's state and traces, the warehouse) whose bytes hold `secret`."""
        found = (path for path in (self.root / "data").rglob("*") if path.is_file())
        return [path for path in found if secret.encode() in path.read_bytes()]

    def tables(self, dataset: str) -> set[str]:
        rows = self.query(f"select table_name from information_schema.tables where table_schema = '{dataset}'")
        return {name for (name,) in rows}


@pytest.fixture
def env(tmp_path) -> dict:
    home = tmp_path / "home"
    home.mkdir()
    return clean_env(home)


@pytest.fixture
def project(tmp_path, env) -> Project:
    root = tmp_path / "project"
    run_dango("init", root, cwd=tmp_path, env=env, check=0)
    return Project(root, env)


@pytest.fixture
def demo(tmp_path, env) -> Project:
    """A copy of the demo project at the repository root."""
    root = tmp_path / "demo"
    for part in (".dango", "custom_sources", "dbt"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("target", "logs", "__pycache__"))
    return Project(root, env)


@pytest.fixture
def api():
    server = FakeApi().start()
    yield server
    server.stop()


# The files that take longest (`--durations=0`, summed per file), longest first. With `-n 2 --dist
# loadfile` each file goes whole to one worker; started last, a long one would keep that worker busy
# while the other has finished. Approximate, and only an order: a file missing here runs after these.
HEAVIEST_FIRST = (
    "integration/test_faults.py",
    "integration/test_sync.py",
    "integration/test_remote.py",
    "integration/test_when_data_goes_wrong.py",
    "integration/test_own_project.py",
    "integration/test_validate.py",
    "integration/test_postgres.py",
    "integration/test_spec_examples.py",
    "integration/test_source_add.py",
    "integration/test_parallel.py",
    "integration/test_dbt.py",
    "integration/test_readers.py",
    "integration/test_source_test_and_remove.py",
)


def pytest_configure(config):
    """xdist would order files by their number of tests, which puts a file of one long test last."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items):
    """A test's folder is its suite: `make test-unit` (-m unit) never misses a unit test left unmarked.
    The heaviest files come first (a stable sort: each file's tests keep their order)."""
    for item in items:
        suite = item.path.parent.name
        if suite in ("unit", "integration"):
            item.add_marker(suite)
    rank = {name: place for place, name in enumerate(HEAVIEST_FIRST)}
    items.sort(key=lambda item: rank.get(f"{item.path.parent.name}/{item.path.name}", len(rank)))
