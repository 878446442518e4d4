"""The child process that runs one source: import it, call it, run its dlt pipeline.

Started by `runner.sync.parent` as `python -P -m runner.sync.child SPEC` with the project root as working
folder and the path of a pickled `ChildSpec`; it writes a `ChildResult` to the spec's `result_path` and
exits 0 on success, 1 on failure (runner/sync/handoff.py). Anything it prints is relayed (redacted)
by the parent. A child that dies without a result is reported by the parent from its exit code.

Only the steps that touch the warehouse hold its write lock: restoring state from it and loading
(on a DuckDB file; PostgreSQL and MotherDuck take many writers and need none). Extraction and
normalization run unlocked, so sources run side by side with `--jobs`. A source that reads a DuckDB
warehouse while extracting takes the lock shared (runner/warehouse/read_guard.py). The child holds a
per-source lock for its whole life, so one source never runs twice at once.
"""

import atexit
import os
import pickle
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

from runner import warehouse
from runner.config.errors import DangoError, GaveUpWaiting
from runner.config.project import Project
from runner.sync import explain, process, progress, tables
from runner.sync.handoff import ChildResult, ChildSpec, RunRecord, Status
from runner.sync.loader import SourceError
from runner.sync.tracker import Tracker

MAX_BACKOFF = 60
TRANSIENT_HTTP_STATUS = {408, 429, 500, 502, 503, 504}
# Ctrl-C reaches every process of the terminal's group, this one too, often before the parent has
# marked its children as stopped: the result says so itself.
INTERRUPTED = "stopped by SIGINT"


def main() -> int:
    process.die_with_parent(int(sys.argv[2]))  # a sync killed with SIGKILL stops nothing itself
    return run_main(Path(sys.argv[1]))


def run_main(spec_path: Path) -> int:
    """Run the source of the spec at `spec_path`; also the entry of a child forked warm
    (runner/sync/warm.py)."""
    spec: ChildSpec = pickle.loads(spec_path.read_bytes())
    spec_path.unlink()
    started = time.time()
    project = Project(spec.root)
    target = warehouse.for_project(project, spec.warehouse)
    name = spec.source.name
    tracker = Tracker(project.custom_sources).start()
    try:
        if spec.trial_rows is not None:  # `source test`: a throwaway pipeline and warehouse, so no lock
            from runner.sync import trial_child

            result = trial_child.run(spec, project, target)
        else:
            with source_lock(spec, project, target, tracker):
                result = run(spec, project, target, tracker)
    except KeyboardInterrupt:
        result = ChildResult(name, Status.CANCELLED, error=INTERRUPTED)
    except Exception as error:
        if isinstance(root_cause(error), KeyboardInterrupt):  # dlt wraps it in PipelineStepFailed
            result = ChildResult(name, Status.CANCELLED, error=INTERRUPTED)
        else:
            gave_up = isinstance(root_cause(error), GaveUpWaiting)
            result = ChildResult(name, Status.FAILED, gave_up=gave_up, **describe_failure(error, target, spec.source))
    tracker.stop()
    result.seconds = round(time.time() - started, 3)
    result.write(spec.result_path)
    return 0 if result.status == Status.OK else 1


@contextmanager
def source_lock(spec: ChildSpec, project: Project, target, tracker: Tracker):
    """Held for the child's whole life: two syncs of one source never share its dlt working folder,
    nor, on an engine that several machines load into, its dataset."""
    name, announce = spec.source.name, tracker.wait_for("another run of this source")
    with source_locks(project, target, name, spec.lock_timeout, f"dango sync {name}", announce):
        yield


@contextmanager
def source_locks(project: Project, target, name: str, timeout: float, purpose: str, announce):
    """The source's own locks: its file in data/locks, and the engine's for its dataset. A sync's child
    holds them for its whole life; `state` and `source remove` take them so that a sync ends first."""
    from runner.warehouse import lock

    path = project.data / "locks" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with lock.hold(path, timeout, purpose, announce), target.source_lock(name, timeout, announce):
        yield


def run(spec: ChildSpec, project: Project, target, tracker: Tracker) -> ChildResult:
    sys.path.insert(0, str(project.custom_sources))
    from runner import sources
    from runner.sync import dlt_settings, recovery, refresh, schema_changes
    from runner.warehouse import read_guard

    dlt_settings.register(target.dlt_defaults())
    announce_wait = tracker.wait_for("the warehouse lock")
    target.guard_reads(spec.lock_timeout, announce_wait, lambda: wait_for_earlier(spec))
    source = spec.source
    function = sources.function_for(source, project)
    pipeline = make_pipeline(source, project, target, tracker)

    def locked():
        return target.write_lock(spec.lock_timeout, f"dango sync {source.name}", on_wait=announce_wait)

    dlt_settings.keep_no_trace(Path(pipeline.working_dir))
    recovery.drop_committed_extracts(Path(pipeline.working_dir))
    with locked():
        pipeline.sync_destination()  # the state in the warehouse wins when newer, or data/pipelines is gone
    pending = load_pending(pipeline, locked) if pipeline.has_pending_data else {}
    # A full refresh loads beside the source and swaps in one transaction (runner/sync/refresh.py);
    # one of a source that never loaded is a plain sync.
    side = refresh.prepare_side(source, project, target, locked) if full_refresh(spec, pipeline) else None
    loader = side or pipeline
    columns_before = schema_changes.columns_by_table(loader.default_schema if loader.default_schema_name else None)
    resource_tables = extract_with_retries(loader, function, spec, dlt_settings.loader_file_format())
    normalized = loader.normalize()
    read_guard.uninstall()
    with locked():
        loaded = loader.load()
        for warning in schema_changes.variant_warnings(columns_before, loader.default_schema, source.name):
            progress.say(warning)
        load_ids = list(loaded.loads_ids)
        if side:
            swapped = refresh.swap_in(pipeline, side, list(spec.options.resources))
            load_ids = swapped.load_ids  # the side's loads, now the source's, and the swap's own
            progress.say(f"full refresh: {', '.join(swapped.tables) or 'no tables'} swapped in at once")
        rows = tables.rows(normalized.row_counts, tables.names(loader, resource_tables, spec.options.resources))
        rows = {table: rows.get(table, 0) + pending.get(table, 0) for table in sorted({*rows, *pending})}
        action = spec.options.describe()
        record = RunRecord(source.name, Status.OK, spec.started, time.time(), rows, load_ids, "", spec.log, action)
        # While the lock is held anyway: record the run and refresh the staging models, so neither
        # costs the parent an import of DuckDB or another turn at the lock.
        target.insert_run(record.as_dict())
        staging_report = generate_staging(project, target, source) if staging_stale(project, source, loaded) else []
    return ChildResult(source.name, Status.OK, rows=rows, load_ids=load_ids, record=record, staging=staging_report)


def full_refresh(spec: ChildSpec, pipeline) -> bool:
    return spec.options.full_refresh and pipeline.default_schema_name is not None


def staging_stale(project: Project, source, loaded) -> bool:
    """The staging models follow the warehouse's tables: only a load that added tables or columns,
    or a missing sources file, calls for writing them again."""
    from runner.transform.staging import dbt_sources_file, staging_dir

    if not (staging_dir(project) / dbt_sources_file(source.name)).exists():
        return True
    return any(package.schema_update for package in loaded.load_packages)


def generate_staging(project: Project, target, source) -> list[str]:
    """Refresh the staging models and return the report lines. A failure here is reported, and never
    fails the load that happened."""
    from runner.transform import staging

    try:
        return staging.generate_locked(project, target, [source])[0]
    except Exception as error:
        return [
            f"[{source.name}] staging models not generated: {type(error).__name__}: {error}. The load is kept; "
            "run `bin/dango generate` to write them."
        ]


def wait_for_earlier(spec: ChildSpec) -> None:
    """Wait until the sources listed before this one in the sync have ended (the parent marks them)."""
    from runner.warehouse import lock

    markers = [spec.run_dir / f"{name}.done" for name in spec.earlier]

    def announce():
        waiting = ", ".join(m.stem for m in markers if not m.exists())
        began = time.monotonic()
        progress.say(f"waiting for {waiting} (listed before this source) to finish, then reading the warehouse")
        return lambda: progress.say(f"done waiting for {waiting} after {time.monotonic() - began:.1f}s")

    if not lock.poll(lambda: all(marker.exists() for marker in markers), spec.lock_timeout, announce, 0.1):
        raise GaveUpWaiting(
            f"sources listed before this one did not finish within {spec.lock_timeout:g}s, so this one did not "
            "read the warehouse. Sync it again once they are done, or raise --lock-timeout."
        )


def load_pending(pipeline, locked) -> dict[str, int]:
    """Finish the packages an interrupted run extracted or normalized, before extracting anew;
    return the rows they loaded per table."""
    from runner.sync import recovery

    progress.say("loading what an interrupted earlier run left pending")
    if pipeline.list_extracted_load_packages():
        pipeline.normalize()
    with locked():
        loaded = pipeline.load()
        rows = recovery.rows_loaded(pipeline, list(loaded.loads_ids))
        # A kill can fall between dlt committing a package and saving its local state, so the
        # state that package carried may be newer than ours.
        pipeline.sync_destination()
    progress.say(f"loaded pending rows: {', '.join(f'{t} {n}' for t, n in rows.items()) or 'none'}")
    return rows


def extract_with_retries(pipeline, function, spec: ChildSpec, file_format: str | None):
    """Extract, building the source anew for each attempt after a transient error; the tables its
    resources name."""
    retries = spec.source.retries
    for attempt in range(retries + 1):
        try:
            data = call_source(function, spec, pipeline)
            pipeline.extract(data, loader_file_format=file_format)
            return tables.of_resources(data)
        except Exception as error:
            if attempt == retries or not is_transient(error):
                raise
            delay = min(2**attempt, MAX_BACKOFF)
            progress.say(f"attempt {attempt + 1} failed: {one_line(error)}; retrying in {delay}s")
            time.sleep(delay)


def make_pipeline(source, project: Project, target, tracker: Tracker | None = None, pipelines_dir: Path | None = None):
    """The source's pipeline; `tracker` counts its progress in a sync (runner/sync/state.py has none);
    `pipelines_dir` replaces data/pipelines (`source test` runs in a temporary folder)."""
    import dlt
    from dlt.common.runtime.collector import NULL_COLLECTOR

    return dlt.pipeline(
        pipeline_name=source.name,
        pipelines_dir=str(pipelines_dir or project.pipelines_dir),
        destination=target.destination(),
        dataset_name=source.dataset,
        progress=tracker or NULL_COLLECTOR,
    )


def announce_wait(holder: str) -> None:
    """A lock wait of a command run outside a sync (runner/sync/state.py), printed as it starts."""
    print(f"waiting for the warehouse lock, held by {holder}", flush=True)


def call_source(function, spec: ChildSpec, pipeline):
    """The source of one attempt: the user's function called with function_kwargs, or a built-in
    type's (a wrong argument is the user's to fix); then --resource and --since/--until applied (a
    backfill ends at the cursors saved in `pipeline`'s state), stopping on a primary key or write
    disposition changed since the last load."""
    from runner import sources
    from runner.sync import cursors, options, schema_changes

    source = spec.source
    made = sources.build(function, source)
    if not spec.options.plain:
        saved = pipeline.state
        made = options.prepare(made, spec.options, source.name, lambda r, c: cursors.saved_last_value(saved, r, c))
    if pipeline.default_schema_name:  # a full refresh's side pipeline has none: it is the fix
        schema_changes.declared_changes(options.selected(made, (), source.name), pipeline.default_schema, source.name)
    return made


def describe_failure(error: BaseException, target, source) -> dict:
    """The error's first line and the last frames of the traceback where it was raised."""
    if isinstance(error, SourceError | DangoError):
        return {"error": str(error), "traceback": ""}
    root = root_cause(error)
    explained = target.explain(root)
    if explained:
        return {"error": explained, "traceback": ""}
    frames = traceback.format_exception(type(root), root, root.__traceback__)
    missing = explain.missing_config(root, source.function, source.name)
    if missing:
        return {"error": missing, "traceback": "", "log_only": "".join(frames)}
    return {"error": f"{type(root).__name__}: {str(root).strip()}", "traceback": "".join(frames[-4:])}


def is_transient(error: BaseException) -> bool:
    """Errors that can pass on their own: network failures, HTTP 408, 429 and 5xx. Never code bugs."""
    root = root_cause(error)
    requests = sys.modules.get("requests")  # a requests error exists only if requests was imported
    if requests and isinstance(root, requests.HTTPError):
        status = getattr(root.response, "status_code", None)
        return status in TRANSIENT_HTTP_STATUS or (status or 0) >= 500
    if requests and isinstance(root, requests.ConnectionError | requests.Timeout):
        return True
    return isinstance(root, ConnectionError | TimeoutError)


def one_line(error: BaseException) -> str:
    root = root_cause(error)
    return f"{type(root).__name__}: {str(root).strip().splitlines()[0] if str(root).strip() else ''}"


def root_cause(error: BaseException) -> BaseException:
    """The user's exception inside dlt's wrappers (PipelineStepFailed, ResourceExtractionError...)."""
    seen = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "exception", None) or error.__cause__
        if not isinstance(inner, BaseException):
            break
        error = inner
    return error


def exit_now(code: int) -> None:
    """Exit without the interpreter's teardown. Freeing dlt's, pyarrow's and DuckDB's modules one by
    one takes about 0.25 s, a fifth of a small source's whole sync; by now the load is committed, the
    result written and every file closed. Exit handlers (logging's flush among them) still run."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    exit_now(main())
