"""git, where Dango can use it and never needs it: without git, or outside a checkout, every answer is
empty, which callers read as "nothing tracked, nothing to refuse". `listed` is which files a push (or a
project's copy of Dango) takes: what git does not ignore, else what the folder's .gitignore does not."""

import os
import subprocess
from pathlib import Path


def output(root: Path, *args: str, accepted: tuple[int, ...] = (0,)) -> str:
    """git's standard output in `root`, or "" when git is missing or exits with another code."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return ""
    return done.stdout if done.returncode in accepted else ""


def in_checkout(root: Path) -> bool:
    return output(root, "rev-parse", "--is-inside-work-tree").strip() == "true"


def listed(root: Path, parts: tuple[str, ...]) -> list[str]:
    """The files under `parts` of `root` that git does not ignore (tracked or not), relative to root."""
    present = [part for part in parts if (root / part).exists()]
    if not present:
        return []
    if in_checkout(root):
        names = output(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *present)
        return [name for name in names.split("\0") if name]
    return walked(root, present)


def walked(root: Path, parts: list[str]) -> list[str]:
    """Without git, the files under `parts` that the root's .gitignore does not match."""
    import pathspec

    gitignore = root / ".gitignore"
    lines = gitignore.read_text().splitlines() if gitignore.is_file() else []
    ignored = pathspec.GitIgnoreSpec.from_lines(lines).match_file
    names = []
    for part in parts:
        if (root / part).is_file():
            names += [] if ignored(part) else [part]
            continue
        for folder, subfolders, filenames in os.walk(root / part):
            relative = Path(folder).relative_to(root).as_posix()
            subfolders[:] = [d for d in subfolders if not ignored(f"{relative}/{d}/")]
            names += [f"{relative}/{f}" for f in filenames if not ignored(f"{relative}/{f}")]
    return names
