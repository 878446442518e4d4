"""Environment variables a source's module reads that nothing sets: `validate` warns, naming them.

Found without importing the module, in its source text: `os.environ["X"]`, and `os.environ.get("X")`
or `os.getenv("X")` without a default (also through `from os import environ, getenv`). A name is set
when it is in the environment validate runs with or in the project's `.env`, which sync loads.
"""

import ast
import os
from pathlib import Path

from runner.config import environment
from runner.config.problems import WARN, Problem
from runner.config.project import Project
from runner.config.sources_yml import Source


def module_files(project: Project, module: str) -> list[Path]:
    """The files of `module` in custom_sources/ (all of a package's); none for an installed module."""
    base = project.custom_sources.joinpath(*module.split("."))
    if base.with_suffix(".py").is_file():
        return [base.with_suffix(".py")]
    if (base / "__init__.py").is_file():
        return sorted(base.rglob("*.py"))
    return []


def read_names(text: str) -> list[tuple[str, int]]:
    """(variable, line) for each read of a literal name with no default."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []  # the import check reports it
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is(node.value, "environ"):
            name = _literal(node.slice)
        elif isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            function = node.func
            getenv = _is(function, "getenv")
            environ_get = (
                isinstance(function, ast.Attribute) and function.attr == "get" and _is(function.value, "environ")
            )
            name = _literal(node.args[0]) if getenv or environ_get else None
        else:
            continue
        if name is not None:
            found.append((name, node.lineno))
    return sorted(found, key=lambda item: item[1])


def _is(node: ast.AST, name: str) -> bool:
    """`name`, or `os.name`."""
    return (isinstance(node, ast.Name) and node.id == name) or (isinstance(node, ast.Attribute) and node.attr == name)


def _literal(node: ast.AST) -> str | None:
    """The text of a string literal; None for anything else."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def problems(project: Project, source: Source, environ: dict[str, str]) -> list[Problem]:
    """A warning per variable the source's module reads that `environ` (the environment and .env) lacks."""
    found = []
    for path in module_files(project, source.module):
        for name, line in read_names(path.read_text(errors="replace")):
            if name in environ:
                continue
            found.append(
                Problem(
                    project.relative(path),
                    f"reads the environment variable {name}, which is set neither in the environment nor in .env",
                    f"Add `{name}=...` to .env (on a server: shared/.env), or export it before the sync.",
                    line,
                    source.name,
                    level=WARN,
                )
            )
    return found


def set_names(project: Project) -> dict[str, str]:
    return {**environment.dotenv(project), **os.environ}
