"""YAML settings files checked against a JSON Schema, each problem located for a person.

Shared by .dango/sources.yml (runner/config.py) and .dango/remote.yml (runner/remote_config.py): a
problem names the file, the line, the field and the fix, whatever the file. A file says how its
document paths read (`locate`: sources.yml names the source an entry is) and may give hints for
particular fields (`hints`, by document path).
"""

import difflib
import math
from pathlib import Path
from typing import Any

from runner.config.errors import DangoError
from runner.config.problems import Problem

TYPE_WORDS = {
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
    "integer": "a whole number",
    "int": "a whole number",
    "number": "a number",
    "float": "a number",
}


def read_text(path: Path, where: str) -> str:
    """The file's text, or a DangoError naming it: unreadable, or not UTF-8 (binary junk, another encoding)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise DangoError(f"{where}: cannot read it ({error.strerror}).") from error
    except UnicodeDecodeError as error:
        raise DangoError(
            f"{where}: not UTF-8 text (byte {error.object[error.start]:#04x} at offset {error.start}); "
            "save it as UTF-8, or restore it from git."
        ) from error


def plain_field(data, path: tuple) -> tuple[str | None, str | None]:
    """No source; the dotted field a document path points to."""
    return None, ".".join(map(str, path)) or None


def parse(text: str, where: str, locate=plain_field) -> tuple[Any, dict, list[Problem]]:
    """The data, a map from each key's path to its line, and problems found while parsing.

    The text is composed into nodes once (libyaml's parser when PyYAML has it), walked once for lines
    and duplicate keys, and only then built into data: aliases that would expand past
    `MAX_ALIAS_EXPANSION` values (an alias bomb) or contain themselves are refused before anything is built."""
    import yaml  # here: a sync of a sources.yml known valid parses nothing

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        fix = "Fix the syntax (indentation, quotes, colons)."
        return None, {}, [Problem(where, f"invalid YAML: {reason}", fix, line=mark.line + 1 if mark else None)]
    if root is None:
        return None, {}, []
    lines: dict[tuple, int] = {}
    duplicates: list[tuple] = []
    bad_alias = _walk(yaml, root, lines, duplicates)
    if bad_alias:
        return None, {}, [Problem(where, *bad_alias)]
    data = loader("").construct_document(root)
    problems = [
        Problem(where, "this key appears twice in the same mapping", "keep one.", lines[path], *locate(data, path))
        for path in duplicates
    ]
    return data, lines, problems


# Values the walk may visit again through aliases (*name): far more than a real file's shared
# defaults, far less than an alias bomb (a few lines of YAML that expand to billions of values).
MAX_ALIAS_EXPANSION = 100_000


def _walk(yaml, root, lines: dict, duplicates: list[tuple]) -> tuple[str, str, int] | None:
    """Record the line of every key and list item, and the paths of keys given twice; or return the
    problem (message, fix, line) of an alias that contains itself or expands too far. Iterative and
    bounded, so neither deep nesting nor aliases can exhaust the stack or the memory."""
    stack: list[tuple[Any, tuple, frozenset[int]]] = [(root, (), frozenset())]
    seen: set[int] = set()
    again = 0
    while stack:
        node, path, ancestors = stack.pop()
        if id(node) in seen:
            again += 1
            if again > MAX_ALIAS_EXPANSION:
                message = f"its aliases (*name) expand to more than {MAX_ALIAS_EXPANSION:,} values"
                return message, "Write the values out, or use fewer nested aliases.", node.start_mark.line + 1
        seen.add(id(node))
        if id(node) in ancestors:
            return "an alias (*name) refers to a value that contains it", "Remove the loop.", node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            inner = ancestors | {id(node)}
            children: list[tuple[Any, tuple, frozenset[int]]] = []
            for key_node, value_node in node.value:
                key_path = path + (key_node.value,)
                if key_path in lines:
                    duplicates.append(key_path)
                lines[key_path] = key_node.start_mark.line + 1
                children.append((value_node, key_path, inner))
            stack.extend(reversed(children))  # in the file's order
        elif isinstance(node, yaml.SequenceNode):
            inner = ancestors | {id(node)}
            for index, item in enumerate(node.value):
                lines[path + (index,)] = item.start_mark.line + 1
            stack.extend((item, path + (index,), inner) for index, item in reversed(list(enumerate(node.value))))
    return None


def schema_problems(data, lines: dict, where: str, schema: dict, locate=plain_field, hints=None) -> list[Problem]:
    """Every way `data` breaks `schema`, in the order of the file's lines."""
    errors = _validator()(_inline_refs(schema, schema)).iter_errors(data)
    described = [_describe(error, data, lines, where, schema, locate, hints or {}) for error in errors]
    return sorted(described, key=lambda problem: problem.line or 0)


def _validator():
    """JSON Schema's validator, where a number is finite: YAML's `.nan` and `.inf` are floats, and NaN
    passes every bound (`timeout: .nan` would never time out)."""
    from jsonschema import Draft202012Validator, validators

    def finite_number(checker, instance) -> bool:
        return Draft202012Validator.TYPE_CHECKER.is_type(instance, "number") and math.isfinite(instance)

    return validators.extend(
        Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("number", finite_number)
    )


def _inline_refs(node, schema: dict):
    """The schema with each local `$ref` replaced by its definition: jsonschema resolves a reference
    anew for every value it checks, a third of the time of a file with thousands of sources. The
    schemas in schema/ are not recursive."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(schema["$defs"][node["$ref"].rsplit("/", 1)[1]], schema)
        return {key: _inline_refs(value, schema) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(item, schema) for item in node]
    return node


def _describe(error, data, lines: dict, where: str, schema: dict, locate, hints: dict) -> Problem:
    """The line of a schema error and its message for a person."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [key for key in error.instance if key not in allowed]
        path = path + (unknown[0],)
        message = f"unknown key '{unknown[0]}'"
        hint = (
            hints.get(tuple(map(str, path)))
            or _closest(str(unknown[0]), allowed)
            or f"allowed keys here: {', '.join(allowed)}"
        )
        if len(unknown) > 1:
            message = f"unknown keys {', '.join(repr(k) for k in unknown)}"
    elif error.validator == "required":
        missing = error.message.split("'")[1]
        message = f"missing required field '{missing}'"
        hint = f"add `{missing}:` ({_field_help(schema, error.schema, missing)})"
    elif error.validator in ("enum", "const"):
        message = f"{error.instance!r} is not supported"
        hint = f"use {_field_description(error.schema, error.validator_value)}"
    elif error.validator == "type":
        got = _type_words(type(error.instance).__name__)
        if isinstance(error.instance, float) and not math.isfinite(error.instance):
            got = "`.nan` or `.inf`, which is no number of anything"
        message = f"expected {_type_words(error.validator_value)}, got {got}"
        hint = f"write {error.schema.get('description', _type_words(error.validator_value))}"
    elif error.validator == "pattern":
        message = f"{error.instance!r} is not allowed"
        hint = f"use {error.schema.get('description', 'a value matching ' + error.validator_value)}"
    else:
        message = error.message
        hint = f"use {error.schema.get('description', 'a valid value')}"
    ending = "" if hint.endswith("?") else "."
    return Problem(where, message, hint + ending, _line(lines, path), *locate(data, path))


def _line(lines: dict, path: tuple) -> int | None:
    """The line of the deepest part of `path` that has one."""
    return next((lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines), None)


def _closest(key: str, allowed: list[str]) -> str | None:
    match = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def _field_help(schema: dict, schema_node: dict, name: str) -> str:
    # A field required by an if/then clause is described where it is defined: under $defs by name.
    target = schema_node.get("properties", {}).get(name) or schema.get("$defs", {}).get(name, {})
    if "$ref" in target:
        target = schema["$defs"][target["$ref"].rsplit("/", 1)[1]]
    return target.get("description", "see docs/sources.md")


def _field_description(schema_node: dict, allowed) -> str:
    values = allowed if isinstance(allowed, list) else [allowed]
    choices = " or ".join(repr(v) for v in dict.fromkeys(str(v) for v in values))
    return schema_node.get("description", choices) if len(values) > 2 else choices


def _type_words(json_type) -> str:
    if isinstance(json_type, list):
        return " or ".join(TYPE_WORDS.get(t) or t for t in json_type)
    return TYPE_WORDS.get(json_type, json_type)
