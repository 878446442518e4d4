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

import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

from runner.project import Project


class SourceError(Exception):
    """The source cannot be set up; the message says what to fix."""


def main() -> int:
    spec = json.load(sys.stdin)
    started = time.time()
    try:
        result = {"status": "ok", **run(spec)}
    except Exception as error:
        result = {"status": "failed", **describe_failure(error)}
    result["seconds"] = round(time.time() - started, 3)
    result_path = Path(spec["result_path"])
    result_path.with_suffix(".tmp").write_text(json.dumps(result))
    result_path.with_suffix(".tmp").replace(result_path)
    return 0 if result["status"] == "ok" else 1


def run(spec: dict) -> dict:
    project = Project(Path(spec["root"]))
    sys.path.insert(0, str(project.custom_sources))
    from runner import dlt_settings, warehouse

    dlt_settings.register()
    data = call_source(load_function(spec["module"], spec["function"], project), spec)
    target = warehouse.for_project(project)
    pipeline = make_pipeline(spec["name"], project, target)
    with target.write_lock(spec["lock_timeout"], f"dango sync {spec['name']}", on_wait=announce_wait):
        info = pipeline.run(data, loader_file_format=dlt_settings.loader_file_format())
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


def load_function(module_name: str, function_name: str, project: Project):
    """The decorated function `function_name` of `module_name`, or SourceError saying what is wrong."""
    from dlt.extract.reference import SourceFactory
    from dlt.extract.resource import DltResource

    module = import_module(module_name, project)
    function = getattr(module, function_name, None)
    if isinstance(function, SourceFactory | DltResource):
        return function
    where = getattr(module, "__file__", None) or module_name
    decorated = sorted(n for n, v in vars(module).items() if isinstance(v, SourceFactory | DltResource))
    found = ", ".join(f"`{n}`" for n in decorated) or "none"
    problem = "is not decorated with @dlt.source or @dlt.resource" if function else "not found"
    raise SourceError(
        f"source_function `{function_name}` {problem} in {project.relative(Path(where))}; "
        f"decorated functions there: {found}. Fix source_function in .dango/sources.yml."
    )


def import_module(module_name: str, project: Project):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and (module_name == error.name or module_name.startswith(error.name + ".")):
            folder = project.relative(project.custom_sources)
            path = module_name.replace(".", "/")
            raise SourceError(
                f"source_module `{module_name}` not found: looked for {folder}/{path}.py, "
                f"{folder}/{path}/__init__.py and installed packages. Check the file name (without .py) "
                "in .dango/sources.yml, or install the package into the project's .venv."
            ) from None
        raise SourceError(
            f"source_module `{module_name}` imports `{error.name}`, which is not installed. Add it to "
            "requirements.txt in the project root and run `make setup`."
        ) from error


def call_source(function, spec: dict):
    """Call the source function with function_kwargs; a wrong argument is the user's to fix."""
    import inspect

    kwargs = spec["kwargs"]
    try:
        inspect.signature(function).bind_partial(**kwargs)
    except TypeError as error:
        accepted = ", ".join(inspect.signature(function).parameters) or "none"
        raise SourceError(
            f"function_kwargs do not fit `{spec['function']}`: {error}. Accepted arguments: {accepted}."
        ) from None
    return function(**kwargs)


def announce_wait(holder: str) -> None:
    print(f"waiting for the warehouse lock, held by {holder}", flush=True)


def describe_failure(error: BaseException) -> dict:
    """The error's first line and the last frames of the traceback where it was raised."""
    if isinstance(error, SourceError) or type(error).__name__ == "LockTimeout":
        return {"error": str(error), "traceback": ""}
    root = root_cause(error)
    frames = traceback.format_exception(type(root), root, root.__traceback__)
    return {"error": f"{type(root).__name__}: {str(root).strip()}", "traceback": "".join(frames[-4:])}


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
