"""`type: files`: one table from the files of a folder or bucket, through dlt's filesystem source.

Exactly one reader, chosen by `format`: CSV through DuckDB (dlt's `read_csv_duckdb`, so pandas
is not needed), JSON lines, Parquet (as Arrow batches); `options` go to it as they are (DuckDB's
read_csv options such as `delimiter` for CSV). A relative `bucket_url` is a folder of the
project; `s3://`, `gs://` and `az://` go through fsspec (s3fs, gcsfs or adlfs installed). Files are
listed incrementally on their modification time: an unchanged file is never loaded twice, a
changed one is loaded again (set a primary_key under `resources:` to merge its rows instead).
"""

from pathlib import Path

from runner.sources import drivers

DEFAULT_GLOBS = {"csv": "*.csv", "jsonl": "*.jsonl", "parquet": "*.parquet"}
PROTOCOL_PACKAGES = {"s3": drivers.S3FS}


def build(config: dict, resources: dict, name: str):
    import dlt
    from dlt.sources.filesystem import filesystem, read_csv_duckdb, read_jsonl, read_parquet

    bucket_url = bucket(config["bucket_url"])
    credentials = config.get("credentials")
    listing = filesystem(
        bucket_url=bucket_url,
        file_glob=config.get("file_glob") or DEFAULT_GLOBS[config["format"]],
        incremental=dlt.sources.incremental("modification_date"),
        **({"credentials": credentials} if credentials else {}),
    )
    options = config.get("options") or {}
    reader = {
        "csv": lambda: read_csv_duckdb(use_pyarrow=True, **options),
        "jsonl": lambda: read_jsonl(**options),
        "parquet": lambda: read_parquet(use_pyarrow=True, **options),
    }[config["format"]]()
    return (listing | reader).with_name(config.get("table_name") or name)


def bucket(url: str) -> str:
    """A bucket URL as fsspec reads it: a relative folder is the project's (the working folder)."""
    protocol, separator, _ = url.partition("://")
    if separator:
        if protocol in PROTOCOL_PACKAGES:
            drivers.require([PROTOCOL_PACKAGES[protocol]], "files.bucket_url", f"a {protocol}:// bucket")
        return url
    return Path(url).expanduser().resolve().as_uri()


def check(config: dict, resources: dict, name: str) -> list[tuple[str, str, str]]:
    """Without listing a bucket: the package its protocol needs, a local folder that exists, and
    `resources:` naming the one table. Each problem as (field, message, fix)."""
    url = config["bucket_url"]
    bucket(url)
    problems = []
    if "://" not in url and not Path(url).expanduser().is_dir():
        fix = "Create it, or fix the path (relative to the project folder)."
        problems.append(("files.bucket_url", f"no folder {config['bucket_url']}", fix))
    table = config.get("table_name") or name
    for resource in resources:
        if resource != table:
            problems.append((f"resources.{resource}", f"this source loads one table, `{table}`", "Name it here."))
    return problems
