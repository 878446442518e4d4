"""Read and validate `.dango/sources.yml`.

Nothing runs on an invalid file: every problem (YAML syntax, a duplicate key, anything the JSON
Schema in schema/ rejects, a duplicate source name) is collected first and raised together, each
naming the file, the line, the source and the field, with a hint for the fix.
"""

import hashlib
import json
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from runner import DANGO_ROOT
from runner.config import dataset_names, environment, secret_refs, yaml_schema
from runner.config.errors import DangoError
from runner.config.problems import Problem
from runner.config.project import Project
from runner.config.source_blocks import block_problems

SCHEMA_FILE = DANGO_ROOT / "schema" / "sources.schema.json"
# Built-in values of the `defaults:` section; a project changes them there, once for every source.
DEFAULTS = {"timeout": 3600, "retries": 0}
DEFAULT_WAREHOUSE = {"type": "duckdb"}
# The `docs:` section: how `dango docs` marks a source stale, and whether `make all` rebuilds the site.
DEFAULT_DOCS = {"max_age": "26h", "after_all": False}
# The source types Dango builds from their sources.yml block alone, and the dlt function each wraps
# (shown by `source list`; runner/sources/ has Dango's side of each).
BUILT_IN_TYPES = {
    "rest_api": ("dlt.sources.rest_api", "rest_api_source"),
    "sql_database": ("dlt.sources.sql_database", "sql_database"),
    "files": ("dlt.sources.filesystem", "filesystem"),
}
# sources.yml is committed, so secrets never go there; where each one goes instead.
SECRET_FIELD_HINTS = {
    ("warehouse", "password"): "keep passwords out of sources.yml: set DESTINATION__POSTGRES__CREDENTIALS__PASSWORD "
    "in .env, or `password` under [destination.postgres.credentials] in .dlt/secrets.toml",
    ("warehouse", "token"): "keep tokens out of sources.yml: set MOTHERDUCK_TOKEN in .env or the environment",
}
# A source's dataset (schema) in the warehouse is DATASET_PREFIX + its name: `raw_<name>`.
DATASET_PREFIX = "raw_"


@dataclass(frozen=True)
class Source:
    """One registered source, with defaults applied."""

    name: str
    type: str
    module: str
    function: str
    kwargs: dict = field(default_factory=dict)
    enabled: bool = True
    description: str = ""
    line: int | None = None
    timeout: float = DEFAULTS["timeout"]
    retries: int = DEFAULTS["retries"]
    config: dict = field(default_factory=dict)  # the block of a built-in type (rest_api, sql_database, files)
    resources: dict = field(default_factory=dict)  # the `resources:` block: settings by resource name
    # Line of each field given in the file, by dotted path below the entry ("dlt_native.source_module").
    lines: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def dataset(self) -> str:
        return DATASET_PREFIX + self.name

    def line_of(self, field_path: str) -> int | None:
        """The line of a field, else of the nearest enclosing field given, else of the entry."""
        parts = field_path.split(".")
        found = (self.lines.get(".".join(parts[:n])) for n in range(len(parts), 0, -1))
        return next((line for line in found if line), self.line)


class ConfigError(DangoError):
    """One or more problems in sources.yml; the message lists them all, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__("\n".join([*map(str, problems), f"{count} in sources.yml; nothing was run."]))


@cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


def load_sources(project: Project, remember_valid: bool = False) -> list[Source]:
    """The sources of the project's sources.yml, or ConfigError listing every problem in it.

    With `remember_valid` (sync, which writes data/ anyway), a file that passes is stamped under
    data/tmp/, and the same text is not validated against the schema again."""
    data, lines = _load(project, remember_valid)
    defaults = {**DEFAULTS, **(data.get("defaults") or {})}
    entries = data["sources"] or []
    return [
        _source(entry, entry_lines, defaults)
        for entry, entry_lines in zip(entries, _entry_lines(lines, len(entries)), strict=True)
    ]


def load_warehouse(project: Project) -> dict:
    """The `warehouse:` section of sources.yml, DuckDB in data/warehouse.duckdb when there is none.
    A project without a sources.yml (dbt run by hand in a bare folder) gets the default too."""
    if not project.sources_file.exists():
        return dict(DEFAULT_WAREHOUSE)
    return _load(project)[0].get("warehouse") or dict(DEFAULT_WAREHOUSE)


def load_docs(project: Project) -> dict:
    """The `docs:` section of sources.yml with its defaults."""
    return {**DEFAULT_DOCS, **(_load(project)[0].get("docs") or {})}


def _load(project: Project, remember_valid: bool = False) -> tuple[dict, dict]:
    """The whole file, valid, and the line of each key and list item by path."""
    path = project.sources_file
    where = project.relative(path)
    text = yaml_schema.read_text(path, where)
    known = _known_valid(project, text)
    if known:
        return known
    data, lines = _checked(text, where)
    if remember_valid and not _has_secret_literals(data):  # nothing secret is copied under data/
        _remember_valid(project, text, (data, lines))
    return data, lines


@cache
def _checked(text: str, where: str) -> tuple[dict, dict]:
    """Parse and check a text once per process: validate reads the sources, then the warehouse."""
    data, lines, problems = yaml_schema.parse(text, where, _where)
    if data is None and not problems:
        problems = [Problem(where, "the file is empty", "Write at least `version: '1.0'` and `sources: []`.")]
    if not problems:
        problems = yaml_schema.schema_problems(data, lines, where, schema(), _where, SECRET_FIELD_HINTS)
        problems += _duplicate_names(data, lines, where)
        problems = problems or block_problems(data, lines, where)  # on a file of the schema's shape
    if not problems:  # names are then valid and unique: the datasets dlt makes of them can be compared
        problems = _dataset_collisions(data, lines, where)
    if problems:
        raise ConfigError(problems)
    return data, lines


def _has_secret_literals(data: dict) -> bool:
    entries = data["sources"] or []
    kwargs = [(entry.get("dlt_native") or {}).get("function_kwargs") or {} for entry in entries]
    found = (value for each in kwargs for _, value in environment.secret_literals(each))
    return any(not secret_refs.variable_of(value, mappings=False) for value in found)  # `${NAME}` is no secret


def _validity_stamp(text: str) -> str:
    """Changes with the text, the schema and the checks' code: a fixed check applies to old files too."""
    checks = [SCHEMA_FILE, Path(__file__), Path(dataset_names.__file__), Path(yaml_schema.__file__)]
    return hashlib.sha256("\0".join([text, *(path.read_text() for path in checks)]).encode()).hexdigest()


def _stamp_file(project: Project) -> Path:
    return project.data / "tmp" / "sources.yml.valid"


def _known_valid(project: Project, text: str) -> tuple[dict, dict] | None:
    """The parsed file, when this exact text passed this exact schema before: importing PyYAML and
    jsonschema cost every sync a tenth of a second, and a file only changes with its text or the
    schema. Pickled, as the child's spec is: YAML dates in function_kwargs stay dates."""
    try:
        stamp, parsed = pickle.loads(_stamp_file(project).read_bytes())
    except (OSError, pickle.UnpicklingError, ValueError, EOFError):
        return None
    return parsed if stamp == _validity_stamp(text) else None


def _remember_valid(project: Project, text: str, parsed: tuple[dict, dict]) -> None:
    try:
        _stamp_file(project).parent.mkdir(parents=True, exist_ok=True)
        _stamp_file(project).write_bytes(pickle.dumps((_validity_stamp(text), parsed)))
    except OSError:
        pass  # an unwritable data/ only means validating again next time


def _entry_lines(lines: dict, count: int) -> list[dict]:
    """For each of the `count` entries, the lines of its fields by dotted path and its own line under "";
    in one pass over the file's lines, so a file of many sources is read in linear time."""
    by_entry: list[dict] = [{} for _ in range(count)]
    for path, line in lines.items():
        if len(path) >= 2 and path[0] == "sources" and isinstance(path[1], int):
            by_entry[path[1]][".".join(map(str, path[2:]))] = line
    return by_entry


def _source(entry: dict, lines: dict, defaults: dict) -> Source:
    kind = entry["type"]
    if kind == "dlt_native":
        native = entry["dlt_native"]
        module, function, kwargs = native["source_module"], native["source_function"], native.get("function_kwargs")
    else:
        (module, function), kwargs = BUILT_IN_TYPES[kind], {}
    return Source(
        name=entry["name"],
        type=kind,
        module=module,
        function=function,
        kwargs=kwargs or {},
        config=(entry.get(kind) or {}) if kind in BUILT_IN_TYPES else {},
        resources=entry.get("resources") or {},
        enabled=entry.get("enabled", True),
        description=entry.get("description", ""),
        line=lines.get(""),
        lines=lines,
        timeout=entry.get("timeout", defaults["timeout"]),
        retries=entry.get("retries", defaults["retries"]),
    )


def _where(data, path: tuple) -> tuple[str | None, str | None]:
    """The source (its name, or `#N` for the N-th entry) and the dotted field a document path points to."""
    source = None
    if len(path) >= 2 and path[0] == "sources" and isinstance(path[1], int):
        entry = data["sources"][path[1]]
        name = entry.get("name") if isinstance(entry, dict) else None
        source = name if isinstance(name, str) else f"#{path[1] + 1}"
        path = path[2:]
    return source, ".".join(map(str, path)) or None


def _dataset_collisions(data: dict, lines: dict, where: str) -> list[Problem]:
    engine = (data.get("warehouse") or DEFAULT_WAREHOUSE)["type"]
    entries = enumerate(data["sources"] or [])
    sources = [(e["name"], DATASET_PREFIX + e["name"], lines.get(("sources", i, "name"))) for i, e in entries]
    return dataset_names.collisions(sources, engine, where)


def _duplicate_names(data, lines: dict, where: str) -> list[Problem]:
    problems: list[Problem] = []
    first_seen: dict[str, int | None] = {}
    entries = data.get("sources") if isinstance(data, dict) else None
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            continue
        if name in first_seen:
            line = lines.get(("sources", index, "name"))
            problems.append(
                Problem(
                    where,
                    f"duplicate name, also used on line {first_seen[name]}",
                    "give each source a unique name.",
                    line,
                    name,
                    "name",
                )
            )
        else:
            first_seen[name] = lines.get(("sources", index, "name"))
    return problems
