"""`dango init DIR`: write a new, empty project from the files in runner/config/templates/, with a copy
of the running Dango (runner/config/dango_copy.py), so that the project works by itself from its root."""

import shutil
from pathlib import Path

from runner.config import dango_copy
from runner.config.errors import DangoError
from runner.config.project import SOURCES_FILE

TEMPLATES = Path(__file__).resolve().parent / "templates"

# template file -> where it goes in the new project
FILES = {
    "sources.yml": SOURCES_FILE,
    "gitignore": Path(".gitignore"),
    "dbt_project.yml": Path("dbt/dbt_project.yml"),
    "profiles.yml": Path("dbt/profiles.yml"),
    "requirements.txt": Path("requirements.txt"),
}
EMPTY_FOLDERS = ["custom_sources", "dbt/models/staging", "dbt/models/marts", "dbt/seeds"]


def init(target: Path) -> list[Path]:
    """Create the project at `target` and return the project's own files written (Dango's copy aside).
    Refuses an existing project."""
    target = target.expanduser().resolve()
    if (target / SOURCES_FILE).exists():
        raise DangoError(f"{target} already holds a Dango project ({SOURCES_FILE} exists); nothing was changed.")
    if target.exists() and not target.is_dir():
        raise DangoError(f"{target} is a file, not a folder. Choose a folder for the new project.")
    written = []
    for template, destination in FILES.items():
        path = target / destination
        if path.exists():
            continue  # an existing .gitignore or dbt project is the user's
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES / template, path)
        written.append(path)
    for folder in EMPTY_FOLDERS:
        (target / folder).mkdir(parents=True, exist_ok=True)
        keep = target / folder / ".gitkeep"
        if not any((target / folder).iterdir()):
            keep.touch()
    dango_copy.install(target)
    return written
