"""Read and validate `.dango/remote.yml`: the server that `bin/dango remote` deploys to, over ssh.

The file is checked against schema/remote.schema.json before anything connects, and every problem is
reported at once with its line and field, like sources.yml's. Local paths (identity_file, known_hosts,
ssh_config) may start with `~` and are otherwise relative to the project root, whatever the current
folder.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from runner import DANGO_ROOT
from runner.config import yaml_schema
from runner.config.errors import DangoError
from runner.config.problems import Problem
from runner.config.project import Project

SCHEMA_FILE = DANGO_ROOT / "schema" / "remote.schema.json"
REMOTE_FILE = Path(".dango") / "remote.yml"
EXAMPLE = "  host: deploy@analytics.example.com\n  path: /srv/analytics"
LOCAL_PATHS = ("identity_file", "known_hosts", "ssh_config")


@dataclass(frozen=True)
class Remote:
    """The server: `host` is an ssh destination, `path` the deployment's folder there."""

    host: str
    path: str
    port: int | None = None
    identity_file: Path | None = None
    known_hosts: Path | None = None
    ssh_config: Path | None = None
    python: str | None = None

    def __str__(self) -> str:
        port = f" (port {self.port})" if self.port else ""
        return f"{self.host}:{self.path}{port}"


def load(project: Project) -> Remote:
    """The project's remote.yml, or a DangoError listing every problem in it."""
    path = project.root / REMOTE_FILE
    where = str(REMOTE_FILE)
    if not path.is_file():
        raise DangoError(
            f"{where} not found, so Dango does not know which server to use. Create it with the server's "
            f"SSH destination and the project's folder there:\n{EXAMPLE}\n"
            "(see docs/deploying.md)."
        )
    text = yaml_schema.read_text(path, where)
    data, lines, problems = yaml_schema.parse(text, where)
    if data is None and not problems:
        problems = [Problem(where, "the file is empty", f"Write at least:\n{EXAMPLE}")]
    if not problems:
        problems = yaml_schema.schema_problems(data, lines, where, json.loads(SCHEMA_FILE.read_text()))
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise DangoError("\n".join([*map(str, problems), f"{count} in {where}; nothing was done on the server."]))
    local = {key: _local_path(project, data[key]) for key in LOCAL_PATHS if key in data}
    return Remote(
        host=data["host"], path=data["path"].rstrip("/"), port=data.get("port"), python=data.get("python"), **local
    )


def _local_path(project: Project, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else project.root / path
