"""Find Python files in custom_sources/ that no registered source uses.

Files are not discovered automatically, so a file nobody registered is probably a forgotten source.
Not flagged: files and folders starting with `_`, `__init__.py`, package folders that a registered
module lives in, and helper modules a registered source imports, directly or through other helpers.
"""

import ast
from pathlib import Path

from runner.config import Source
from runner.project import Project


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
    return [path for name, path in sorted(local.items()) if name not in reached and not name.startswith("_")]


def local_modules(folder: Path) -> dict[str, Path]:
    """Top-level module name -> its file (module.py) or folder (a package with __init__.py)."""
    if not folder.is_dir():
        return {}
    modules = {path.stem: path for path in folder.glob("*.py")}
    modules.update({path.name: path for path in folder.iterdir() if (path / "__init__.py").is_file()})
    return modules


def imported_names(path: Path) -> set[str]:
    """Top-level names of everything the module (or every module of the package) imports."""
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    names = set()
    for file in files:
        try:
            tree = ast.parse(file.read_text(), str(file))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def source_functions(path: Path) -> list[str]:
    """Names of the functions decorated with dlt.source in a file, for the suggested snippet."""
    file = path / "__init__.py" if path.is_dir() else path
    try:
        tree = ast.parse(file.read_text())
    except (SyntaxError, UnicodeDecodeError, OSError):
        return []
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_decorator_name(d) in ("dlt.source", "source") for d in node.decorator_list)
    ]


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
        name = path.stem if path.is_file() else path.name
        functions = source_functions(path)
        lines += [
            f"  - name: {name}",
            "    type: dlt_native",
            "    enabled: true",
            "    dlt_native:",
            f"      source_module: {name}",
            f"      source_function: {functions[0] if len(functions) == 1 else '<function_name>'}",
            "      function_kwargs: {}",
        ]
    return "\n".join(lines)
