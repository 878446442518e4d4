"""Read and validate `.dango/sources.yml`.

Nothing runs on an invalid file: every problem (YAML syntax, a duplicate key, anything the JSON
Schema in schema/ rejects, a duplicate source name) is collected first and raised together, each
naming the file, the line, the source and the field, with a hint for the fix.
"""

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from runner.errors import DangoError
from runner.problems import Problem
from runner.project import Project

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "sources.schema.json"
# Built-in values of the `defaults:` section; a project changes them there, once for every source.
DEFAULTS = {"timeout": 3600, "retries": 0}
DEFAULT_WAREHOUSE = {"type": "duckdb"}
# sources.yml is committed, so secrets never go there; where each one goes instead.
SECRET_FIELD_HINTS = {
    ("warehouse", "password"): "keep passwords out of sources.yml: set DESTINATION__POSTGRES__CREDENTIALS__PASSWORD "
    "in .env, or `password` under [destination.postgres.credentials] in .dlt/secrets.toml",
    ("warehouse", "token"): "keep tokens out of sources.yml: set MOTHERDUCK_TOKEN in .env or the environment",
}


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
    # Line of each field given in the file, by dotted path below the entry ("dlt_native.source_module").
    lines: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def dataset(self) -> str:
        return f"raw_{self.name}"

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
    return [_source(entry, _entry_lines(lines, i), defaults) for i, entry in enumerate(data["sources"] or [])]


def load_warehouse(project: Project) -> dict:
    """The `warehouse:` section of sources.yml, DuckDB in data/warehouse.duckdb when there is none.
    A project without a sources.yml (dbt run by hand in a bare folder) gets the default too."""
    if not project.sources_file.exists():
        return dict(DEFAULT_WAREHOUSE)
    return _load(project)[0].get("warehouse") or dict(DEFAULT_WAREHOUSE)


def _load(project: Project, remember_valid: bool = False) -> tuple[dict, dict]:
    """The whole file, valid, and the line of each key and list item by path."""
    path = project.sources_file
    where = project.relative(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise DangoError(f"{where}: cannot read it ({error.strerror}).") from error
    data, lines, problems = _parse_yaml(text, where)
    if not problems and not _known_valid(project, text):
        problems = _schema_problems(data, lines, where) + _duplicate_names(data, lines, where)
        if not problems and remember_valid:
            _remember_valid(project, text)
    if problems:
        raise ConfigError(problems)
    return data, lines


def _validity_stamp(text: str) -> str:
    return hashlib.sha256((text + "\0" + SCHEMA_FILE.read_text()).encode()).hexdigest()


def _stamp_file(project: Project) -> Path:
    return project.data / "tmp" / "sources.yml.valid"


def _known_valid(project: Project, text: str) -> bool:
    """True when this exact text passed this exact schema before: importing jsonschema costs every
    sync a tenth of a second, and a file's validity only changes with the file or the schema."""
    try:
        return _stamp_file(project).read_text() == _validity_stamp(text)
    except OSError:
        return False


def _remember_valid(project: Project, text: str) -> None:
    try:
        _stamp_file(project).parent.mkdir(parents=True, exist_ok=True)
        _stamp_file(project).write_text(_validity_stamp(text))
    except OSError:
        pass  # an unwritable data/ only means validating again next time


def _entry_lines(lines: dict, index: int) -> dict:
    """The lines of one entry's fields by dotted path, and the entry's own line under ""."""
    prefix = ("sources", index)
    return {".".join(map(str, path[2:])): line for path, line in lines.items() if path[:2] == prefix}


def _source(entry: dict, lines: dict, defaults: dict) -> Source:
    native = entry["dlt_native"]
    return Source(
        name=entry["name"],
        type=entry["type"],
        module=native["source_module"],
        function=native["source_function"],
        kwargs=native.get("function_kwargs") or {},
        enabled=entry.get("enabled", True),
        description=entry.get("description", ""),
        line=lines.get(""),
        lines=lines,
        timeout=entry.get("timeout", defaults["timeout"]),
        retries=entry.get("retries", defaults["retries"]),
    )


def _parse_yaml(text: str, where: str) -> tuple[object, dict, list[Problem]]:
    """The data, a map from each key's path to its line, and problems found while parsing."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        fix = "Fix the syntax (indentation, quotes, colons)."
        return None, {}, [Problem(where, f"invalid YAML: {reason}", fix, line=mark.line + 1 if mark else None)]
    lines: dict[tuple, int] = {}
    duplicates: list[tuple] = []
    if root is not None:
        _walk(root, (), lines, duplicates)
    problems = [
        Problem(where, "this key appears twice in the same mapping", "keep one.", lines[path], *_where(data, path))
        for path in duplicates
    ]
    if data is None:
        problems.append(Problem(where, "the file is empty", "Write at least `version: '1.0'` and `sources: []`."))
    return data, lines, problems


def _walk(node, path: tuple, lines: dict, duplicates: list[tuple]) -> None:
    """Record the line of every key and list item, and the paths of keys given twice."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            if key_path in lines:
                duplicates.append(key_path)
            lines[key_path] = key_node.start_mark.line + 1
            _walk(value_node, key_path, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            _walk(item, path + (index,), lines, duplicates)


def _schema_problems(data, lines: dict, where: str) -> list[Problem]:
    from jsonschema import Draft202012Validator

    described = [_describe(error, data, lines, where) for error in Draft202012Validator(schema()).iter_errors(data)]
    return sorted(described, key=lambda problem: problem.line or 0)


def _describe(error, data, lines: dict, where: str) -> Problem:
    """The line of a schema error and its message for a person."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [key for key in error.instance if key not in allowed]
        path = path + (unknown[0],)
        message = f"unknown key '{unknown[0]}'"
        hint = (
            SECRET_FIELD_HINTS.get(tuple(map(str, path)))
            or _closest(str(unknown[0]), allowed)
            or f"allowed keys here: {', '.join(allowed)}"
        )
        if len(unknown) > 1:
            message = f"unknown keys {', '.join(repr(k) for k in unknown)}"
    elif error.validator == "required":
        missing = error.message.split("'")[1]
        message = f"missing required field '{missing}'"
        hint = f"add `{missing}:` ({_field_help(error.schema, missing)})"
    elif error.validator in ("enum", "const"):
        message = f"{error.instance!r} is not supported"
        hint = f"use {_field_description(error.schema, error.validator_value)}"
    elif error.validator == "type":
        message = f"expected {_type_words(error.validator_value)}, got {_type_words(type(error.instance).__name__)}"
        hint = f"write {error.schema.get('description', _type_words(error.validator_value))}"
    elif error.validator == "pattern":
        message = f"{error.instance!r} is not allowed"
        hint = f"use {error.schema.get('description', 'a value matching ' + error.validator_value)}"
    else:
        message = error.message
        hint = f"use {error.schema.get('description', 'a valid value')}"
    ending = "" if hint.endswith("?") else "."
    return Problem(where, message, hint + ending, _line(lines, path), *_where(data, path))


def _line(lines: dict, path: tuple) -> int | None:
    """The line of the deepest part of `path` that has one."""
    return next((lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines), None)


def _where(data, path: tuple) -> tuple[str | None, str | None]:
    """The source (its name, or `#N` for the N-th entry) and the dotted field a document path points to."""
    source = None
    if len(path) >= 2 and path[0] == "sources" and isinstance(path[1], int):
        entry = data["sources"][path[1]]
        name = entry.get("name") if isinstance(entry, dict) else None
        source = name if isinstance(name, str) else f"#{path[1] + 1}"
        path = path[2:]
    return source, ".".join(map(str, path)) or None


def _closest(key: str, allowed: list[str]) -> str | None:
    match = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def _field_help(schema_node: dict, name: str) -> str:
    target = schema_node.get("properties", {}).get(name, {})
    if "$ref" in target:
        target = schema()["$defs"][target["$ref"].rsplit("/", 1)[1]]
    return target.get("description", "see the README")


def _field_description(schema_node: dict, allowed) -> str:
    values = allowed if isinstance(allowed, list) else [allowed]
    choices = " or ".join(repr(v) for v in dict.fromkeys(str(v) for v in values))
    return schema_node.get("description", choices) if len(values) > 2 else choices


def _type_words(json_type) -> str:
    names = {
        "object": "a mapping",
        "dict": "a mapping",
        "array": "a list",
        "list": "a list",
        "string": "a string",
        "str": "a string",
        "boolean": "true or false",
        "bool": "true or false",
        "null": "nothing",
        "NoneType": "nothing",
        "int": "a number",
        "float": "a number",
    }
    if isinstance(json_type, list):
        return " or ".join(names.get(t, t) for t in json_type)
    return names.get(json_type, json_type)


def _duplicate_names(data, lines: dict, where: str) -> list[Problem]:
    problems, first_seen = [], {}
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
