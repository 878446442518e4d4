"""Find Python files in custom_sources/ that no registered source uses.

Files are not discovered automatically, so a file nobody registered is probably a forgotten source.
Not flagged: names starting with `_` (so `__init__.py`), names Python cannot import (editor backups
such as `.#my_api.py`), package folders that a registered module lives in, helper modules a
registered source imports, directly or through other helpers, and scripts that run a registered
source (they import it and define no source of their own, such as the `notion_pipeline.py` example
`dlt init notion` writes beside the package). Imports are read with `ast`, never executed, so the
check is safe and fast enough to run before every command.
"""

import ast
from pathlib import Path

from runner.config.project import Project
from runner.config.sources_yml import Source


def unreferenced(project: Project, sources: list[Source]) -> list[Path]:
    """Top-level modules and packages of custom_sources/ that no registered source reaches."""
    local = local_modules(project.custom_sources)
    reached: set[str] = set()
    pending = [source.module.split(".")[0] for source in sources]
    while pending:
        name = pending.pop()
        if name in reached or name not in local:
            continue
        reached.add(name)
        pending.extend(imported_names(local[name]))
    return [
        path
        for name, path in sorted(local.items())
        if name not in reached
        and not name.startswith("_")
        and (path.is_file() or (path / "__init__.py").is_file())
        and not runs_a_registered_source(path, reached)
    ]


def runs_a_registered_source(path: Path, reached: set[str]) -> bool:
    """A module that imports a registered source and defines no source itself: a script running it."""
    return path.is_file() and bool(imported_names(path) & reached) and not source_functions(path)


def local_modules(folder: Path) -> dict[str, Path]:
    """Importable top-level name -> its file (module.py) or folder (a package, or a namespace package:
    a folder of .py files without __init__.py, followed for imports but never flagged itself)."""
    if not folder.is_dir():
        return {}
    modules = {path.stem: path for path in folder.glob("*.py") if path.stem.isidentifier()}
    for path in folder.iterdir():
        if path.is_dir() and path.name.isidentifier() and any(path.rglob("*.py")):
            modules[path.name] = path
    return modules


def imported_names(path: Path) -> set[str]:
    """Top-level names of everything the module (or every module of the package) imports."""
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    names: set[str] = set()
    for file in files:
        tree = _parse(file)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def source_functions(path: Path) -> list[str]:
    """The module-level functions decorated with dlt.source, else with dlt.resource, for the snippet."""
    tree = _parse(path / "__init__.py" if path.is_dir() else path)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)] if tree else []
    for kind in ("source", "resource"):
        found = [
            f.name for f in functions if any(_decorator_name(d) in (f"dlt.{kind}", kind) for d in f.decorator_list)
        ]
        if found:
            return found
    return []


def _parse(file: Path) -> ast.Module | None:
    try:
        return ast.parse(file.read_text(), str(file))
    except (SyntaxError, ValueError, OSError):
        return None  # a broken file is validate's to report; here it imports nothing


def _decorator_name(node) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(node)


def warning(project: Project, sources: list[Source]) -> str:
    """The warning text, as the docs show it, or "" when every file is used."""
    paths = unreferenced(project, sources)
    if not paths:
        return ""
    lines = ["⚠️ Unreferenced custom sources detected:"]
    lines += [f"  - {project.relative(path)}" for path in paths]
    lines.append("These files won't be synced. To use them, add to .dango/sources.yml:")
    for path in paths:
        module = path.stem if path.is_file() else path.name
        functions = source_functions(path)
        lines += [
            f"  - name: {module.lower()}",
            "    type: dlt_native",
            "    enabled: true",
            "    dlt_native:",
            f"      source_module: {module}",
            f"      source_function: {functions[0] if len(functions) == 1 else '<function_name>'}",
            "      function_kwargs: {}",
        ]
    return "\n".join(lines)
