"""`type: rest_api` and `type: files` from sources.yml alone, each synced twice: exact row counts,
no duplicates, and nothing loaded again that did not change."""

import importlib.util
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

HELPDESK = """
version: '1.0'
sources:
  - name: helpdesk
    type: rest_api
    rest_api:
      client:
        base_url: {url}/v2/
        auth:
          type: bearer
          token: ${{HELPDESK_TOKEN}}
        paginator:
          type: page_number
          base_page: 1
          page_param: page
          total_path: total_pages
      resource_defaults:
        primary_key: id
        write_disposition: merge
      resources:
        - name: tickets
          endpoint:
            path: tickets
            data_selector: data
            params:
              per_page: 10
              updated_since:
                type: incremental
                cursor_path: updated_at
                initial_value: "2024-03-01T00:00:00Z"
        - name: comments
          endpoint:
            path: tickets/{{resources.tickets.id}}/comments
            data_selector: data
            paginator: single_page
"""


# A dlt_native source given the same token by reference, with `resources:` settings: a quoted
# initial_value against datetime rows, and merge on a primary key its code does not declare.
AUDIT = """
import dlt
from datetime import datetime, timezone


@dlt.source
def audit(api_key: str):
    assert api_key.startswith("sk_test"), "the reference was not resolved"

    @dlt.resource
    def entries():
        yield [{"id": d, "at": datetime(2024, 1, d, tzinfo=timezone.utc)} for d in range(1, 6)]

    return entries
"""
AUDIT_SETTINGS = {
    "entries": {
        "primary_key": "id",
        "write_disposition": "merge",
        "incremental": {"cursor_path": "at", "initial_value": "2024-01-02T00:00:00+00:00"},
    }
}


def test_rest_api_paginated_authenticated_with_child_and_cursor(project, api):
    project.write(".env", f"HELPDESK_TOKEN={api.api_key}\n")
    project.write(".dango/sources.yml", HELPDESK.format(url=api.url))
    project.add_source("audit", AUDIT, kwargs={"api_key": "${HELPDESK_TOKEN}"}, resources=AUDIT_SETTINGS)
    checked = project.dango("validate", check=0)
    assert "0 errors, 0 warnings in 2 sources" in checked.stdout, checked.stdout  # a reference is no literal
    first = project.sync()
    assert "comments 90, tickets 45" in first.stdout, first.stdout
    assert "[audit] ok" in first.stdout and "entries 4" in first.stdout, first.stdout
    assert len(api.seen("/v2/tickets")) == 5  # pages of 10
    api.tickets[0]["updated_at"] = "2024-03-29T10:00:00Z"
    api.tickets.append({"id": 46, "subject": "ticket 46", "updated_at": "2024-03-29T11:00:00Z"})
    api.requests_seen.clear()
    second = project.sync()
    assert "comments 4, tickets 2" in second.stdout, second.stdout
    assert api.seen("/v2/tickets")[0]["updated_since"] == "2024-03-28T10:00:00Z"  # the cursor was kept
    assert project.query("select count(*), count(distinct id) from raw_helpdesk.tickets") == [(46, 46)]
    assert project.query("select count(*), count(distinct id) from raw_helpdesk.comments") == [(92, 92)]
    assert project.query("select count(*), count(distinct id), min(id) from raw_audit.entries") == [(4, 4, 2)]
    assert api.api_key not in first.stdout + second.stdout
    assert project.files_with(api.api_key) == []


def write_files(folder, part: int) -> None:
    """Part 1: two CSV files (semicolons), a JSONL and a Parquet file; part 2 adds one of each format."""
    rows = {1: [(1, "a"), (2, "b"), (3, "c")], 2: [(4, "d"), (5, "e")]}[part]
    for index, name in enumerate(["x", "y"][: 2 if part == 1 else 1]):
        chunk = rows[index::2] if part == 1 else rows
        text = "id;name\n" + "".join(f"{i};{n}\n" for i, n in chunk)  # read with options: {delimiter: ";"}
        (folder / "csv" / f"{name}{part}.csv").write_text(text)
    lines = "".join(json.dumps({"id": i, "name": n, "tags": [n]}) + "\n" for i, n in rows)
    (folder / "jsonl" / f"events{part}.jsonl").write_text(lines)
    table = pa.table({"id": [i for i, _ in rows], "name": [n for _, n in rows]})
    pq.write_table(table, folder / "parquet" / f"part{part}.parquet")


@pytest.fixture
def s3():
    if importlib.util.find_spec("moto") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the S3 test, and moto is not installed: `make test` installs it")
        pytest.skip("needs moto's S3 server: `make test` installs it (runner/requirements-test.txt)")
    from tests.s3_server import S3Server

    server = S3Server().start()
    yield server
    server.stop()


def test_files_local_and_on_s3_loaded_once_each(project, s3):
    """CSV, JSONL and Parquet in folders of the project, and CSV in a bucket: a second sync after
    new files arrive loads only those (5 rows in all, not 8)."""
    from tests.s3_server import KEY_ID, SECRET

    incoming = project.root / "incoming"
    for folder in ("csv", "jsonl", "parquet"):
        (incoming / folder).mkdir(parents=True)
    write_files(incoming, 1)
    bucket = s3.client()
    bucket.create_bucket(Bucket="drop")
    bucket.put_object(Bucket="drop", Key="people/a.csv", Body=b"id,name\n1,a\n2,b\n3,c\n")
    project.write(".env", f"S3_KEY_ID={KEY_ID}\nS3_SECRET={SECRET}\n")
    project.write(
        ".dango/sources.yml",
        f"""
        version: '1.0'
        sources:
          - name: csv_drop
            type: files
            files:
              bucket_url: incoming/csv
              format: csv
              table_name: people
              options:
                delimiter: ";"
          - name: jsonl_drop
            type: files
            files:
              bucket_url: incoming/jsonl
              format: jsonl
          - name: parquet_drop
            type: files
            files:
              bucket_url: incoming/parquet
              format: parquet
              file_glob: "*.parquet"
            resources:
              parquet_drop:
                primary_key: id
                write_disposition: merge
          - name: s3_drop
            type: files
            files:
              bucket_url: s3://drop/people
              format: csv
              credentials:
                aws_access_key_id: ${{S3_KEY_ID}}
                aws_secret_access_key: ${{S3_SECRET}}
                endpoint_url: {s3.url}
                region_name: us-east-1
        """,
    )
    first = project.sync()
    for table in ("people", "jsonl_drop", "parquet_drop", "s3_drop"):
        assert f"{table} 3" in first.stdout, first.stdout
    write_files(incoming, 2)
    bucket.put_object(Bucket="drop", Key="people/b.csv", Body=b"id,name\n4,d\n5,e\n")
    second = project.sync()
    for table in ("people", "jsonl_drop", "parquet_drop", "s3_drop"):
        assert f"{table} 2" in second.stdout, second.stdout
    tables = (
        "raw_csv_drop.people",
        "raw_jsonl_drop.jsonl_drop",
        "raw_parquet_drop.parquet_drop",
        "raw_s3_drop.s3_drop",
    )
    for table in tables:
        assert project.query(f"select count(*), count(distinct id) from {table}") == [(5, 5)]
    assert project.query("select name from raw_csv_drop.people where id = 4") == [("d",)]
    assert SECRET not in first.stdout + second.stdout
    assert project.files_with(SECRET) == []
