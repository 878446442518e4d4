"""Repair what a kill can leave in a dlt working folder, before dlt looks at it, and count what a
sync then loads of it.

dlt's normalize step commits a package by renaming `load/new/<id>` to `load/normalized/<id>` and
then deletes `normalize/extracted/<id>` ("do not kill this process" in its log). A kill between the
two leaves the package in both places; the next run would normalize it again and fail renaming onto
the committed one. The rename is the commit point, so the extracted copy is the one to drop.
"""

import shutil
from pathlib import Path


def drop_committed_extracts(working_dir: Path) -> None:
    """Delete extracted packages that were already committed as normalized."""
    extracted = working_dir / "normalize" / "extracted"
    normalized = working_dir / "load" / "normalized"
    if not extracted.is_dir() or not normalized.is_dir():
        return
    both = sorted({p.name for p in extracted.iterdir()} & {p.name for p in normalized.iterdir()})
    for load_id in both:
        shutil.rmtree(extracted / load_id)


def rows_loaded(pipeline, load_ids: list[str]) -> dict[str, int]:
    """Rows per table that the loads `load_ids` added, counted in the warehouse: packages normalized
    by an earlier, interrupted run carry no row counts of their own. Nested tables, which have no
    `_dlt_load_id` column, are not counted."""
    schema = pipeline.default_schema
    tables = [t for t in schema.data_table_names() if "_dlt_load_id" in schema.get_table_columns(t)]
    if not load_ids or not tables:
        return {}
    placeholders = ", ".join(["%s"] * len(load_ids))
    rows = {}
    with pipeline.sql_client() as client:
        for table in sorted(tables):
            qualified = client.make_qualified_table_name(table)
            sql = f"select count(*) from {qualified} where _dlt_load_id in ({placeholders})"
            count = client.execute_sql(sql, *load_ids)[0][0]
            if count:
                rows[table] = count
    return rows
