"""`dango source test NAME`: run a source for real into a throwaway place and show what it would load.

`try_source` runs the source in a sync's child process (runner/sync/child.py, so a crash or a hang
never takes the command down), with the spec's `trial_rows` set: the child then takes no lock and runs
runner/sync/trial_child.py, on a pipeline in a temporary folder that loads into a temporary DuckDB
file, both deleted afterwards. The warehouse, data/ (state, logs, run history) and the staging models are never
touched, and a sync may run meanwhile. Incremental resources start from their initial values.

Each resource is cut to `trial_rows` rows (how, with dlt's add_limit: runner/sync/trial_child.py).
"""

import sys
import tempfile
import time
from pathlib import Path

from runner.config import environment
from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.sync import progress
from runner.sync.handoff import ChildResult, ChildSpec, Status

DEFAULT_ROWS = 10
CELL_WIDTH = 40


def try_source(project: Project, source: Source, rows: int) -> int:
    """Run `source` in a child process into a temporary folder; print each resource's tables, or the
    failure. The exit code: 0 when the source ran, 1 when it failed."""
    from runner.sync.parent import Child, read_result, report_lines, secret_kwargs

    env = environment.child_environment(project)
    redact = environment.redactor(project, secret_kwargs(source, env))
    print(f"source test {source.name}: at most {rows} rows per resource, into a temporary DuckDB file", flush=True)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix=f"dango-source-test-{source.name}-") as scratch:
        folder = Path(scratch)
        spec = ChildSpec(
            root=project.root,
            source=source,
            lock_timeout=0,
            result_path=folder / "result.json",
            run_dir=folder,
            earlier=[],
            started=started,
            log="",
            warehouse={"type": "duckdb", "path": str(folder / "trial.duckdb")},
            trial_rows=rows,
        )
        child = Child(spec, project, env, source.timeout, None)
        try:
            child.relay(lambda line: relay(source.name, line, redact))
        except KeyboardInterrupt:
            child.stop("SIGINT")
            raise
        result = read_result(spec.result_path, source.name, child, time.time() - started)
    if result.status != Status.OK:
        for line in report_lines(result):
            print(redact(line), file=sys.stderr)
        print(f"source test: {source.name} failed; nothing was written to the warehouse or data/", file=sys.stderr)
        return 1
    for line in preview_lines(result, redact):
        print(line)
    print(
        f"source test: {source.name} works; nothing was written to the warehouse or data/. "
        f"`bin/dango sync {source.name}` loads it."
    )
    return 0


def relay(name: str, line: str, redact) -> None:
    """The child's line: the source's own output behind `|`, Dango's messages as they are, no progress."""
    text, kind, payload = progress.parse(line)
    if text or not kind:
        print(redact(f"[{name}] | {text}"), flush=True)
    if kind == "say":
        print(redact(f"[{name}] {payload}"), flush=True)


def preview_lines(result: ChildResult, redact) -> list[str]:
    """Each resource's tables, their columns and first rows; secrets masked (cell by cell, so that the
    columns of the rows stay aligned)."""
    from runner.report.table import format_table

    lines = [f"[{result.name}] ok in {result.seconds:.1f}s"]
    for resource in result.preview:
        if not resource["tables"]:
            lines.append(f"resource {resource['resource']}: no rows")
        for table in resource["tables"]:
            lines.append(f"resource {resource['resource']}: table {table['name']}, {table['rows']} rows")
            lines.append("  columns: " + ", ".join(f"{name} {kind}" for name, kind in table["columns"]))
            if table["sample"]:
                rows = [
                    tuple(table["shown"]),
                    *(tuple(cell(value, redact) for value in row) for row in table["sample"]),
                ]
                lines += [f"  {line}" for line in format_table(rows)]
    return [redact(line) for line in lines]


def cell(value, redact) -> str:
    text = "" if value is None else redact(str(value))
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 3] + "..."
