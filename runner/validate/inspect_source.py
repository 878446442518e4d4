"""`python -m runner.inspect_source`: check registered sources without running them, for validate.

Started by `runner.validate.checks` with the project root as working folder and the environment a sync
gives a source (.env loaded). Reads {"timeout": seconds, "sources": [{"root", "name", "type",
"module", "function", "kwargs", "config", "resources"}, ...]} as JSON on stdin and writes one result
per source, in order, as a JSON list on stdout: {"problems": [...]} (each with `field`, `message`,
`fix`, and `file` and `line` when it points into the user's code), {"exit_code": n} for a check that
died, or {"timed_out": true}.

Importing dlt takes most of a check's time, so it is imported once, and each source is then checked
in a child forked from this process: a module that crashes, exits or hangs on import takes only its
own child down. A check imports the module (which runs its top-level code) but never calls the
source function, opens no pipeline and never touches the warehouse. Required arguments are resolved
the way dlt resolves them when sync calls the function: same config sections, same providers
(environment, .dlt/secrets.toml, .dlt/config.toml). What modules print goes to stderr, so stdout
holds only the answer. A built-in type (rest_api, sql_database, files) is built as sync builds it,
which reads no data; a sql_database source connects and lists its tables.
"""

import inspect
import json
import os
import re
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from runner.config import secret_refs
from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.sync import process
from runner.sync.loader import KWARGS_FIELD, MODULE_FIELD, SourceError, check_kwargs, load_function

ENV_PROVIDER = "Environment Variables"


def main() -> int:
    request = json.load(sys.stdin)
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever a user's module prints must not mix with the JSON answer
    import dlt  # noqa: F401  (imported before forking: every check then starts with it)

    json.dump(check_all(request["sources"], request["timeout"]), answer)
    answer.close()
    return 0


def check_all(specs: list[dict], timeout: float) -> list[dict]:
    """Check every source at once, each in its own forked child; kill those still running at `timeout`."""
    with tempfile.TemporaryDirectory(prefix="dango-validate-") as scratch:
        children, me = {}, os.getpid()
        for index, spec in enumerate(specs):
            answer = Path(scratch) / f"{index}.json"
            pid = os.fork()
            if pid == 0:
                process.die_with_parent(me)
                _check_in_child(spec, answer)
            children[pid] = (index, answer)
        results: list[dict] = [{"timed_out": True}] * len(specs)
        deadline = time.monotonic() + timeout
        while children and time.monotonic() < deadline:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(0.01)
                continue
            index, answer = children.pop(pid)
            code = os.waitstatus_to_exitcode(status)
            answered = code == 0 and answer.exists()  # a module may end its process with os._exit(0)
            results[index] = {"problems": json.loads(answer.read_text())} if answered else {"exit_code": code}
        for pid in children:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return results


def _check_in_child(spec: dict, answer: Path) -> None:
    """Write the problems of one source to `answer` and end the forked child; never returns."""
    code = 1
    try:
        answer.write_text(json.dumps(check(spec)))
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)  # skips the parent's cleanup, which the parent runs itself


def check(spec: dict) -> list[dict]:
    """The problems of one source, in the order a sync would meet them."""
    project = Project(Path(spec["root"]))
    sys.path.insert(0, str(project.custom_sources))
    source = Source(**{key: value for key, value in spec.items() if key != "root"})
    unset = unset_references(source)
    if unset or source.type != "dlt_native":
        return unset or built_in_problems(source)
    name, kwargs = source.function, secret_refs.resolve(source.kwargs, os.environ, mappings=False)
    try:
        function = load_function(spec["module"], name, project)
    except SourceError as error:
        return [problem(error.field, error.message, error.fix)]
    except (Exception, SystemExit) as error:
        return [import_failure(error, spec["module"], project)]
    try:
        check_kwargs(function, name, kwargs)
    except SourceError as error:
        return [problem(error.field, error.message, error.fix)]
    return missing_arguments(function, name, kwargs) + unresolved_config(function, name, kwargs)


def unset_references(source: Source) -> list[dict]:
    """A problem for each `${NAME}` or `{env: NAME}` whose variable is set nowhere."""
    native = source.type == "dlt_native"
    block, value = (KWARGS_FIELD, source.kwargs) if native else (source.type, source.config)
    return [
        problem(
            ".".join((block, *map(str, path))),
            f"{variable} is not set (.env or the environment), and this field refers to it",
            f"Add `{variable}=...` to the project's .env (kept out of git), or set it in the environment.",
        )
        for path, variable in secret_refs.references(value, mappings=not native)
        if not os.environ.get(variable)
    ]


def built_in_problems(source: Source) -> list[dict]:
    """A rest_api, sql_database or files source checked without reading data: dlt builds the source
    (which checks a REST API config, and finds a missing package), and sql_database connects and
    looks for its tables."""
    import importlib

    from runner.sources import hints

    module = importlib.import_module(f"runner.sources.{source.type}")
    config = secret_refs.resolve(source.config, os.environ)
    try:
        if hasattr(module, "check"):
            checked = module.check(config, source.resources, source.name)
            return [problem(field, message, fix) for field, message, fix in checked]
        hints.apply(module.build(config, source.resources, source.name), source)
    except SourceError as error:
        return [problem(error.field, error.message, error.fix)]
    except Exception as error:
        text = str(error).strip().splitlines()
        reason = f"{type(error).__name__}" + (f": {text[0]}" if text else "")
        fix = "Fix the block by dlt's docs for it."
        return [problem(rejected_field(error, source.type), f"dlt cannot build this source: {reason}", fix)]
    return []


def rejected_field(error: Exception, block: str) -> str:
    """The field dlt's config validation names (`Path ./client: field paginator`), below `block`,
    so the problem points at its line; the block itself for any other error."""
    path, name = getattr(error, "path", None), getattr(error, "field", None)
    if not isinstance(path, str):
        return block
    parts = [part for part in re.split(r"[/\[\]]+", path) if part not in ("", ".")]
    return ".".join([block, *parts, *([name] if isinstance(name, str) else [])])


def problem(field: str, message: str, fix: str, file: str | None = None, line: int | None = None) -> dict:
    return {"field": field, "message": message, "fix": fix, "file": file, "line": line}


def import_failure(error: BaseException, module_name: str, project: Project) -> dict:
    """The exception a module raised on import, located at the line of the user's code that raised it."""
    if isinstance(error, SyntaxError) and error.filename:
        file, line = error.filename, error.lineno
    else:
        frames = traceback.extract_tb(error.__traceback__)
        own = [f for f in frames if Path(f.filename).is_relative_to(project.custom_sources)] or frames[-1:]
        file, line = (own[-1].filename, own[-1].lineno) if own else (None, None)  # type: ignore[assignment]
    text = str(error).strip().splitlines()
    return problem(
        MODULE_FIELD,
        f"importing `{module_name}` raised {type(error).__name__}" + (f": {text[0]}" if text else ""),
        "Fix the code at that line: it runs whenever the module is imported, before any data is loaded.",
        project.relative(Path(file)) if file else None,
        line,
    )


def missing_arguments(function, name: str, kwargs: dict) -> list[dict]:
    """Arguments without a default that function_kwargs do not give: dlt cannot fill those either."""
    parameters = list(inspect.signature(function).parameters.values())
    if getattr(function, "is_transformer", False):
        parameters = parameters[1:]  # dlt passes each item of the parent resource in the first one
    keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [
        problem(
            KWARGS_FIELD,
            f"`{name}` requires the argument `{p.name}`, which function_kwargs do not give",
            f"add `{p.name}: ...` under function_kwargs, or give the argument a default in the code "
            f"(`{p.name}=dlt.secrets.value` to read a secret from .env or .dlt/secrets.toml).",
        )
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind in keyword and p.name not in kwargs
    ]


def unresolved_config(function, name: str, kwargs: dict) -> list[dict]:
    """Arguments declared `dlt.secrets.value` or `dlt.config.value` that dlt finds nowhere."""
    from dlt.common.configuration import resolve_configuration
    from dlt.common.configuration.exceptions import ConfigFieldMissingException, ConfigurationException
    from dlt.common.configuration.inject import get_fun_spec, inject_section
    from dlt.common.configuration.specs.base_configuration import is_secret_hint

    spec = get_fun_spec(function)
    if spec is None:
        return []
    try:
        with inject_section(section_context(function)):
            resolve_configuration(spec(), explicit_value=kwargs)
    except ConfigFieldMissingException as error:
        hints = spec.get_resolvable_fields()
        return [
            missing_config(name, field, error.traces.get(field, []), field in hints and is_secret_hint(hints[field]))
            for field in error.fields
        ]
    except ConfigurationException as error:
        first_line = str(error).strip().splitlines()[0]
        return [
            problem(
                KWARGS_FIELD,
                f"dlt cannot resolve the arguments of `{name}`: {first_line}",
                "Check the values given in function_kwargs, .env and .dlt/.",
            )
        ]
    return []


def section_context(function):
    """The config sections dlt uses when sync calls `function`: sources.<section>.<name>."""
    from dlt.common.configuration.specs.config_section_context import ConfigSectionContext
    from dlt.extract.resource import DltResource

    if isinstance(function, DltResource):
        sections = ("sources", function.section, function.name)
        return ConfigSectionContext(sections=sections, merge_style=ConfigSectionContext.resource_merge_style)
    sections = ("sources", function.section or function.ref.section, function.name or function.ref.name)
    return ConfigSectionContext(sections=sections)


def missing_config(name: str, field: str, traces: list, secret: bool) -> dict:
    """Name the environment variables dlt tried, and the one and the TOML section to set."""
    traces = flat_traces(traces)
    tried = list(dict.fromkeys(t.key for t in traces if t.provider == ENV_PROVIDER))
    # dlt tries sources.<section>.<name>, then sources.<section>, ...: the section level is what
    # dlt's docs show and what one .env line can set for every function of the module.
    chosen = next((t for t in traces if len(t.sections) == 2), traces[0] if traces else None)
    env_var = chosen.key if chosen and chosen.provider == ENV_PROVIDER else (tried or [field.upper()])[0]
    table = ".".join(chosen.sections) if chosen else "sources"
    toml = f'`{field} = "..."` under [{table}] in .dlt/{"secrets" if secret else "config"}.toml'
    where = (
        f"set {env_var} in .env, or {toml}"
        if secret
        else f"add `{field}:` under function_kwargs, set {env_var} in .env, or {toml}"
    )
    return problem(
        KWARGS_FIELD,
        f"`{name}` needs the {'secret' if secret else 'setting'} `{field}`, and dlt found none "
        f"(looked for {', '.join(tried) or field} in the environment and .dlt/)",
        where + ".",
    )


def flat_traces(traces: list) -> list:
    """The lookups of a field. An embedded configuration (a database's `credentials`) comes as
    LookupTraces, with the lookups of each of its own fields: those of its first field, one level
    up, stand for the field itself (SOURCES__SQL_DATABASE__CREDENTIALS, not ...__DRIVERNAME)."""
    from dlt.common.configuration.exceptions import LookupTraces

    flat = []
    for trace in traces:
        if isinstance(trace, LookupTraces):
            first = flat_traces(next(iter(trace.traces.values()), []))
            flat += [t._replace(sections=t.sections[:-1], key=t.key.rsplit("__", 1)[0]) for t in first]
        else:
            flat.append(trace)
    return flat


if __name__ == "__main__":
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    sys.exit(main())
