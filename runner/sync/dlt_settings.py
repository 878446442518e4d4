"""Dango's defaults for dlt, in one place, at the lowest priority.

They are registered as the last dlt config provider, so a user overrides any of them the dlt way:
`.dlt/config.toml` in the project, or an environment variable such as
`NORMALIZE__LOADER_FILE_FORMAT=insert_values`.
"""

import dlt
from dlt.common.configuration.providers import DictionaryProvider

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


def loader_file_format() -> str | None:
    """The file format set for the sync; None lets dlt take the destination's preferred one."""
    return dlt.config.get("normalize.loader_file_format")
