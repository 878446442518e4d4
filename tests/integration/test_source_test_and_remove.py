"""`source test` on each source type (a good API, a 401, a missing secret, files, SQLite) while the
warehouse lock is held, leaving data/ and the models as they were; `validate` on dlt init's
placeholders; `source remove` with and without --drop-data, for a registered and a removed source."""

import hashlib
import sqlite3
from pathlib import Path

from runner.warehouse import lock
from tests.integration import test_when_data_goes_wrong as bad_week
from tests.integration.test_rest_api_and_files import HELPDESK
from tests.integration.test_when_data_goes_wrong import answer_in_terminal

engine = bad_week.engine  # its fixture: the test runs on DuckDB and on PostgreSQL

LOCKED_AND_FILES = """
  - name: locked
    type: rest_api
    rest_api:
      client:
        base_url: {url}/
        auth:
          type: bearer
          token: ${{WRONG_TOKEN}}
      resources:
        - name: data
          endpoint:
            path: data
            params:
              api_key: ${{WRONG_TOKEN}}
  - name: csvs
    type: files
    files:
      bucket_url: files
      format: csv
      options:
        delimiter: ";"
  - name: shopdb
    type: sql_database
    sql_database:
      credentials: sqlite:///shop.sqlite
"""
NEEDS_KEY = """
import dlt


@dlt.source
def needs_key(api_key: str = dlt.secrets.value):
    @dlt.resource
    def things():
        yield [{"id": i} for i in range(100)]

    return things
"""
WRONG_TOKEN = "sk_wrong_98765zz"


def snapshot(*folders: Path) -> dict[str, tuple[int, str]]:
    """Every file under `folders`: its modification time and the digest of its bytes."""
    files = (path for folder in folders for path in folder.rglob("*") if path.is_file())
    return {str(path): (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()) for path in files}


def test_source_test_runs_each_type_beside_a_held_lock_and_changes_nothing(project, api, tmp_path):
    project.write(".env", f"HELPDESK_TOKEN={api.api_key}\nWRONG_TOKEN={WRONG_TOKEN}\n")
    project.write(".dango/sources.yml", HELPDESK.format(url=api.url) + LOCKED_AND_FILES.format(url=api.url))
    project.add_source("needs_key", NEEDS_KEY)
    (project.root / "files").mkdir()
    (project.root / "files" / "a.csv").write_text("id;name\n1;a\n2;b\n3;c\n")
    (project.root / "files" / "b.csv").write_text("id;name\n4;d\n")
    with sqlite3.connect(project.root / "shop.sqlite") as db:
        db.execute("create table customers (id integer primary key, name text)")
        db.executemany("insert into customers values (?, ?)", [(i, f"customer {i}") for i in range(1, 30)])
    project.sync("helpdesk")
    api.requests_seen.clear()
    data = project.root / "data"
    # As while a sync of helpdesk loads: its own lock and the warehouse's, both held.
    with lock.hold(data / "warehouse.duckdb.lock", 5, "a sync"), lock.hold(data / "locks" / "helpdesk.lock", 5, "x"):
        before = snapshot(data, project.root / "dbt")
        scratch = tmp_path / "scratch"  # where its throwaway pipeline and warehouse go
        scratch.mkdir()
        good = project.dango("source", "test", "helpdesk", "--rows", "5", env={"TMPDIR": str(scratch)}, timeout=60)
        unauthorized = project.dango("source", "test", "locked", timeout=60)
        missing = project.dango("source", "test", "needs_key", timeout=60)
        files = project.dango("source", "test", "csvs", "--rows", "3", timeout=60)
        database = project.dango("source", "test", "shopdb", "--rows", "2", timeout=60)
        after = snapshot(data, project.root / "dbt")

    assert good.returncode == 0, good.stdout + good.stderr
    assert "resource tickets: table tickets, 5 rows" in good.stdout, good.stdout
    assert "columns: id bigint, subject text, updated_at timestamp" in good.stdout
    assert "ticket 5" in good.stdout and "ticket 6" not in good.stdout
    assert "resource comments: table comments, 5 rows" in good.stdout  # a child endpoint, cut too
    assert len(api.seen("/v2/tickets")) == 1  # the first page had the rows: no second page asked for
    assert after == before  # no state, load, log or model written
    assert list(scratch.iterdir()) == []  # and the throwaway place is gone

    assert unauthorized.returncode == 1, unauthorized.stdout + unauthorized.stderr
    assert f"401 Client Error: Unauthorized for url: {api.url}/data?api_key=***" in unauthorized.stderr
    assert WRONG_TOKEN not in unauthorized.stdout + unauthorized.stderr

    assert missing.returncode == 1 and "set SOURCES__NEEDS_KEY__API_KEY in .env" in missing.stderr, missing.stderr

    assert files.returncode == 0, files.stdout + files.stderr
    assert "resource csvs: table csvs, 3 rows" in files.stdout and "columns: id bigint, name text" in files.stdout
    assert database.returncode == 0, database.stdout + database.stderr
    assert "resource customers: table customers, 2 rows" in database.stdout and "customer 2" in database.stdout

    # dlt init's placeholders are warnings naming file, line and key, not a clean bill of health.
    project.write(".dlt/secrets.toml", '[sources.notion]\napi_key = "<configure me>" # please set me up!\n')
    checked = project.dango("validate")
    assert (
        ".dlt/secrets.toml:2: field 'sources.notion.api_key': `sources.notion.api_key` is still dlt's placeholder "
        '"<configure me>". Replace it with the real value, or set SOURCES__NOTION__API_KEY in .env' in checked.stdout
    ), checked.stdout


ITEMS = """
import dlt


@dlt.resource
def {name}():
    yield [{{"id": 1, "tags": ["a", "b"]}}]
"""
ALPHA = """\
  - name: alpha
    type: dlt_native
    dlt_native: {source_module: alpha, source_function: alpha}

"""
BETA = """\
  # beta: the old CRM, going away
  - name: beta
    type: dlt_native
    dlt_native:
      source_module: beta
      source_function: beta   # its function

"""
GAMMA = """\
  - name: gamma   # never synced
    type: dlt_native
    enabled: false
    dlt_native: {source_module: gamma, source_function: gamma}
"""


def test_source_remove_keeps_the_data_or_drops_it_and_never_an_edited_model(project, engine):
    for name in ("alpha", "beta", "gamma"):
        project.write(f"custom_sources/{name}.py", ITEMS.format(name=name))
    # the engine's `warehouse:` section, if any, then the team's file
    head = project.sources_yml.read_text().replace("sources: []\n", "# the team's sources\nsources:\n")
    project.sources_yml.write_text(head + ALPHA + BETA + GAMMA)
    project.sync()
    staging = project.root / "dbt" / "models" / "staging"
    beta_files = {"stg_beta__beta.sql", "stg_beta__beta__tags.sql", "_beta__sources.yml"}
    assert beta_files <= {path.name for path in staging.iterdir()}

    kept = project.dango("source", "remove", "beta", check=0)
    assert project.sources_yml.read_text() == head + ALPHA + GAMMA  # the rest byte for byte
    assert "raw_beta in " in kept.stdout and "(tables: beta, beta__tags)" in kept.stdout, kept.stdout
    assert "data/pipelines/beta" in kept.stdout and "stg_beta__beta.sql" in kept.stdout
    assert "drop them with: bin/dango source remove beta --drop-data" in kept.stdout
    assert engine.tables("raw_beta") >= {"beta", "beta__tags"} and (project.root / "data/pipelines/beta").is_dir()

    # The data of a source no longer registered: refused without a terminal or --yes, waits for a
    # sync of it, then asked at a terminal.
    unasked = project.dango("source", "remove", "beta", "--drop-data", input="")
    assert unasked.returncode == 2 and "pass --yes" in unasked.stderr, unasked.stderr
    with lock.hold(project.root / "data" / "locks" / "beta.lock", 5, "dango sync beta"):
        busy = project.dango("source", "remove", "beta", "--drop-data", "--yes", "--lock-timeout", "0.5")
    assert busy.returncode == 1 and "still held by" in busy.stderr and "dango sync beta" in busy.stderr, busy.stderr
    assert engine.tables("raw_beta") >= {"beta"}  # nothing changed yet
    screen = answer_in_terminal(project, "source remove beta --drop-data", "y")
    assert "dropped raw_beta" in screen and "deleted data/pipelines/beta" in screen, screen
    assert engine.tables("raw_beta") == set() and not (project.root / "data/pipelines/beta").exists()
    assert not beta_files & {path.name for path in staging.iterdir()}
    again = project.dango("source", "remove", "beta", "--drop-data", "--yes", check=2)
    assert "nothing to remove" in again.stderr

    # A registered source at once, in a script; the model the user edited stays.
    edited = staging / "stg_alpha__alpha__tags.sql"
    edited.write_text("-- mine now\n" + edited.read_text())
    gone = project.dango("source", "remove", "alpha", "--drop-data", "--yes", check=0)
    assert "dropped raw_alpha" in gone.stdout and "removed it from .dango/sources.yml" in gone.stdout, gone.stdout
    assert "kept dbt/models/staging/stg_alpha__alpha__tags.sql: you edited it" in gone.stdout
    assert edited.exists() and not (staging / "stg_alpha__alpha.sql").exists()
    assert engine.tables("raw_alpha") == set()
    assert project.sources_yml.read_text() == head + GAMMA
