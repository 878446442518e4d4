"""Secrets by reference in sources.yml: `${NAME}` or `{env: NAME}` stands for the variable NAME of
the environment or the project's `.env`, resolved only in the source's own process. In a
dlt_native source's function_kwargs only `${NAME}` is one (`mappings=False`): a mapping such as
`{env: prod}` may well be an argument of the user's function.

sources.yml is committed, so a secret never goes there literally: `literal_secrets` finds the
values a source type's block writes out under a secret-looking key (password, token, api_key...),
and database URLs that carry a password, for validate and sync to refuse.
"""

import re
from collections.abc import Iterator, Mapping

from runner.config.environment import looks_secret

REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# scheme://user:password@host: a URL's password sits between the user's colon and the @.
URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/:@]*:(?P<password>[^/@]+)@")
# HTTP headers that carry credentials though their names do not say "key" or "token".
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie"}


class MissingSecret(Exception):
    """A referenced variable is set nowhere; `path` is its dotted field below the source's entry."""

    def __init__(self, path: str, variable: str):
        self.path, self.variable = path, variable
        super().__init__(f"{variable} is not set")


def variable_of(value, mappings: bool = True) -> str | None:
    """The variable a value refers to, or None for a literal."""
    if isinstance(value, str):
        match = REFERENCE.match(value.strip())
        return match.group(1) if match else None
    if mappings and isinstance(value, Mapping) and set(value) == {"env"} and isinstance(value["env"], str):
        return value["env"]
    return None


def references(value, path: tuple = (), mappings: bool = True) -> Iterator[tuple[tuple, str]]:
    """(field path, variable) of every reference at any depth."""
    variable = variable_of(value, mappings)
    if variable:
        yield path, variable
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from references(item, path + (str(key),), mappings)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from references(item, path + (str(index),), mappings)


def resolve(value, environ: Mapping[str, str], path: tuple = (), mappings: bool = True):
    """`value` with every reference replaced by its variable's value; MissingSecret for one unset."""
    variable = variable_of(value, mappings)
    if variable:
        if not environ.get(variable):
            raise MissingSecret(".".join(path), variable)
        return environ[variable]
    if isinstance(value, Mapping):
        return {key: resolve(item, environ, path + (str(key),), mappings) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, environ, path + (str(index),), mappings) for index, item in enumerate(value)]
    return value


def literal_secrets(value, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(field path, what it is) of every secret written out literally at any depth."""
    if variable_of(value):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            secret_name = looks_secret(name) or name.lower() in SECRET_HEADERS
            literal = _is_literal(item) and not variable_of(item) and "://" not in str(item)  # URLs: below
            if secret_name and literal:
                yield path + (name,), "a secret"
            else:
                yield from literal_secrets(item, path + (name,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from literal_secrets(item, path + (index,))
    elif isinstance(value, str) and URL_PASSWORD.match(value.strip()):
        yield path, "a URL with a password"


def _is_literal(value) -> bool:
    return (isinstance(value, str) and bool(value.strip())) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def variable_for(source: str, path: tuple) -> str:
    """A variable name to suggest for a secret at `path` of a source: PG_PASSWORD-like, upper case."""
    last = re.sub(r"[^A-Za-z0-9]+", "_", str(path[-1])).strip("_") if path else "SECRET"
    return f"{source}_{last}".upper()


def referenced_values(source, environ: Mapping[str, str]) -> list[str]:
    """The values a source's references stand for, and the password of a URL among them: to redact."""
    found = [*references(source.kwargs, mappings=False), *references(source.config)]
    values = [environ.get(variable) for _, variable in found]
    given = [v for v in values if v]
    return given + [match.group("password") for match in map(URL_PASSWORD.match, given) if match]
