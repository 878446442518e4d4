"""The tables of a source, for its `ok` line: every one of them, with 0 where this run brought nothing.

dlt counts only the tables that got rows, and a resource that yielded nothing never reaches the
schema, so the tables are those of the pipeline's schema (child tables of earlier runs too) and
those the source's selected resources name.
"""

DLT_PREFIX = "_dlt"


def of_resources(extracted) -> set[str]:
    """The tables the selected resources of a source (or a lone resource) name, where the name is fixed.
    Read right after extraction, so the source object, with what its resources hold, can go."""
    resources = extracted.resources.selected.values() if hasattr(extracted, "resources") else [extracted]
    return {r.table_name for r in resources if isinstance(getattr(r, "table_name", None), str)}


def names(pipeline, of_resources: set[str], only: tuple[str, ...] = ()) -> set[str]:
    """Every data table of the source: in the schema, or named by a selected resource; with `only`
    (`sync --resource`), the schema's tables of those resources alone, child tables included."""
    schema_tables = {table["name"]: table for table in pipeline.default_schema.data_tables(include_incomplete=True)}

    def resource_of(table: dict) -> str:
        while table.get("parent") in schema_tables:
            table = schema_tables[table["parent"]]
        return table.get("resource") or table["name"]

    tables = {name for name, table in schema_tables.items() if not only or resource_of(table) in only}
    return {name for name in tables | of_resources if not name.startswith(DLT_PREFIX)}


def rows(row_counts: dict[str, int], tables: set[str]) -> dict[str, int]:
    """Rows per table, sorted by name: this run's count, 0 for a table that got none."""
    counted = {table: n for table, n in row_counts.items() if not table.startswith(DLT_PREFIX)}
    return {table: counted.get(table, 0) for table in sorted(tables | set(counted))}
