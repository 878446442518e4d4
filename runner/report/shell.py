"""`dango shell`: an interactive SQL prompt on the warehouse, read-only.

On a DuckDB file it reads the read copy, like `dango query` (runner/report/query.py says why): with
DuckDB's own CLI (`duckdb -readonly`) where one is on the PATH, else with the small prompt below,
built on the duckdb package. The prompt also serves PostgreSQL and MotherDuck, and a DuckDB file
without a read copy, where it reads under the shared lock one statement at a time (a sync waits for
a statement, never for the prompt). Each statement opens its connection anew, so the prompt always
reads the newest copy. Writes are refused with the same message as `dango query`.
"""

import re
import shutil
import subprocess
import sys

from runner.config.errors import DangoError
from runner.report import query

TABLES = (
    "select table_schema || '.' || table_name as \"table\" from information_schema.tables "
    "where table_schema not in ('information_schema', 'pg_catalog') order by 1"
)
QUIT = {".quit", ".exit", "\\q", "quit", "exit"}


def shell(target, limit: int) -> int:
    copy = getattr(target, "read_copy_path", None)
    cli = duckdb_cli() if copy and copy.exists() else None
    if cli:
        print(f"dango shell: DuckDB's CLI on the read copy {target.project.relative(copy)}, read-only", flush=True)
        return subprocess.call([cli, "-readonly", str(copy)])
    with target.reading() as (_, source):  # fails now, not at the first statement, when there is nothing to read
        pass
    if sys.stdin.isatty():
        import readline  # noqa: F401  line editing and history for input()
    print(f"dango shell: {source}, read-only. End a statement with `;`; `.tables` lists the tables, `.quit` leaves.")
    prompt(target, limit)
    return 0


def duckdb_cli() -> str | None:
    """DuckDB's CLI on the PATH, if it reads what Dango's DuckDB writes: an older one cannot read a newer
    file format (the CLI 1.5 refuses DuckDB 2.0's files)."""
    import duckdb

    cli = shutil.which("duckdb")
    if not cli:
        return None
    try:
        version = subprocess.run([cli, "--version"], check=False, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    if not reads_files_of(version, duckdb.__version__):
        print(
            f"dango shell: {cli} is DuckDB {version.split()[0] if version else '?'}, older than this project's "
            f"{duckdb.__version__}, and cannot read its files: using Dango's own prompt",
            flush=True,
        )
        return None
    return cli


def reads_files_of(cli_version: str, package_version: str) -> bool:
    """Whether a CLI that prints `cli_version` (`v2.0.1 abc123`) is at least the package's major.minor."""
    found = re.match(r"v?(\d+)\.(\d+)", cli_version.strip())
    wanted = re.match(r"(\d+)\.(\d+)", package_version)
    if not (found and wanted):
        return False
    return tuple(map(int, found.groups())) >= tuple(map(int, wanted.groups()))


def prompt(target, limit: int) -> None:
    lines: list[str] = []
    while True:
        try:
            line = input("dango> " if not lines else "   ...> ")
        except EOFError:
            print()
            return
        except KeyboardInterrupt:
            print()
            lines = []
            continue
        command = line.strip()
        if not lines and command in QUIT:
            return
        if not lines and command == ".tables":
            run(target, TABLES, limit=0)
            continue
        if command:
            lines.append(line)
        if command.endswith(";"):
            run(target, "\n".join(lines), limit)
            lines = []


def run(target, sql: str, limit: int) -> None:
    """One statement; an error is printed and the prompt goes on."""
    try:
        with target.reading() as (conn, _):
            result = query.execute(conn, sql, target.type, limit)
    except DangoError as error:
        print(f"error: {error}", flush=True)
        return
    query.print_result(result, "table")
    sys.stdout.flush()
