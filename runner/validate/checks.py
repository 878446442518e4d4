"""`dango validate`: find every mistake in the configuration that would make a sync fail, in seconds.

Checked in order: sources.yml (everything sync's own check rejects); the warehouse's connection
settings (a PostgreSQL or MotherDuck warehouse is connected to, read-only); files in custom_sources/ that no
source uses; `.env` and `.dlt/secrets.toml` kept out of git; literal secrets in function_kwargs; then
each source at once, in a process of its own (forked by `runner.validate.inspect_source`), so a module that
crashes or hangs on import is reported and never takes validate down.

Invariants: the warehouse and data/ are never written, and dlt is never imported here (only in
`runner.validate.inspect_source`). Every message passes through the project's Redactor. Problems of a disabled
source are warnings: only `sync NAME` runs it. Exit code: 0 without errors (warnings allowed), 1 with.
"""

import dataclasses
import json
import subprocess
import sys
import time

from runner import warehouse
from runner.config import environment, secret_refs, sources_yml
from runner.config.problems import ERROR, WARN, Problem
from runner.config.project import Project
from runner.config.sources_yml import ConfigError, Source
from runner.remote import git
from runner.sync import process
from runner.sync.loader import KWARGS_FIELD, MODULE_FIELD
from runner.validate import env_names, placeholders, unreferenced

# A module's top level should only define things; one that takes this long is doing real work.
IMPORT_TIMEOUT = 60
EXIT_OK, EXIT_ERRORS = 0, 1


def validate(project: Project, as_json: bool, only: str | None = None) -> int:
    """Check the project (of its sources, `only` that one when given), print the problems for a person
    or as JSON, and return the exit code."""
    from runner.sync.parent import secret_kwargs

    started = time.time()
    problems, sources = check(project, only)
    checked = None if sources is None else len(sources)
    env = environment.child_environment(project)
    secrets = [value for source in sources or [] for value in secret_kwargs(source, env)]
    redact = environment.redactor(project, secrets)
    problems = [dataclasses.replace(p, message=redact(p.message), fix=redact(p.fix)) for p in problems]
    errors = sum(p.level == ERROR for p in problems)
    if as_json:
        counts = {"errors": errors, "warnings": len(problems) - errors, "sources": checked}
        print(json.dumps({**counts, "problems": [p.as_dict() for p in problems]}, indent=2))
    else:
        for problem in problems:
            print(f"{problem.level:<5} {problem}")
        print(summary(errors, len(problems) - errors, checked, time.time() - started))
    return EXIT_ERRORS if errors else EXIT_OK


def check(project: Project, only: str | None = None) -> tuple[list[Problem], list[Source] | None]:
    """Every problem found, and the sources that were checked (None when sources.yml is invalid)."""
    try:
        sources = sources_yml.load_sources(project)
    except ConfigError as error:
        return error.problems + git_problems(project) + placeholders.problems(project), None
    warning = unreferenced.warning(project, sources)
    if warning:
        print(warning, file=sys.stderr, flush=True)  # first, as sync and source list show it
    problems = warehouse_problems(project) + unreferenced_problems(project, sources) + git_problems(project)
    problems += placeholders.problems(project)
    environ = env_names.set_names(project)
    checked = [source for source in sources if only in (None, source.name)]
    for source, inspected in zip(checked, inspect_all(project, checked), strict=True):
        found = secret_problems(project, source) + inspected + env_names.problems(project, source, environ)
        problems += found if source.enabled else [disabled(p) for p in found]
    return problems, checked


def summary(errors: int, warnings: int, sources: int | None, seconds: float) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    checked = (
        "; sources not checked until sources.yml is valid" if sources is None else f" in {plural(sources, 'source')}"
    )
    return f"validate: {plural(errors, 'error')}, {plural(warnings, 'warning')}{checked} ({seconds:.1f}s)"


def warehouse_problems(project: Project) -> list[Problem]:
    where = project.relative(project.sources_file)
    return [Problem(where, message, field="warehouse") for message in warehouse.for_project(project).problems()]


def unreferenced_problems(project: Project, sources: list[Source]) -> list[Problem]:
    return [
        Problem(
            project.relative(path),
            "no source in .dango/sources.yml uses this file, so no sync runs it",
            "Register it with the YAML printed above, or delete it; files named _*.py are never flagged.",
            level=WARN,
        )
        for path in unreferenced.unreferenced(project, sources)
    ]


def git_problems(project: Project) -> list[Problem]:
    """`.env` and `.dlt/secrets.toml` must be ignored by git, and never tracked, in a git checkout."""
    present = [project.relative(p) for p in (project.env_file, project.secrets_file) if p.is_file()]
    if not present or not git.in_checkout(project.root):
        return []
    tracked = set(git.output(project.root, "ls-files", "--", *present).split())
    # check-ignore exits 1 when it ignores none of them: an answer, not a failure.
    ignored = set(git.output(project.root, "check-ignore", "--", *present, accepted=(0, 1)).split())
    problems = []
    for name in present:
        if name in tracked:
            message = "git tracks this file, so everyone with the repository can read its secrets"
            fix = f"Run `git rm --cached {name}`, list it in .gitignore, and change the secrets it held."
        elif name not in ignored:
            message = "this file of secrets is not ignored by git, so `git add .` would commit it"
            fix = f"Add the line `{name}` to the project's .gitignore."
        else:
            continue
        problems.append(Problem(name, message, fix))
    return problems


def secret_problems(project: Project, source: Source) -> list[Problem]:
    problems = []
    for path, value in environment.secret_literals(source.kwargs):
        if secret_refs.variable_of(value, mappings=False):
            continue  # `${NAME}`: a reference, the way to write it
        field = ".".join((KWARGS_FIELD, *path))
        variable = path[-1].upper()
        problems.append(
            Problem(
                project.relative(project.sources_file),
                f"`{path[-1]}` looks like a secret, written out in sources.yml (which is usually committed)",
                f"Move it to .env as `{variable}=...` and write `{path[-1]}: ${{{variable}}}` here instead "
                f'(or read os.environ["{variable}"] in the source, or declare the argument '
                f"`{path[-1]}=dlt.secrets.value`).",
                source.line_of(field),
                source.name,
                field,
                WARN,
            )
        )
    return problems


def disabled(problem: Problem) -> Problem:
    message = f"{problem.message} (the source is disabled: only `bin/dango sync {problem.source}` runs it)"
    return dataclasses.replace(problem, level=WARN, message=message)


def inspect_all(project: Project, sources: list[Source]) -> list[list[Problem]]:
    """The problems of each source, in the order of `sources`, from one `runner.validate.inspect_source`
    process that checks each source in a child of its own."""
    if not sources:
        return []
    where = project.relative(project.sources_file)
    request = {"timeout": IMPORT_TIMEOUT, "sources": [_spec(project, source) for source in sources]}
    done = subprocess.run(
        process.guarded(environment.runner_command("runner.validate.inspect_source")),
        input=json.dumps(request, default=str),  # YAML dates are not JSON; dlt coerces the text back
        cwd=project.root,
        env=environment.child_environment(project),
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        results = json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        problem = Problem(where, f"the sources could not be checked: {last}", "Run `bin/dango sync` to see the error.")
        return [[problem]] + [[] for _ in sources[1:]]
    return [_problems(where, source, result) for source, result in zip(sources, results, strict=True)]


def _spec(project: Project, source: Source) -> dict:
    """The fields of a Source that `runner.validate.inspect_source` builds it from."""
    fields = ("name", "type", "module", "function", "kwargs", "config", "resources")
    return {"root": str(project.root), **{name: getattr(source, name) for name in fields}}


def _problems(where: str, source: Source, result: dict) -> list[Problem]:
    """A source's problems from its result in `runner.validate.inspect_source`'s answer."""
    from runner.sync.parent import died

    line = source.line_of(MODULE_FIELD)
    if result.get("timed_out"):
        message = f"importing `{source.module}` took longer than {IMPORT_TIMEOUT}s"
        fix = "Move slow work (network calls, big reads) from the module's top level into the source function."
        return [Problem(where, message, fix, line, source.name, MODULE_FIELD)]
    if "exit_code" in result:
        message = f"checking `{source.module}`: {died(result['exit_code'])}"
        fix = f"Run `bin/dango sync {source.name}` to see the whole error."
        return [Problem(where, message, fix, line, source.name, MODULE_FIELD)]
    return [
        Problem(
            p["file"] or where,
            p["message"],
            p["fix"],
            p["line"] if p["file"] else source.line_of(p["field"]),
            source.name,
            p["field"],
        )
        for p in result["problems"]
    ]
