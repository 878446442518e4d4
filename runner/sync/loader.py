"""Find a registered source's function and check its function_kwargs: shared by sync and validate.

Runs only inside a child process (`runner.sync.child` for sync, `runner.validate.inspect_source` for validate),
with `custom_sources/` first on sys.path, because importing a user's module runs their code. Every
mistake the user can fix is a SourceError naming the sources.yml field at fault, what was found, and
what to do; anything else the user's code raises propagates unchanged.
"""

import importlib
import inspect
from pathlib import Path

from runner.config.problems import sentence
from runner.config.project import Project

MODULE_FIELD = "dlt_native.source_module"
FUNCTION_FIELD = "dlt_native.source_function"
KWARGS_FIELD = "dlt_native.function_kwargs"


class SourceError(Exception):
    """The source cannot be set up; `message` says what is wrong, `fix` what to do."""

    def __init__(self, message: str, fix: str, field: str):
        self.message, self.fix, self.field = message, fix, field
        super().__init__(sentence(message, fix))


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
        f"decorated functions there: {found}",
        "Fix source_function in .dango/sources.yml.",
        FUNCTION_FIELD,
    )


def import_module(module_name: str, project: Project):
    if module_name.endswith(".py"):
        # Imported as is, `my_api.py` would run my_api and then look for a submodule named `py`.
        raise SourceError(
            f"source_module `{module_name}` is a file name",
            f"Write the module name without .py: `{module_name.removesuffix('.py')}`.",
            MODULE_FIELD,
        )
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and (module_name == error.name or module_name.startswith(error.name + ".")):
            verified = verified_source(module_name)
            if verified:
                raise SourceError(
                    f"source_module `{module_name}`: dlt does not ship `{verified}` (dlt.sources holds only "
                    "rest_api, sql_database and filesystem); a verified source's code is copied into the project",
                    f"Remove this entry, then add the source with `bin/dango source add` (at a terminal) or "
                    f"`bin/dango source add verified --name {verified} --source {verified}`: it runs dlt init into "
                    f"custom_sources/{verified}/ and registers `source_module: {verified}`.",
                    MODULE_FIELD,
                ) from None
            folder = project.relative(project.custom_sources)
            path = module_name.replace(".", "/")
            raise SourceError(
                f"source_module `{module_name}` not found: looked for {folder}/{path}.py, "
                f"{folder}/{path}/__init__.py and installed packages",
                "Check the file name (without .py) in .dango/sources.yml, or install the package into the "
                "project's .venv.",
                MODULE_FIELD,
            ) from None
        likely = typo_of(error.name or "")
        if likely:
            raise SourceError(
                f"source_module `{module_name}` imports `{error.name}`, which is not installed",
                f"Did you mean `{likely}`? Fix the import's spelling{importing_line(error, project)}.",
                MODULE_FIELD,
            ) from error
        raise SourceError(
            f"source_module `{module_name}` imports `{error.name}`, which is not installed",
            "Add it to requirements.txt in the project root and run `make setup`.",
            MODULE_FIELD,
        ) from error
    except ImportError as error:
        needed = getattr(error, "dependencies", None)  # dlt's MissingDependencyException: a multi-line pip hint
        if not needed:
            raise
        sql = any(name.lower().startswith("sqlalchemy") for name in needed)
        raise SourceError(
            f"source_module `{module_name}` needs {', '.join(needed)}, which is not installed",
            'Run `make setup EXTRAS=sql` (SQLAlchemy; `EXTRAS="sql postgres"` adds PostgreSQL\'s driver).'
            if sql
            else "Add it, pinned, to requirements.txt in the project root and run `make setup`.",
            MODULE_FIELD,
        ) from None


def verified_source(module_name: str) -> str | None:
    """`notion` for `dlt.sources.notion`: the docs' form of a verified source, which dlt does not ship."""
    prefix, _, rest = module_name.partition("dlt.sources.")
    return rest.split(".")[0] if not prefix and rest else None


def typo_of(name: str) -> str | None:
    """The installed (or standard) module `name` looks like a misspelling of: `requets` -> `requests`."""
    import difflib
    import sys
    from importlib.metadata import packages_distributions

    top = name.partition(".")[0]
    known = {*packages_distributions(), *sys.stdlib_module_names} - {top}
    known = {module for module in known if not module.startswith("_")}
    close = difflib.get_close_matches(top, known, n=1, cutoff=0.8)
    return close[0] if close else None


def importing_line(error: ModuleNotFoundError, project: Project) -> str:
    """` in custom_sources/x.py line N`: where the user's code imports it, when that is known."""
    import traceback

    own = [
        f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).is_relative_to(project.custom_sources)
    ]
    return f" in {project.relative(Path(own[-1].filename))} line {own[-1].lineno}" if own else ""


def check_kwargs(function, function_name: str, kwargs: dict) -> None:
    """SourceError when function_kwargs name an argument the function does not take."""
    signature = inspect.signature(function)
    try:
        signature.bind_partial(**kwargs)
    except TypeError as error:
        accepted = ", ".join(signature.parameters) or "none"
        raise SourceError(
            f"function_kwargs do not fit `{function_name}`: {error}", f"Accepted arguments: {accepted}.", KWARGS_FIELD
        ) from None
