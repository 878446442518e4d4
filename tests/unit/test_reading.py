"""The pure parts of safe reading: who holds the file, the read copy's swap, query's checks and output."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from runner.config.errors import FAILED_EXIT_CODE
from runner.report import query, shell
from runner.warehouse import file_holder, read_copy

CONFLICT = (
    'IO Error: Could not set lock on file "/p/data/warehouse.duckdb": Conflicting lock is held in '
    "/usr/bin/python3.11 (PID {pid}). However, you would be able to open this database in read-only mode"
)


def test_the_holder_is_named_from_duckdbs_error_with_its_command_line():
    mine = file_holder.holder_of(Exception(CONFLICT.format(pid=os.getpid())))
    command_line = Path(f"/proc/{os.getpid()}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    assert mine.pid == os.getpid() and mine.command == command_line and "\n" not in mine.command
    gone = file_holder.holder_of(Exception(CONFLICT.format(pid=2**22 + 1)))  # above pid_max: no such process
    assert str(gone) == f"PID {2**22 + 1} (/usr/bin/python3.11)"
    assert file_holder.holder_of(Exception("IO Error: No space left on device")) is None


def test_a_writer_waits_names_the_holder_once_and_gives_up_after_its_timeout(tmp_path):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    hold = "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); print(1, flush=True); input()"
    holder = subprocess.Popen([sys.executable, "-c", hold, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    said: list[str] = []
    try:
        holder.stdout.readline()
        with pytest.raises(file_holder.HeldOutside) as gave_up:
            file_holder.open_when_free(path, 0.5, time.monotonic() + 0.5, "w.duckdb", "read/w.duckdb", said.append)
    finally:
        holder.communicate(b"\n")
    assert gave_up.value.exit_code == FAILED_EXIT_CODE
    assert f"w.duckdb was still open in PID {holder.pid} ({sys.executable} -c import duckdb" in str(gave_up.value)
    assert len(said) == 1 and f"PID {holder.pid}" in said[0] and "the read copy read/w.duckdb" in said[0]
    file_holder.open_when_free(path, 0.5, time.monotonic() + 0.5, "w.duckdb", "read/w.duckdb").close()


def test_the_read_copy_is_replaced_whole_and_an_open_reader_keeps_its_own(tmp_path):
    source, target = tmp_path / "warehouse.duckdb", tmp_path / "read" / "warehouse.duckdb"
    source.write_bytes(b"first")
    read_copy.publish(source, target)
    with target.open("rb") as reader:
        source.write_bytes(b"second, longer")
        published = read_copy.publish(source, target)
        assert reader.read() == b"first"
    assert target.read_bytes() == b"second, longer" and published.method in ("reflink", "copy")
    assert sorted(path.name for path in target.parent.iterdir()) == ["warehouse.duckdb"]  # no scratch file left


@pytest.mark.parametrize(
    "sql", ["insert into t values (1)", "attach 'other.duckdb'", "copy t to 'x.csv'", "drop table t"]
)
def test_query_refuses_statements_that_write(sql):
    with pytest.raises(query.WriteRefused, match="statements are refused: `dango query` and `dango shell` only read"):
        query.check_read_only(f"select 1; {sql}", "duckdb")


def test_query_prints_the_limit_and_the_total():
    with duckdb.connect() as conn:
        result = query.execute(conn, "select range as n, 'a,b' as s from range(250)", "duckdb", 100)
    assert (len(result.rows), result.total) == (100, 250)
    out = io.StringIO()
    query.print_result(result, "table", "the read copy", out)
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["n   s", "0   a,b"]
    assert lines[-1] == "(first 100 of 250 rows shown (--limit 0 shows all); read from the read copy)"
    out = io.StringIO()
    query.print_result(query.Result(["n", "s"], [(1, "a,b"), (2, None)], 2), "csv", out=out)
    assert out.getvalue() == 'n,s\n1,"a,b"\n2,\n'


def test_the_duckdb_cli_is_used_only_when_it_reads_this_duckdbs_files():
    assert shell.reads_files_of("v2.0.0 8a5851971f\n", "2.0.0") and shell.reads_files_of("v2.1.3 x", "2.0.0")
    assert not shell.reads_files_of("v1.5.6 0d84ccf478\n", "2.0.0") and not shell.reads_files_of("", "2.0.0")
