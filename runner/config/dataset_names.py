"""The datasets dlt writes for each source, and the sources.yml names that would share one.

A source `x` loads into `raw_x`, and dlt keeps its scratch tables for merge and replace loads in
`raw_x_staging`, which Dango has it empty after every load (runner/sync/dlt_settings.py). dlt
normalizes both names with its naming convention first (`raw_a__b` becomes `raw_a_b`, `raw_a_`
becomes `raw_aa`, and PostgreSQL shortens names past 63 characters). Two sources whose names end up
equal, or one named like another's scratch dataset, would load into one dataset and empty each other's
tables: such names are refused before anything runs, computed with dlt's own naming convention.
"""

import re
from functools import cache

from runner.config.problems import Problem

# dlt's `max_identifier_length` of each engine that shortens names (a unit test checks it against dlt).
MAX_IDENTIFIER_LENGTH = {"postgres": 63}
STAGING_LAYOUT = "%s_staging"  # dlt's default staging_dataset_name_layout
# Names dlt's naming convention leaves as they are: lowercase words of letters and digits joined by
# single underscores (a unit test checks it against dlt). Most names are, and for them importing dlt
# (0.55 s, before a project's first sync can start anything) is not needed.
KEPT_BY_DLT = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@cache
def _naming(max_length: int | None):
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return NamingConvention(max_length=max_length)  # type: ignore[arg-type]  # dlt's default is None


def datasets(dataset: str, engine: str = "duckdb") -> tuple[str, str]:
    """The dataset and the staging dataset dlt writes for the dataset Dango names `dataset` on `engine`."""
    limit = MAX_IDENTIFIER_LENGTH.get(engine)
    staging = STAGING_LAYOUT % dataset
    if KEPT_BY_DLT.fullmatch(dataset) and (limit is None or len(staging) <= limit):
        return dataset, staging
    naming = _naming(limit)
    return naming.normalize_table_identifier(dataset), naming.normalize_table_identifier(STAGING_LAYOUT % dataset)


def collisions(sources: list[tuple[str, str, int | None]], engine: str, where: str) -> list[Problem]:
    """Problems for each (name, dataset, line) whose dataset dlt renames, or that shares a dataset
    with an earlier source's dataset or staging dataset."""
    problems: list[Problem] = []
    owners: dict[str, tuple[str, int | None]] = {}
    stagings: dict[str, tuple[str, int | None]] = {}
    for name, wanted, line in sources:
        dataset, staging = datasets(wanted, engine)
        if dataset != wanted:
            fix = f"dlt would load it into {dataset}, not {wanted}; rename it (single underscores between words)."
            problems.append(Problem(where, f"{name!r} is not a name dlt keeps", fix, line, name, "name"))
            continue
        # Names are unique and kept as they are, so a shared dataset is one source's dataset and
        # another's staging dataset.
        if staging in owners:
            other, other_line = owners[staging]
            message = f"dlt's staging dataset for it, {staging}, is the dataset of source '{other}' (line {other_line})"
            problems.append(_shared(where, name, line, other, message, emptier=name))
        elif dataset in stagings:
            other, other_line = stagings[dataset]
            message = f"its dataset {dataset} is dlt's staging dataset of source '{other}' (line {other_line})"
            problems.append(_shared(where, name, line, other, message, emptier=other))
        owners[dataset] = stagings[staging] = (name, line)
    return problems


def _shared(where: str, name: str, line, other: str, message: str, emptier: str) -> Problem:
    message += f", emptied after every load of '{emptier}'"
    fix = f"rename '{name}' or '{other}': no source may be named like another's `<name>_staging`."
    return Problem(where, message, fix, line, name, "name")
