"""Datasets in the warehouse that no registered source loads any more: what renaming a source in
sources.yml leaves behind. The renamed source starts again from scratch in its new dataset, and the
old one stays untouched (Dango never drops data); a sync that runs a source for the first time says so.
"""

import shlex
import sys

from runner import warehouse
from runner.config.project import Project
from runner.config.sources_yml import DATASET_PREFIX, Source
from runner.sync import history


def first_runs(project: Project, selected: list[Source]) -> list[str]:
    """The selected sources that have never run: the only ones a rename can have made."""
    ran = {entry["source"] for entry in history.runs(project)}
    return [source.name for source in selected if source.name not in ran]


def report(project: Project, registered: list[Source], new: list[str], lock_timeout: float) -> None:
    """Print a note on each dataset loaded by dlt that belongs to no registered source."""
    if not new:
        return
    target = warehouse.for_project(project)
    try:
        # Under the write lock: a DuckDB file opened even read-only fails another process's load.
        with target.write_lock(lock_timeout, "dango sync (looking for renamed sources)"):
            datasets = target.catalog(DATASET_PREFIX).tables
    except Exception:
        return  # a note only: the sync has reported its own errors
    kept = {source.dataset for source in registered}
    for dataset in sorted(name for name, tables in datasets.items() if "_dlt_loads" in tables and name not in kept):
        print(
            f"note: {dataset} in {target.describe()} belongs to no source in .dango/sources.yml; if you renamed "
            f"a source (first run now: {', '.join(new)}), its old data stays there and was loaded again. Rename it "
            f"back to keep one copy, or drop the old one with SQL: `drop schema {dataset} cascade`"
            + drop_command(target, dataset)
        )


def drop_command(target, dataset: str) -> str:
    """For a DuckDB file, the command that drops the dataset with Dango's own DuckDB."""
    if target.settings.get("type", "duckdb") != "duckdb":
        return "."
    sql = f"drop schema {dataset} cascade"
    code = f"import duckdb; duckdb.connect({target.describe()!r}).execute({sql!r})"
    return f", such as: {shlex.quote(sys.executable)} -c {shlex.quote(code)}"
