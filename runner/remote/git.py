"""git, where Dango can use it and never needs it: without git, or outside a checkout, every answer is
empty, which callers read as "nothing tracked, nothing to refuse"."""

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
