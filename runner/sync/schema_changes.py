"""Changes to a resource's table since its last load that dlt would apply silently, found at sync time.

- A primary key or write disposition that changed in the code: merging on a new key, or appending to
  a table that was merged, mixes rows of two regimes in one table. Found before anything is extracted
  (from the resource's hints against the schema restored from the warehouse), and the sync stops
  there, changing nothing.
- A column whose values changed type: dlt keeps the old column and puts the new values in a variant
  column (`amount__v_text`). Found after the load (new variant columns in the schema), and reported.

Either way the message ends with the command that fixes it: a full refresh of that resource.
"""

from runner.config.errors import DangoError


def declared_changes(resources: list, schema, source_name: str) -> None:
    """DangoError naming each resource whose primary key or write disposition changed in the code."""
    from dlt.common.schema import utils

    problems = []
    for resource in resources:
        old = schema.tables.get(resource.table_name) if isinstance(resource.table_name, str) else None
        if old is None or not utils.has_table_seen_data(old):
            continue
        try:
            new = resource.compute_table_schema()
        except Exception:  # hints computed from each item: nothing to compare before extracting
            continue
        was, now = old.get("write_disposition"), new.get("write_disposition")
        if was and now and was != now:
            problems.append(fix(source_name, resource.name, f"write disposition changed from {was} to {now}"))
        was_key, now_key = key_of(old), key_of(new)
        if now == "merge" and was_key and now_key and was_key != now_key:
            changed = f"primary key changed from {', '.join(was_key)} to {', '.join(now_key)}"
            problems.append(fix(source_name, resource.name, changed))
    if problems:
        raise DangoError("; ".join(problems) + ". Nothing was loaded.")


def key_of(table: dict) -> list[str]:
    return sorted(name for name, column in table.get("columns", {}).items() if column.get("primary_key"))


def new_variants(before: dict[str, set[str]], schema) -> list[tuple[str, str]]:
    """(table, variant column) pairs the last load added: values of a new type in an old column."""
    found = []
    for name, table in schema.tables.items():
        for column_name, column in table.get("columns", {}).items():
            if column.get("variant") and column_name not in before.get(name, set()):
                found.append((name, column_name))
    return found


def columns_by_table(schema) -> dict[str, set[str]]:
    return {name: set(table.get("columns", {})) for name, table in schema.tables.items()} if schema else {}


def variant_warnings(before: dict[str, set[str]], schema, source_name: str) -> list[str]:
    from dlt.common.schema import utils

    lines = []
    for table, column in new_variants(before, schema):
        resource = utils.get_root_table(schema.tables, table).get("resource", table)
        base = column.split("__v_")[0]
        lines.append(
            f"warning: column {table}.{base} received values of another type, kept apart in {table}.{column}. "
            f"To reload it with one type: bin/dango sync {source_name} --full-refresh --resource {resource}"
        )
    return lines


def fix(source_name: str, resource: str, what: str) -> str:
    return (
        f"resource {resource}: {what} since its last load. Reload it under the new definition with "
        f"`bin/dango sync {source_name} --full-refresh --resource {resource}`"
    )
