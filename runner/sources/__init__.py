"""What a source's child extracts: the user's function for `dlt_native`, or Dango's built-in one for
`rest_api`, `sql_database` and `files` (each a module here wrapping dlt's own source), with the
entry's `resources:` settings applied and `--resource` selection made (runner/sources/hints.py).

Sync's child (runner/sync/child.py) calls `function_for` once and `build` for each attempt; the
rest of a sync (locks, retries, timeouts, run history, staging models) does not know the type.
Secret references are resolved here, in the child, from its environment (.env loaded).
"""

import importlib
import os

from runner.config import secret_refs
from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.sync.loader import KWARGS_FIELD, SourceError, check_kwargs, load_function


def function_for(source: Source, project: Project):
    """The user's decorated function, or the built-in type's `build(config, resources, name)`."""
    if source.type == "dlt_native":
        return load_function(source.module, source.function, project)
    return importlib.import_module(f"runner.sources.{source.type}").build


def build(function, source: Source):
    """The dlt source (or resource) of one attempt, its resources' settings applied."""
    from runner.sources import hints

    if source.type == "dlt_native":
        check_kwargs(function, source.function, source.kwargs)
        built = function(**resolved(source.kwargs, KWARGS_FIELD, mappings=False))
    else:
        built = function(resolved(source.config, source.type), source.resources, source.name)
    return hints.apply(built, source)


def resolved(value, field: str, mappings: bool = True):
    """`value` with its secret references replaced, or SourceError naming the variable to set."""
    try:
        return secret_refs.resolve(value, os.environ, mappings=mappings)
    except secret_refs.MissingSecret as missing:
        path = ".".join(filter(None, (field, missing.path)))
        raise SourceError(
            f"{missing.variable} is not set (referenced by {path})",
            f"Set it in the project's .env (`{missing.variable}=...`) or in the environment.",
            path,
        ) from None
