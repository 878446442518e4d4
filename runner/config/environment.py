"""The environment each source's child process runs with, and the secrets to keep out of output.

`.env` in the project root is loaded into the child's environment; variables already set win, as
users expect from shells and cron. Values that look secret are collected so that everything a child
prints passes through `Redactor` before it reaches a terminal, a log file or an error message.
"""

import os
import re
import sys
from pathlib import Path

from runner import DANGO_ROOT
from runner.config.project import Project

SECRET_NAME = re.compile(r"key|token|secret|password|passwd|credential", re.IGNORECASE)
# Names that contain "key" but hold column names, such as dlt's primary_key and merge_key.
NOT_SECRET_NAME = re.compile(
    r"(primary|merge|partition|cursor|sort|foreign|unique|natural|surrogate|dedup|row|join)_?keys?$", re.IGNORECASE
)
# Shorter values would turn ordinary words and numbers into asterisks.
MIN_SECRET_LENGTH = 4

# Defaults for every child; a value the user set in the environment wins.
CHILD_DEFAULTS = {
    "PYTHONUNBUFFERED": "1",  # the parent relays prints as they happen
    "RUNTIME__DLTHUB_TELEMETRY": "false",  # no network is assumed; telemetry would only wait
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
}


def dotenv(project: Project) -> dict[str, str]:
    if not project.env_file.is_file():
        return {}
    from dotenv import dotenv_values  # here: a project without .env never pays for the import

    return {key: value for key, value in dotenv_values(project.env_file).items() if value is not None}


def runner_command(module: str) -> list[str]:
    """The command that runs one of Dango's modules in a child whose working folder is the project:
    -P keeps that folder off the import path, so a project's own runner.py never stands in for Dango's."""
    return [sys.executable, "-P", "-m", module]


def child_environment(project: Project) -> dict[str, str]:
    env = {**CHILD_DEFAULTS, **dotenv(project), **os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(DANGO_ROOT), os.environ.get("PYTHONPATH")]))
    return env


class Redactor:
    """Replaces known secret values with `***` in any text."""

    def __init__(self, values):
        unique = {v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret that contains another is hidden whole.
        self._pattern = re.compile("|".join(map(re.escape, sorted(unique, key=len, reverse=True)))) if unique else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub("***", text) if self._pattern else text


def redactor(project: Project, extra_values=()) -> Redactor:
    """A Redactor for `.env`, `.dlt/secrets.toml`, and environment variables named like secrets."""
    values = list(dotenv(project).values())
    values += [value for name, value in os.environ.items() if looks_secret(name)]
    values += list(_toml_strings(project.secrets_file))
    values += list(extra_values)
    return Redactor(values)


def looks_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name)


def secret_literals(kwargs: dict, path: tuple = ()):
    """(key path, value) of literal values under secret-looking keys, at any depth of function_kwargs."""
    for key, value in kwargs.items():
        if isinstance(value, dict):
            yield from secret_literals(value, path + (str(key),))
        elif looks_secret(str(key)) and _is_literal(value):
            yield path + (str(key),), value


def _is_literal(value) -> bool:
    if isinstance(value, list):
        return any(map(_is_literal, value))
    return (isinstance(value, str) and bool(value.strip())) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def _toml_strings(path: Path):
    document = read_toml(path)
    if document is None:
        return
    stack = [document]
    while stack:
        node = stack.pop()
        for value in node.values() if isinstance(node, dict) else node:
            if isinstance(value, str):
                yield value
            elif isinstance(value, dict | list):
                stack.append(value)  # type: ignore[arg-type]  # lists of tables are walked too


def setting(project: Project, env_name: str, toml_path: tuple[str, ...]) -> str | None:
    """A secret the dlt way: the environment, then `.env`, then `.dlt/secrets.toml` at `toml_path`."""
    value = os.environ.get(env_name) or dotenv(project).get(env_name)
    if value:
        return value
    node = read_toml(project.secrets_file)
    for key in toml_path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, str) and node else None


def read_toml(path: Path) -> dict | None:
    """The document, or None when the file is missing or not TOML (dlt reports that one itself)."""
    if not path.is_file():
        return None  # most projects have no .dlt/secrets.toml: no need to import tomllib
    import tomllib

    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
