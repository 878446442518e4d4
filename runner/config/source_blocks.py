"""Checks of a source's blocks that a JSON Schema cannot express, run with the schema's.

- A built-in type's block (rest_api, sql_database, files) writes no secret out: each is a
  reference (`${NAME}` or `{env: NAME}`, runner/config/secret_refs.py) to .env or the environment.
- A block of another type than the entry's is a mistake (it would be ignored).
- An incremental `initial_value` written as a date or timestamp parses as one: it becomes a date
  or datetime here, never a string compared with a timestamp column in the middle of a sync.
"""

import re
from datetime import date, datetime

from runner.config import secret_refs
from runner.config.problems import Problem

TYPE_BLOCKS = ("dlt_native", "rest_api", "sql_database", "files")
LOOKS_LIKE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def typed_initial_value(value):
    """A quoted date or timestamp as a date or datetime; other values as they are. ValueError for
    text that starts like a date and is not one."""
    if not isinstance(value, str) or not LOOKS_LIKE_DATE.match(value.strip()):
        return value
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace(" ", "T", 1))


def block_problems(data: dict, lines: dict, where: str) -> list[Problem]:
    problems = []
    for index, entry in enumerate(data.get("sources") or []):
        name = entry["name"]

        def problem(path: tuple, message: str, fix: str, index=index, name=name) -> Problem:
            line = next((lines[("sources", index, *path[:n])] for n in range(len(path), -1, -1)), None)
            return Problem(where, message, fix, line, name, ".".join(map(str, path)))

        kind = entry["type"]
        for other in TYPE_BLOCKS:
            if other != kind and other in entry:
                fix = f"remove it, or set `type: {other}`."
                problems.append(problem((other,), f"a `{other}` block in a source of type {kind}", fix))
        if kind != "dlt_native":
            for path, what in secret_refs.literal_secrets(entry.get(kind), (kind,)):
                variable = secret_refs.variable_for(name, path)
                fix = (
                    f"put it in .env (kept out of git) as `{variable}=...`, and write `{path[-1]}: ${{{variable}}}` "
                    "here instead."
                )
                problems.append(problem(path, f"{what} is written out in sources.yml, which is committed", fix))
        for resource, settings in (entry.get("resources") or {}).items():
            value = ((settings or {}).get("incremental") or {}).get("initial_value")
            try:
                typed_initial_value(value)
            except ValueError as error:
                path = ("resources", resource, "incremental", "initial_value")
                fix = "write a date (2024-01-02) or an ISO timestamp (2024-01-02T00:00:00+00:00)."
                problems.append(problem(path, f"{value!r} is not a date or timestamp ({error})", fix))
    return problems
