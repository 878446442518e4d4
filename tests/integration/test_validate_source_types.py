"""bin/dango validate on rest_api, sql_database and files sources: each mistake named with its file,
line, source and field, without loading data and without printing a secret."""

import importlib.util
import sqlite3

WRITTEN_OUT = """
version: '1.0'
sources:
  - name: shop
    type: sql_database
    sql_database:
      credentials: postgresql://dango:hunter2-secret@db.internal:5432/shop
    resources:
      orders:
        incremental:
          cursor_path: updated_at
          initial_value: "2024-02-30T00:00:00"
  - name: helpdesk
    type: rest_api
    rest_api:
      client:
        base_url: http://127.0.0.1:9/
        auth:
          type: bearer
          token: tok-written-out
      resources: [tickets]
"""

CHECKED = """
version: '1.0'
sources:
  - name: lite
    type: sql_database
    sql_database:
      credentials: sqlite:///data/shop.db
      table_names: [orders, ordres]
  - name: helpdesk
    type: rest_api
    rest_api:
      client:
        base_url: http://127.0.0.1:9/
        auth:
          type: bearer
          token: ${HELPDESK_TOKEN}
      resources: [tickets]
    resources:
      tickest:
        write_disposition: merge
  - name: drop
    type: files
    files:
      bucket_url: incoming
      format: csv
  - name: native_sql
    type: dlt_native
    dlt_native:
      source_module: dlt.sources.sql_database
      source_function: sql_database
  - name: no_driver
    type: sql_database
    sql_database:
      credentials: mssql://reader@127.0.0.1/shop
  - name: no_sqlalchemy
    type: dlt_native
    dlt_native:
      source_module: needs_sqlalchemy
      source_function: shop
"""
# What dlt raises on importing its sql_database source where SQLAlchemy is not installed.
NEEDS_SQLALCHEMY = """
from dlt.common.exceptions import MissingDependencyException

raise MissingDependencyException("SQL Database", ["sqlalchemy>=1.4"])
"""


def test_written_out_secrets_and_bad_timestamps_are_refused(project):
    project.write(".dango/sources.yml", WRITTEN_OUT)
    result = project.dango("validate", check=1)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "ERROR .dango/sources.yml:6: source 'shop': field 'sql_database.credentials': a URL with a password is written"
    ), result.stdout
    assert "as `SHOP_CREDENTIALS=...`, and write `credentials: ${SHOP_CREDENTIALS}` here instead" in lines[0]
    assert (
        "source 'shop': field 'resources.orders.incremental.initial_value': '2024-02-30T00:00:00' is not a date"
        in lines[1]
    )
    assert ":19: source 'helpdesk': field 'rest_api.client.auth.token': a secret is written out" in lines[2]
    assert "hunter2-secret" not in result.stdout and "tok-written-out" not in result.stdout
    assert project.sync(check=2).returncode == 2  # sync refuses the file as well


def test_each_source_type_is_checked_without_loading(project):
    (project.root / "data").mkdir(exist_ok=True)
    with sqlite3.connect(project.root / "data" / "shop.db") as conn:
        conn.execute("create table orders (id integer primary key)")
    project.write(".dango/sources.yml", CHECKED)
    project.write("custom_sources/needs_sqlalchemy.py", NEEDS_SQLALCHEMY)
    result = project.dango("validate", check=1)
    out = result.stdout
    assert ":7: source 'lite': field 'sql_database.table_names': no table `ordres` in the default schema; " in out
    assert ":15: source 'helpdesk': field 'rest_api.client.auth.token': HELPDESK_TOKEN is not set" in out
    project.write(".env", "HELPDESK_TOKEN=tok-from-env\n")
    result = project.dango("validate", check=1)
    out = result.stdout
    assert ":18: source 'helpdesk': field 'resources.tickest': source `helpdesk` has no resource `tickest`; " in out
    assert "its resources: `tickets`" in out
    assert ":23: source 'drop': field 'files.bucket_url': no folder incoming" in out
    # dlt's own sql_database without credentials: validate used to crash on its nested lookups
    assert ":27: source 'native_sql': field 'dlt_native.function_kwargs': `sql_database` needs the secret" in out
    assert "set SOURCES__SQL_DATABASE__CREDENTIALS in .env, or `credentials = " in out
    assert (
        ":37: source 'no_sqlalchemy': field 'dlt_native.source_module': source_module `needs_sqlalchemy` needs " in out
    )
    assert "sqlalchemy>=1.4, which is not installed. Run `make setup EXTRAS=sql`" in out
    if importlib.util.find_spec("pymssql") is None:  # `make test` does not install it
        line = (
            ":33: source 'no_driver': field 'sql_database.credentials': the package pymssql is not installed "
            "(a mssql:// source needs it). Run `make setup EXTRAS=mssql`"
        )
        assert line in out
    assert "validate: 6 errors, 0 warnings in 6 sources" in out
    assert "tok-from-env" not in out
    assert not (project.root / "data" / "warehouse.duckdb").exists()
