"""docs/commands.md, the command reference, rendered from the parser so it never drifts from it.

`make reference` writes it; a unit test fails when the page and the parser disagree.
"""

import argparse
import os

from runner import cli

WIDTH = "100"  # argparse wraps usage lines to $COLUMNS: the page must not depend on the terminal

HEADER = """# Command reference

Generated from `bin/dango`'s own parser by `make reference`; do not edit by hand. Every command also
takes `--project-dir DIR` (default: `$DANGO_PROJECT_DIR`, else the nearest folder above holding
`.dango/sources.yml`) and `-h`/`--help`.
"""


def render() -> str:
    os.environ["COLUMNS"] = WIDTH
    parts = [HEADER]
    for path, parser in commands(cli.parser(), ["dango"]):
        parts.append(section(path, parser))
    return "\n".join(parts)


def commands(parser: argparse.ArgumentParser, path: list[str]):
    """Every runnable (sub)command, depth first, each once (an alias is listed with its command)."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield path, parser
        return
    seen: set[int] = set()
    for name, child in subparsers[0].choices.items():
        if id(child) not in seen:
            seen.add(id(child))
            yield from commands(child, [*path, name])


def section(path: list[str], parser: argparse.ArgumentParser) -> str:
    usage = parser.format_usage().removeprefix("usage: ").strip()
    lines = [f"## {' '.join(path)}", "", (parser.description or "").strip(), "", "```", usage, "```", ""]
    rows = [option_row(action) for action in parser._actions if option_row(action)]
    if rows:
        lines += ["| argument | meaning |", "| --- | --- |", *rows, ""]
    return "\n".join(lines)


def option_row(action: argparse.Action) -> str:
    if isinstance(action, argparse._HelpAction) or action.dest == "project_dir" or action.help == argparse.SUPPRESS:
        return ""
    name = ", ".join(f"`{s}`" for s in action.option_strings) or f"`{action.metavar or action.dest}`"
    if action.option_strings and action.nargs != 0:
        name += f" {action.metavar or action.dest.upper()}"
    meaning = (action.help or "").replace("|", "\\|")
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        meaning += f" (one of: {', '.join(map(str, action.choices))})"
    return f"| {name} | {meaning} |"


if __name__ == "__main__":
    print(render(), end="")
