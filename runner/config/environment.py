"""The environment each source's child process runs with, and the secrets to keep out of output.

`.env` in the project root is loaded into the child's environment; variables already set win, as
users expect from shells and cron. Secrets are collected so that everything a child prints passes
through `Redactor` before it reaches a terminal, a log file or an error message: which values are
secrets, and in which forms they are masked, is documented in docs/hardening.md.
"""

import base64
import json
import os
import re
import sys
import urllib.parse
from pathlib import Path

from runner import DANGO_ROOT
from runner.config.project import Project

SECRET_NAME = re.compile(r"key|token|secret|password|passwd|credential|authorization|cookie|^auth$", re.IGNORECASE)
# Names that contain "key" but hold column names, such as dlt's primary_key and merge_key.
NOT_SECRET_NAME = re.compile(
    r"(primary|merge|partition|cursor|sort|foreign|unique|natural|surrogate|dedup|row|join)_?keys?$", re.IGNORECASE
)
# Settings of .env and .dlt/secrets.toml that name where to connect, not how to prove who you are:
# shown as they are, so that "connection to server at host, port 54329 failed for user x" stays useful.
NOT_SECRET_SETTING = re.compile(
    r"(^|_)(host|hostname|port|user|username|login|database|dbname|db|drivername|driver|dialect|schema|dataset_name"
    r"|path|dir|folder|file|url|base_url|endpoint|region|timeout|sslmode|warehouse|role|account)$",
    re.IGNORECASE,
)
# Shorter values are masked only where they stand as a whole value (`key=abc`, `"key": "abc"`):
# anywhere else they would turn ordinary words and numbers into asterisks.
MIN_SECRET_LENGTH = 4
URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#@:]*:)([^\s/?#@]+)(@)")
# The value of an Authorization-like header (or a printed dict of headers); the scheme stays readable.
HEADER_VALUE = re.compile(
    r"""\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie)(["']?\s*:\s*["']?)"""
    r"""((?:bearer|basic|token|digest|negotiate)\s+)?[^\s"',;}\]]+""",
    re.IGNORECASE,
)
PLAIN_VALUE = re.compile(r"[-+]?\d+(\.\d+)?|true|false|yes|no", re.IGNORECASE)
# What `dlt init` writes in .dlt/secrets.toml for the user to replace.
DLT_PLACEHOLDER = "<configure me>"
AUTH_SCHEME = re.compile(r"^(bearer|basic|token|digest|negotiate)\s+(\S+)$", re.IGNORECASE)

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


def keep_private(project: Project) -> None:
    """data/ (dlt's state, logs, the warehouse) and .env readable by their owner only; say so when
    .env changes mode, since it is the user's file."""
    for path, private in ((project.data, 0o700), (project.env_file, 0o600)):
        try:
            mode = path.stat().st_mode & 0o777
            if mode & 0o077:
                path.chmod(private)
                if path == project.env_file:  # the user's own file; data/ is Dango's
                    change = f"{mode:o} -> {private:o}"
                    print(f"dango: made .env readable by its owner only ({change})", file=sys.stderr)
        except OSError:
            continue  # missing, or not ours: the steps that write it report that


def runner_command(module: str) -> list[str]:
    """The command that runs one of Dango's modules in a child whose working folder is the project:
    -P keeps that folder off the import path, so a project's own runner.py never stands in for Dango's."""
    return [sys.executable, "-P", "-m", module]


def child_environment(project: Project) -> dict[str, str]:
    env = {**CHILD_DEFAULTS, **dotenv(project), **os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(DANGO_ROOT), os.environ.get("PYTHONPATH")]))
    return env


class Redactor:
    """Replaces secrets with `***` in any text: each known secret value in every form it travels in
    (URL-encoded, JSON-escaped, base64 as in HTTP basic auth), the password of any URL, and the
    value of any Authorization-like header."""

    def __init__(self, values):
        forms = {form for value in values for secret in _secrets_in(value) for form in _encodings(secret)}
        long = sorted((f for f in forms if len(f) >= MIN_SECRET_LENGTH), key=len, reverse=True)
        short = sorted((f for f in forms if 0 < len(f) < MIN_SECRET_LENGTH), key=len, reverse=True)
        # Longest first, so a secret that contains another is hidden whole.
        self._long = re.compile("|".join(map(re.escape, long))) if long else None
        self._short = (
            re.compile(rf"""(?<=[=:"'])(\s*)(?:{"|".join(map(re.escape, short))})(?=["'&\s,;}}\])]|$)""")
            if short
            else None
        )

    def __call__(self, text: str) -> str:
        if self._long:
            text = self._long.sub("***", text)
        if self._short:
            text = self._short.sub(r"\1***", text)
        text = URL_PASSWORD.sub(r"\1***\3", text)
        return HEADER_VALUE.sub(lambda m: f"{m[1]}{m[2]}{m[3] or ''}***", text)


def _secrets_in(value) -> list[str]:
    """The secret parts of a value: a URL's password, an Authorization value's credentials, or all of it."""
    if isinstance(value, list | tuple):
        return [secret for item in value for secret in _secrets_in(item)]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return []
    text = str(value)
    url = URL_PASSWORD.search(text)
    if url:
        user = urllib.parse.unquote(url[1].split("://", 1)[1][:-1])
        password = urllib.parse.unquote(url[2])
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()  # how requests sends URL credentials
        return [password, url[2], basic]
    scheme = AUTH_SCHEME.match(text.strip())
    return [scheme[2]] if scheme else [text]


def _encodings(secret: str) -> set[str]:
    """The forms a secret takes in URLs, JSON, Python reprs and base64."""
    forms = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
    }
    if len(secret) >= MIN_SECRET_LENGTH:
        forms.add(base64.b64encode(secret.encode()).decode())
    return forms


def redactor(project: Project, extra_values=()) -> Redactor:
    """A Redactor for the secrets of `.env` and `.dlt/secrets.toml` (by their names: hosts, ports, users
    and paths stay readable), environment variables named like secrets, and `extra_values`."""
    values = [value for name, value in dotenv(project).items() if is_secret_setting(name, value)]
    values += [value for name, value in os.environ.items() if looks_secret(name)]
    values += [value for name, value in _toml_settings(project.secrets_file) if is_secret_setting(name, value)]
    values += list(extra_values)
    return Redactor(values)


def is_secret_setting(name: str, value: str) -> bool:
    """A setting of .env or .dlt/secrets.toml is a secret when named like one; otherwise unless its
    name is a connection detail or its value a plain number or boolean (`PAGES=20`). A URL's password
    is masked wherever it appears."""
    if value == DLT_PLACEHOLDER:
        return False  # no secret yet; `validate` names it (runner/validate/placeholders.py)
    last = name.replace(".", "__").split("__")[-1]
    if looks_secret(last):
        return True
    return not NOT_SECRET_SETTING.search(last) and not PLAIN_VALUE.fullmatch(value.strip())


def looks_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name)


def secret_literals(kwargs: dict, path: tuple = ()):
    """(key path, value) of literal secrets at any depth of function_kwargs: values under
    secret-looking keys (api_key, Authorization...) and URLs with a password (dsn: postgresql://u:p@h/db)."""
    for key, value in kwargs.items():
        if isinstance(value, dict):
            yield from secret_literals(value, path + (str(key),))
        elif (looks_secret(str(key)) and _is_literal(value)) or (isinstance(value, str) and URL_PASSWORD.search(value)):
            yield path + (str(key),), value


def _is_literal(value) -> bool:
    if isinstance(value, list):
        return any(map(_is_literal, value))
    return (isinstance(value, str) and bool(value.strip())) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def _toml_settings(path: Path):
    """(key, value) of every string of a TOML file, at any depth."""
    document = read_toml(path)
    if document is None:
        return
    stack: list[tuple[str, dict | list]] = [("", document)]  # lists of tables are walked too
    while stack:
        name, node = stack.pop()
        items = node.items() if isinstance(node, dict) else ((name, value) for value in node)
        for key, value in items:
            if isinstance(value, str):
                yield key, value
            elif isinstance(value, dict | list):
                stack.append((key, value))


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
