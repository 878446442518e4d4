"""The child's side of `source test` (runner/sync/trial.py): extract a few rows per resource, load them
into the temporary DuckDB file, and describe the tables they made.

dlt's `add_limit` counts pages (yields) by default; counting rows, it stops the source's generator once
that many rows came, but keeps the page that crossed the limit whole, so a last step (`Trim`) cuts it.
dlt never limits a transformer (a resource fed by another: a child endpoint called per parent row, or
the reader of a `files` source's listing): it is trimmed, and a feed that is no selected resource of its
own (the file listing of `files`) is limited and trimmed too, so at most N files are read.
"""

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from dlt.extract.items_transform import ItemTransform, LimitItem

from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.sync.handoff import ChildResult, ChildSpec, ResourcePreview, Status, TablePreview

SAMPLE_ROWS = 5  # first rows shown per table
BOOKKEEPING = ("_dlt_load_id", "_dlt_id")  # dlt's columns left out of the rows shown (not of the columns)
# A resource that yielded nothing has a table in the schema, but none in the warehouse.
LOADED_TABLES = "select table_name from information_schema.tables where table_schema = ?"


def run(spec: ChildSpec, project: Project, target) -> ChildResult:
    """In the child: extract at most `spec.trial_rows` rows per resource, load them into the temporary
    DuckDB file of `target`, and describe each resource's tables."""
    sys.path.insert(0, str(project.custom_sources))
    from runner import sources
    from runner.sync import child, dlt_settings

    dlt_settings.register(target.dlt_defaults())
    rows = spec.trial_rows
    assert rows is not None  # run_main calls this for a trial only
    spec = replace(spec, source=small_chunks(spec.source, rows))
    source = spec.source
    function = sources.function_for(source, project)
    pipeline = child.make_pipeline(source, project, target, pipelines_dir=spec.run_dir / "pipelines")
    dlt_settings.keep_no_trace(Path(pipeline.working_dir))
    made = child.call_source(function, spec, pipeline)
    resources = limit(made, rows)
    pipeline.extract(made, loader_file_format=dlt_settings.loader_file_format())
    pipeline.normalize()
    pipeline.load()
    return ChildResult(source.name, Status.OK, preview=describe(pipeline, resources))


def small_chunks(source: Source, rows: int) -> Source:
    """A sql_database source reads a table 50,000 rows at a time: a few rows need a chunk of that few."""
    if source.type != "sql_database":
        return source
    from runner.sources.sql_database import DEFAULT_CHUNK_SIZE

    chunk_size = min(source.config.get("chunk_size", DEFAULT_CHUNK_SIZE), rows)
    return replace(source, config={**source.config, "chunk_size": chunk_size})


def limit(made, rows: int) -> list[str]:
    """Cut each selected resource of `made` (a source, or a lone resource) to `rows` rows; their names."""
    resources = list(made.resources.selected.values()) if hasattr(made, "resources") else [made]
    own_pipes = {id(resource._pipe) for resource in resources}
    for resource in resources:
        parent = resource._pipe.parent  # dlt has no public handle on a transformer's feed
        if not resource.is_transformer:
            resource.add_limit(rows, count_rows=True)
        elif parent is not None and id(parent) not in own_pipes:
            parent.append_step(LimitItem(max_items=rows, max_time=None, count_rows=True))
            parent.append_step(Trim(rows))  # a page of 100 files would all be read
        resource.add_step(Trim(rows))
    return [resource.name for resource in resources]


class Trim(ItemTransform):
    """The last step of a resource: passes its first `rows` rows, cutting the page that crosses them."""

    placement_affinity: ClassVar[float] = 1.2  # after dlt's incremental (1) and add_limit (1.1)

    def __init__(self, rows: int) -> None:
        super().__init__(lambda item: item)  # dlt's base wants a function; __call__ does the work
        self.rows = self.left = rows

    def bind(self, pipe):
        self.left = self.rows
        return self

    def __call__(self, item: Any, meta: Any = None) -> Any:
        if item is None or self.left <= 0:
            return None
        if isinstance(item, list) and item and hasattr(item[0], "shape"):  # a list of tables (arrow, pandas)
            kept = [piece for piece in map(self._cut, item) if piece is not None]
            return kept or None
        return self._cut(item)

    def _cut(self, item: Any) -> Any:
        """The rows of `item` (a list of rows, a table, or one row) still wanted, None for none."""
        if self.left <= 0:
            return None
        if not isinstance(item, list) and not hasattr(item, "shape"):
            self.left -= 1
            return item
        kept = item[: self.left]
        self.left -= len(kept)
        return kept if len(kept) else None


def describe(pipeline, resources: list[str]) -> list[ResourcePreview]:
    """Each resource's tables (child tables too) in the temporary warehouse."""
    from dlt.common.schema import utils

    schema = pipeline.default_schema
    by_resource = utils.group_tables_by_resource(
        {str(t["name"]): t for t in schema.data_tables(include_incomplete=True)}
    )
    with pipeline.sql_client() as sql:
        loaded = {name for (name,) in sql.execute_sql(LOADED_TABLES, sql.dataset_name)}
        return [
            ResourcePreview(
                resource=resource,
                tables=[
                    preview(sql, schema, str(table["name"]))
                    for table in by_resource.get(resource, [])
                    if table["name"] in loaded
                ],
            )
            for resource in resources
        ]


def preview(sql, schema, table: str) -> TablePreview:
    """A table's columns with their types, its row count and its first rows."""
    columns = schema.get_table_columns(table)
    shown = [column for column in columns if column not in BOOKKEEPING]
    qualified = sql.make_qualified_table_name(table)
    listed = ", ".join(sql.escape_column_name(column) for column in shown)
    sample = sql.execute_sql(f"select {listed} from {qualified} limit {SAMPLE_ROWS}") if shown else []
    return TablePreview(
        name=table,
        rows=sql.execute_sql(f"select count(*) from {qualified}")[0][0],
        columns=[[column, hint.get("data_type", "unknown")] for column, hint in columns.items()],
        shown=shown,
        sample=[[plain(value) for value in row] for row in sample],
    )


def plain(value):
    """A value as JSON carries it: numbers, text, booleans and null as they are, anything else as text."""
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)
