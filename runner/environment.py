"""The environment each source's child process runs with, and the secrets to keep out of output.

`.env` in the project root is loaded into the child's environment; variables already set win, as
users expect from shells and cron. Values that look secret are collected so that everything a child
prints passes through `Redactor` before it reaches a terminal, a log file or an error message.
"""

import os
import re
import tomllib
from pathlib import Path

from dotenv import dotenv_values

from runner.project import Project

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET_NAME = re.compile(r"key|token|secret|password|passwd|credential", re.IGNORECASE)
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
    return {key: value for key, value in dotenv_values(project.env_file).items() if value is not None}


def child_environment(project: Project) -> dict[str, str]:
    env = {**CHILD_DEFAULTS, **dotenv(project), **os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
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
    values += [value for name, value in os.environ.items() if SECRET_NAME.search(name)]
    values += list(_toml_strings(project.secrets_file))
    values += list(extra_values)
    return Redactor(values)


def _toml_strings(path: Path):
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return
    stack = [document]
    while stack:
        node = stack.pop()
        for value in node.values() if isinstance(node, dict) else node:
            if isinstance(value, str):
                yield value
            elif isinstance(value, dict | list):
                stack.append(value)
