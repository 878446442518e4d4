"""Read and validate `.dango/remote.yml`: the server that `bin/dango remote` deploys to, over ssh.

The file is checked against schema/remote.schema.json before anything connects, and every problem is
reported at once with its line and field, like sources.yml's. Local paths (identity_file, known_hosts,
ssh_config) may start with `~` and are otherwise relative to the project root, whatever the current
folder.
"""

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from runner.errors import DangoError
from runner.problems import Problem
from runner.project import Project

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "remote.schema.json"
REMOTE_FILE = Path(".dango") / "remote.yml"
EXAMPLE = "  host: deploy@analytics.example.com\n  path: /srv/analytics"
TYPE_WORDS = {"string": "a string", "integer": "a whole number", "object": "a mapping", "array": "a list"}
PYTHON_TYPES = {
    "str": "a string",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "list": "a list",
    "dict": "a mapping",
    "NoneType": "nothing",
}
LOCAL_PATHS = ("identity_file", "known_hosts", "ssh_config")


@dataclass(frozen=True)
class Remote:
    """The server: `host` is an ssh destination, `path` the deployment's folder there."""

    host: str
    path: str
    port: int | None = None
    identity_file: Path | None = None
    known_hosts: Path | None = None
    ssh_config: Path | None = None
    python: str | None = None

    def __str__(self) -> str:
        port = f" (port {self.port})" if self.port else ""
        return f"{self.host}:{self.path}{port}"


def load(project: Project) -> Remote:
    """The project's remote.yml, or a DangoError listing every problem in it."""
    path = project.root / REMOTE_FILE
    where = str(REMOTE_FILE)
    if not path.is_file():
        raise DangoError(
            f"{where} not found, so Dango does not know which server to use. Create it with the server's "
            f"SSH destination and the project's folder there:\n{EXAMPLE}\n"
            "(see 'Deploying to a server' in the README)."
        )
    try:
        text = path.read_text()
    except OSError as error:
        raise DangoError(f"{where}: cannot read it ({error.strerror}).") from error
    data, lines = _parse(text, where)
    problems = _problems(data, lines, where)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise DangoError("\n".join([*map(str, problems), f"{count} in {where}; nothing was done on the server."]))
    local = {key: _local_path(project, data[key]) for key in LOCAL_PATHS if key in data}
    return Remote(
        host=data["host"], path=data["path"].rstrip("/"), port=data.get("port"), python=data.get("python"), **local
    )


def _local_path(project: Project, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else project.root / path


def _parse(text: str, where: str) -> tuple[object, dict]:
    """The data and the line of each top-level key."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        raise DangoError(
            f"{where}{line}: invalid YAML: {reason}. Fix the syntax (indentation, quotes, colons)."
        ) from error
    lines = {}
    if isinstance(root, yaml.MappingNode):
        lines = {key.value: key.start_mark.line + 1 for key, _ in root.value}
    return data, lines


def _problems(data, lines: dict, where: str) -> list[Problem]:
    if data is None:
        return [Problem(where, "the file is empty", f"Write at least:\n{EXAMPLE}")]
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text())
    problems = []
    for error in Draft202012Validator(schema).iter_errors(data):
        if error.validator == "additionalProperties":
            allowed = sorted(schema["properties"])
            problems += [_unknown(str(key), allowed, lines, where) for key in error.instance if key not in allowed]
        else:
            problems.append(_describe(error, schema, lines, where))
    return sorted(problems, key=lambda problem: problem.line or 0)


def _unknown(key: str, allowed: list[str], lines: dict, where: str) -> Problem:
    match = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    fix = f"did you mean '{match[0]}'?" if match else f"allowed keys: {', '.join(allowed)}."
    return Problem(where, f"unknown key '{key}'", fix, lines.get(key), field=key)


def _describe(error, schema: dict, lines: dict, where: str) -> Problem:
    """A schema error as a person reads it: the field, what is wrong, and the field's description."""
    field = str(error.absolute_path[0]) if error.absolute_path else None
    if error.validator == "required":
        missing = error.message.split("'")[1]
        message = f"missing required field '{missing}'"
        fix = f"add `{missing}:`, {schema['properties'][missing]['description']}."
    elif error.validator == "type" and field is None:
        message = f"expected a mapping of settings, got {_type_of(error.instance)}"
        fix = f"Write:\n{EXAMPLE}"
    elif error.validator == "type":
        expected = TYPE_WORDS.get(error.validator_value, error.validator_value)
        message = f"expected {expected}, got {_type_of(error.instance)}"
        fix = f"write {error.schema['description']}."
    else:
        message = f"{error.instance!r} is not allowed"
        fix = f"use {error.schema.get('description', 'a valid value')}."
    return Problem(where, message, fix, lines.get(field), field=field)


def _type_of(value) -> str:
    return PYTHON_TYPES.get(type(value).__name__, type(value).__name__)
