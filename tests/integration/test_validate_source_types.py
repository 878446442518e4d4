"""bin/dango validate on rest_api, sql_database and files sources: each mistake named with its file,
line, source and field, without loading data and without printing a secret."""

import sqlite3

import pytest

pytestmark = pytest.mark.integration

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
    assert "validate: 4 errors, 0 warnings in 4 sources" in out
    assert "tok-from-env" not in out
    assert not (project.root / "data" / "warehouse.duckdb").exists()
