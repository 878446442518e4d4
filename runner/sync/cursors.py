"""The incremental cursors saved in a dlt pipeline state, and values typed like them.

dlt keeps each `dlt.sources.incremental` under
`state["sources"][<source>]["resources"][<resource>]["incremental"][<cursor column>]`, with its
`initial_value` and `last_value`. A value typed on the command line (`--since`, `state set --cursor`)
takes the type of the saved value: an id cursor takes integers, a date cursor dates.
"""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Cursor:
    source: str  # the key of the source's section in the state (dlt's source name)
    resource: str
    column: str
    initial_value: object
    last_value: object


def cursors(state: dict) -> list[Cursor]:
    found = []
    for source, section in sorted(state.get("sources", {}).items()):
        for resource, resource_state in sorted(section.get("resources", {}).items()):
            for column, cursor in sorted((resource_state.get("incremental") or {}).items()):
                found.append(Cursor(source, resource, column, cursor.get("initial_value"), cursor.get("last_value")))
    return found


def saved_last_value(state: dict, resource: str, column: str):
    return next((c.last_value for c in cursors(state) if (c.resource, c.column) == (resource, column)), None)


def typed_like(text: str, like):
    """`text` as a value of `like`'s type; ValueError saying which type was expected."""
    if isinstance(like, bool) or like is None:
        return int(text) if text.lstrip("-").isdigit() else text
    if isinstance(like, int):
        return _parse(int, text, "an integer, like the cursor")
    if isinstance(like, float):
        return _parse(float, text, "a number, like the cursor")
    if isinstance(like, datetime.datetime):
        import pendulum

        value = _parse(pendulum.parse, text, "a date and time, like the cursor")
        if not isinstance(value, datetime.datetime):
            raise ValueError("is not a date and time, like the cursor (e.g. 2024-02-01T00:00:00Z)")
        return value
    if isinstance(like, datetime.date):
        return _parse(datetime.date.fromisoformat, text, "a date, like the cursor (e.g. 2024-02-01)")
    if isinstance(like, str) and _is_iso(like) and not _is_iso(text):
        raise ValueError(f"is not a date, like the cursor's {like!r}")
    return text


def _parse(parse, text: str, expected: str):
    try:
        return parse(text)
    except (ValueError, TypeError):
        raise ValueError(f"is not {expected}") from None


def _is_iso(text: str) -> bool:
    try:
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False
