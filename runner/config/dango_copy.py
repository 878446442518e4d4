"""Dango's own code inside a project: `dango init` copies it, `dango upgrade` replaces it.

A project holds a copy of the Dango that made it: exactly the files `remote push` ships as Dango's
(`DANGO_PARTS`: bin/, runner/, schema/, Makefile), with the commit they came from in `runner/COMMIT`.
So a project runs by itself from its own root (`bin/dango`, `make sync`, its own .venv), a server
release is the same folder, and a newer Dango changes a project only when `dango upgrade` is run in it.
"""

import shutil
import subprocess
from pathlib import Path

from runner import DANGO_ROOT, VERSION
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.remote import git

DANGO_PARTS = ("bin", "runner", "schema", "Makefile")  # what `remote push` ships as Dango's, too
COMMIT_FILE = Path("runner") / "COMMIT"


def dango_files(root: Path = DANGO_ROOT) -> dict[str, Path]:
    """Dango's files under `root`, by their path relative to it, as `remote push` lists them."""
    names = [name for name in git.listed(root, DANGO_PARTS) if not compiled(name) and name != str(COMMIT_FILE)]
    return {name: root / name for name in sorted(names) if (root / name).is_file()}


def compiled(name: str) -> bool:
    return "__pycache__" in name.split("/") or name.endswith(".pyc")


def commit(root: Path = DANGO_ROOT) -> str:
    """The commit this Dango was copied from, or the checkout's own (`+changes` when it has some)."""
    recorded = root / COMMIT_FILE
    if recorded.is_file():
        return recorded.read_text().strip()
    head = git.output(root, "rev-parse", "--short", "HEAD").strip()
    if not head:
        return "unknown"
    dirty = git.output(root, "status", "--porcelain", "--", *DANGO_PARTS).strip()
    return head + ("+changes" if dirty else "")


def version(root: Path = DANGO_ROOT) -> str:
    return f"{VERSION} (commit {commit(root)})"


def install(target: Path) -> list[str]:
    """Copy the running Dango's files into `target`; the relative paths written."""
    files = dango_files()
    for name, source in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, path)  # keeps the scripts' execute bits
    (target / COMMIT_FILE).write_text(commit() + "\n")
    return list(files)


def upgrade(project: Project) -> tuple[str, dict[str, list[str]]]:
    """Replace the project's copy of Dango with the running one: (the old version, changes by kind)."""
    if project.root == DANGO_ROOT:
        raise DangoError(
            f"{project.root} runs its own copy of Dango ({version()}), and `upgrade` copies the Dango that runs "
            "it. Run the newer Dango's from this folder: `/path/to/newer/dango/bin/dango upgrade` (update that "
            "checkout first, with `git pull`)."
        )
    old_version = version(project.root) if (project.root / "runner").is_dir() else "none (no copy of Dango)"
    old = set(dango_files(project.root)) if (project.root / "runner").is_dir() else set()
    new = dango_files()
    changes = {
        "added": sorted(set(new) - old),
        "changed": sorted(n for n in set(new) & old if (project.root / n).read_bytes() != new[n].read_bytes()),
        "removed": sorted(old - set(new)),
    }
    for name in changes["removed"]:
        (project.root / name).unlink()
    for name in changes["added"] + changes["changed"]:
        path = project.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(new[name], path)
    for name in changes["removed"]:
        remove_empty_folders((project.root / name).parent, project.root)
    (project.root / COMMIT_FILE).write_text(commit() + "\n")
    return old_version, changes


def upgrade_and_report(project: Project) -> int:
    """`dango upgrade`: upgrade, list the files, then bring the project's .venv to the new pins."""
    old, changes = upgrade(project)
    counts = ", ".join(f"{len(names)} {kind}" for kind, names in changes.items())
    print(f"upgrade: {project.root}: Dango {old} -> {version()} ({counts} files)")
    for mark, kind in (("+", "added"), ("~", "changed"), ("-", "removed")):
        for name in changes[kind]:
            print(f"  {mark} {name}")
    if not (project.root / ".venv").exists():
        print("upgrade: done; the project's .venv is built by its first `make setup` or `bin/dango` command")
        return 0
    print("upgrade: bringing .venv up to date (bin/setup)", flush=True)
    return subprocess.run([str(project.root / "bin" / "setup")], check=False).returncode


def remove_empty_folders(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(p.name != "__pycache__" for p in folder.iterdir()):
        shutil.rmtree(folder)
        folder = folder.parent
