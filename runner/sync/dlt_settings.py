"""Dango's defaults for dlt, in one place, at the lowest priority.

They are registered as the last dlt config provider, so a user overrides any of them the dlt way:
`.dlt/config.toml` in the project, or an environment variable such as
`NORMALIZE__LOADER_FILE_FORMAT=insert_values`.
"""

import importlib
from pathlib import Path

import dlt
from dlt.common.configuration.providers import DictionaryProvider
from dlt.pipeline.trace import TRACE_FILE_NAME

DEFAULTS = {
    "load": {
        # Nightly runs for years: keep each load package's record, not a copy of its data,
        # and empty the staging dataset once a replace has been swapped in.
        "delete_completed_jobs": True,
        "truncate_staging_dataset": True,
    },
    "destination": {
        # Load a replace table into a staging dataset and swap it in one transaction, so a load
        # that fails half way leaves the previous table whole.
        "replace_strategy": "insert-from-staging",
    },
}


class DangoDefaults(DictionaryProvider):
    NAME = "Dango defaults"

    def __init__(self, engine_defaults: dict) -> None:
        super().__init__()
        self._config_doc = {**DEFAULTS, **engine_defaults}


def register(engine_defaults: dict) -> None:
    """Register the defaults, with the warehouse engine's own (its file format) added."""
    dlt.config.register_provider(DangoDefaults(engine_defaults))


def keep_no_trace(working_dir: Path) -> None:
    """Stop dlt from pickling each run's trace to <working dir>/trace.pickle, and delete an old one:
    the trace holds every resolved config value (secrets included) and exception texts (URLs with
    their api keys) in clear. dlt has no setting for it (1.31), so its `save_trace` is replaced; a
    unit test checks that the name still exists."""
    pipeline_module = importlib.import_module("dlt.pipeline.pipeline")  # not dlt.pipeline, the function
    pipeline_module.save_trace = lambda trace_dir, trace: None  # type: ignore[attr-defined]
    (working_dir / TRACE_FILE_NAME).unlink(missing_ok=True)


def loader_file_format() -> str | None:
    """The file format set for the sync; None lets dlt take the destination's preferred one."""
    return dlt.config.get("normalize.loader_file_format")
