"""`dango source add`: the answers (questions at a terminal, else flags), then the writes, then a check.

The writes come after the last answer, in this order: the source's files (custom_sources/), the
typed secrets to .env, the entry to .dango/sources.yml (each replaced in one rename). Then `validate`
checks the new source, and at a terminal `source test` is offered.
"""

import dataclasses
import subprocess
import sys

from runner import DANGO_ROOT
from runner.add import answers as a
from runner.add import custom, flags, verified
from runner.config import environment
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.config.sources_edit import add_source, set_env_values
from runner.config.sources_yml import load_sources

INTERRUPTED = 130
NO_TERMINAL = (
    "source add: no TYPE given, and no terminal to ask the questions at; give the type and its answers as flags, "
    "such as `bin/dango source add rest_api --name shop --base-url https://api.example.com/ --resource orders` "
    "(`bin/dango help source add` lists them)"
)


def add(project: Project, args) -> int:
    existing = [source.name for source in load_sources(project)]
    asked = args.source_type is None
    if not asked:
        refuse(flags.need(args, "name"), existing)  # before anything else is looked at
        answers = flags.from_flags(args, verified.DEFAULT_LOCATION)
    elif flags.given(args):
        raise DangoError(
            f"source add: {flags.option(flags.given(args)[0])} needs the source's TYPE before the flags, such as "
            "`bin/dango source add rest_api --name shop ...` (without flags: the questions, at a terminal)"
        )
    elif at_terminal():
        from runner.add import wizard

        try:
            answers = wizard.ask(project.root, existing, verified.DEFAULT_LOCATION)
        except KeyboardInterrupt:
            print("source add: stopped; no file was changed", file=sys.stderr)
            return INTERRUPTED
    else:
        raise DangoError(NO_TERMINAL)
    for line in write(project, answers):
        print(line)
    return check(project, answers.name, offer_test=asked)


def at_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def refuse(name: str, existing: list[str]) -> None:
    problem = a.name_problem(name, existing)
    if problem:
        raise DangoError(f"source add: {problem}")


def write(project: Project, answers: a.Answers) -> list[str]:
    """Write the source's files, secrets and entry; what was done, as lines for the user."""
    details, said = answers.details, []
    if isinstance(details, a.Custom):
        custom.check_free(project, answers.name)
    if isinstance(details, a.Verified):
        verified.check_free(project, details.source)
        installed = verified.install(project, details.source, details.location, details.branch)
        function = details.function or first_function(installed.functions, project, details.source)
        answers = dataclasses.replace(answers, details=dataclasses.replace(details, function=function))
        said.append(f"dlt init {details.source}: wrote custom_sources/{details.source}/ and its example script")
        others = [name for name in installed.functions if name != function]
        if others:
            said.append(f"registered `{function}`; the module also has {', '.join(others)} (source_function)")
        said += verified.secrets_hint(project, details.source, installed)
    if isinstance(details, a.Custom):
        said.append(f"wrote {custom.write(project, answers.name)}: replace its sample rows with your data")
    plan = a.plan(answers)
    if plan.secrets:
        held = environment.dotenv(project)
        replaced = [name for name, value in plan.secrets.items() if held.get(name, value) != value]
        set_env_values(project.env_file, plan.secrets)
        said.append(f"wrote {', '.join(plan.secrets)} to .env (kept out of git, readable by you only)")
        if replaced:
            said.append(f"note: {', '.join(replaced)} had another value in .env, now replaced")
    add_source(project.sources_file, plan.entry)
    said.insert(0, f"added source {answers.name!r} ({plan.entry['type']}) to {project.relative(project.sources_file)}")
    return said


def first_function(found: list[str], project: Project, source: str) -> str:
    if not found:
        raise DangoError(
            f"custom_sources/{source}/__init__.py defines no @dlt.source function; register the one to use "
            f"with `--function NAME`, or by hand in {project.relative(project.sources_file)}"
        )
    return found[0]


def check(project: Project, name: str, offer_test: bool) -> int:
    """Validate the new source; then offer `source test` at a terminal, or print how to run it."""
    from runner.validate import checks

    code = checks.validate(project, as_json=False, only=name)
    test = ["source", "test", name]
    if not offer_test:
        print(f"next: `bin/dango {' '.join(test)}` reads a few rows without loading the warehouse")
        return code
    import questionary

    try:
        wanted = questionary.confirm(f"Test it now (bin/dango {' '.join(test)}, loads nothing)?").unsafe_ask()
    except KeyboardInterrupt:
        return code
    if wanted:
        command = [str(DANGO_ROOT / "bin" / "dango"), "--project-dir", str(project.root), *test]
        return subprocess.run(command, check=False).returncode or code
    return code
