"""Where a Dango project's files live.

A project root is any folder holding `.dango/sources.yml`. Every path derives from the root, never
from the current folder, and all runtime state (dlt working folders, logs, locks) stays under
`data/`, so two projects on one machine never share incremental state.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from runner.config.errors import DangoError

SOURCES_FILE = Path(".dango") / "sources.yml"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def sources_file(self) -> Path:
        return self.root / SOURCES_FILE

    @property
    def custom_sources(self) -> Path:
        return self.root / "custom_sources"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def pipelines_dir(self) -> Path:
        return self.data / "pipelines"

    @property
    def logs_dir(self) -> Path:
        return self.data / "logs"

    @property
    def env_file(self) -> Path:
        return self.root / ".env"

    @property
    def secrets_file(self) -> Path:
        return self.root / ".dlt" / "secrets.toml"

    @property
    def dbt_dir(self) -> Path:
        return self.root / "dbt"

    def relative(self, path: Path) -> str:
        """A path as the user should see it: relative to the project root when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def find_project(project_dir: str | None = None, start: Path | None = None) -> Project:
    """The project named by --project-dir or DANGO_PROJECT_DIR, else the nearest one above `start`."""
    explicit = project_dir or os.environ.get("DANGO_PROJECT_DIR")
    if explicit:
        root = Path(explicit).expanduser().resolve()
        if not (root / SOURCES_FILE).is_file():
            raise DangoError(
                f"{root} is not a Dango project: {SOURCES_FILE} is missing there. "
                f"Create one with `bin/dango init {explicit}` or point --project-dir at a project."
            )
        return Project(root)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SOURCES_FILE).is_file():
            return Project(folder)
    raise DangoError(
        f"no Dango project found in {here} or any folder above it (looked for {SOURCES_FILE}). "
        "Run from inside a project, pass --project-dir DIR, or create one with `bin/dango init DIR`."
    )
