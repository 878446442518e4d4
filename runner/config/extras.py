"""Packages only some projects need, installed by need into .venv through bin/setup, as `make setup
EXTRAS=...` would (bin/requirements maps each word to its requirements file)."""

import importlib
import os
import subprocess
from pathlib import Path

from runner import DANGO_ROOT
from runner.config.errors import DangoError


def install(words: list[str], project_root: Path | None = None) -> None:
    """Install the requirement files of `words` (such as ["sql", "postgres"]) into .venv, then make
    them importable in this process; DangoError when bin/setup fails."""
    extras = " ".join(filter(None, [os.environ.get("EXTRAS", ""), *words]))
    env = {**os.environ, "EXTRAS": extras, **({"DANGO_PROJECT_DIR": str(project_root)} if project_root else {})}
    setup = subprocess.run([str(DANGO_ROOT / "bin" / "setup")], env=env, check=False)
    importlib.invalidate_caches()
    if setup.returncode != 0:
        raise DangoError(f'could not install them; run `make setup EXTRAS="{" ".join(words)}"` and read its error.')
