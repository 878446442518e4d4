"""The child process that runs one source: import it, call it, run its dlt pipeline.

Started by `runner.sync` as `python -m runner.child` with the project root as working folder and a
JSON spec on stdin; it writes a JSON result to the spec's `result_path` and exits 0 on success, 1 on
failure. Anything it prints is relayed (redacted) by the parent. A child that dies without a result
is reported by the parent from its exit code.

The warehouse lock is held for the whole pipeline run, so incremental state restored from the
warehouse and the load that advances it are never interleaved with another writer. dlt opens the
DuckDB file only while it syncs state and loads, so a source may read it with read_only=True
during extraction.
"""

import json
import os
import pickle
import sys
import time
import traceback
from pathlib import Path

from runner.project import Project
from runner.source_loader import SourceError, check_kwargs, load_function

MAX_BACKOFF = 60
TRANSIENT_HTTP_STATUS = {408, 429, 500, 502, 503, 504}


def main() -> int:
    spec_path = Path(sys.argv[1])
    spec = pickle.loads(spec_path.read_bytes())  # pickled: YAML dates in function_kwargs stay dates
    spec_path.unlink()
    started = time.time()
    try:
        result = {"status": "ok", **run(spec)}
    except Exception as error:
        result = {"status": "failed", **describe_failure(error, spec)}
    result["seconds"] = round(time.time() - started, 3)
    result_path = Path(spec["result_path"])
    result_path.with_suffix(".tmp").write_text(json.dumps(result))
    result_path.with_suffix(".tmp").replace(result_path)
    return 0 if result["status"] == "ok" else 1


def run(spec: dict) -> dict:
    project = Project(Path(spec["root"]))
    sys.path.insert(0, str(project.custom_sources))
    from runner import dlt_settings, recovery, warehouse

    dlt_settings.register()
    function = load_function(spec["module"], spec["function"], project)
    target = warehouse.for_project(project)
    pipeline = make_pipeline(spec["name"], project, target)
    lock = lambda: target.write_lock(spec["lock_timeout"], f"dango sync {spec['name']}", on_wait=announce_wait)  # noqa: E731
    recovery.drop_committed_extracts(Path(pipeline.working_dir))
    if pipeline.has_pending_data:
        # An earlier run was killed after extracting: dlt's run() loads what is pending, then stops
        # without extracting, so finish that first and go on with a fresh extraction.
        print("loading what an interrupted earlier run left pending", flush=True)
        with lock():
            pipeline.run()
            # A kill can fall between dlt committing a package and saving its local state, so the
            # state that package carried may be newer than ours; run() syncs only once per process.
            pipeline.sync_destination()
    for attempt in range(spec["retries"] + 1):
        try:
            data = call_source(function, spec)  # anew on each attempt: generators run once
            with lock():
                info = pipeline.run(data, loader_file_format=dlt_settings.loader_file_format())
            break
        except Exception as error:
            if attempt == spec["retries"] or not is_transient(error):
                raise
            delay = min(2**attempt, MAX_BACKOFF)
            print(f"attempt {attempt + 1} failed: {one_line(error)}; retrying in {delay}s", flush=True)
            time.sleep(delay)
    counts = pipeline.last_trace.last_normalize_info.row_counts if pipeline.last_trace.last_normalize_info else {}
    return {
        "rows": {table: n for table, n in counts.items() if not table.startswith("_dlt")},
        "load_ids": list(info.loads_ids),
    }


def make_pipeline(name: str, project: Project, target):
    import dlt

    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(project.pipelines_dir),
        destination=target.destination(),
        dataset_name=f"raw_{name}",
    )


def call_source(function, spec: dict):
    """Call the source function with function_kwargs; a wrong argument is the user's to fix."""
    check_kwargs(function, spec["function"], spec["kwargs"])
    return function(**spec["kwargs"])


def announce_wait(holder: str) -> None:
    print(f"waiting for the warehouse lock, held by {holder}", flush=True)


def describe_failure(error: BaseException, spec: dict) -> dict:
    """The error's first line and the last frames of the traceback where it was raised."""
    if isinstance(error, SourceError) or type(error).__name__ == "LockTimeout":
        return {"error": str(error), "traceback": ""}
    root = root_cause(error)
    duckdb = sys.modules.get("duckdb")
    warehouse_file = str(Project(Path(spec["root"])).data / "warehouse.duckdb")
    if duckdb and isinstance(root, duckdb.Error) and warehouse_file in str(root):
        return {
            "error": f"data/warehouse.duckdb cannot be read by DuckDB {duckdb.__version__}: {root}. If it is "
            "damaged, move it aside (the next sync reloads every source) or restore a backup.",
            "traceback": "",
        }
    frames = traceback.format_exception(type(root), root, root.__traceback__)
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


if __name__ == "__main__":
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    sys.exit(main())
