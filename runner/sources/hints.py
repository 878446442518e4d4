"""A source entry's `resources:` settings, applied with dlt's `apply_hints` (`--resource` is runner/sync/options.py).

An incremental `initial_value` is compared by dlt with the cursor column's values, so it takes the
column's type where the resource declares one (sql_database reflects every column): a quoted
timestamp becomes a timestamp (naive for a column without time zone), a date for a date column, a
number for a numeric one. Where no type is known, a date or timestamp is one too, except in a
rest_api source, whose JSON values are text and are compared as text.
"""

from datetime import UTC, date, datetime

from runner.config.source_blocks import typed_initial_value
from runner.config.sources_yml import Source
from runner.sync.loader import SourceError

NUMERIC = {"bigint", "double", "decimal", "wei"}


def apply(built, source: Source):
    """`built` (a DltSource or DltResource) with the settings of sources.yml applied."""
    from dlt.extract.source import DltSource

    resources = dict(built.resources) if isinstance(built, DltSource) else {built.name: built}
    for name in source.resources:
        if name not in resources:
            known = ", ".join(f"`{n}`" for n in resources) or "none"
            raise SourceError(
                f"source `{source.name}` has no resource `{name}`; its resources: {known}",
                "Fix the name in .dango/sources.yml.",
                f"resources.{name}",
            )
    for name, settings in source.resources.items():
        apply_settings(resources[name], settings or {}, source.type)
    return built


def apply_settings(resource, settings: dict, source_type: str) -> None:
    import dlt

    hints = {key: settings[key] for key in ("write_disposition", "primary_key", "merge_key") if key in settings}
    incremental = settings.get("incremental")
    if incremental:
        cursor = incremental["cursor_path"]
        initial = initial_value(resource, cursor, incremental.get("initial_value"), source_type)
        hints["incremental"] = dlt.sources.incremental(cursor, initial_value=initial)
    if hints:
        resource.apply_hints(**hints)
    if "selected" in settings:
        resource.selected = settings["selected"]


def initial_value(resource, cursor: str, value, source_type: str):
    """`value` in the type of the cursor column, as the module docstring says."""
    if value is None:
        return None
    column = column_hints(resource).get(cursor, {})
    data_type = column.get("data_type")
    if data_type is None:
        return value if source_type == "rest_api" else typed_initial_value(value)
    if data_type in NUMERIC or data_type == "text":
        return numeric_or_text(value, data_type)
    typed = typed_initial_value(value.isoformat() if isinstance(value, date) else value)
    if data_type == "date":
        return typed.date() if isinstance(typed, datetime) else typed
    return as_timestamp(typed, column) if data_type == "timestamp" and isinstance(typed, date) else typed


def as_timestamp(value: date, column: dict) -> datetime:
    """A datetime (midnight UTC for a date), naive for a column without time zone (as its rows are)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if column.get("timezone") is False:
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def numeric_or_text(value, data_type: str):
    if data_type == "text":
        return value.isoformat() if isinstance(value, date) else value
    return (float(value) if "." in value else int(value)) if isinstance(value, str) else value


def column_hints(resource) -> dict:
    """The resource's declared columns; none when its table depends on the data."""
    try:
        return resource.compute_table_schema().get("columns") or {}
    except Exception:
        return {}
