"""`dango install-command`: a `dango` command on PATH that runs the bin/dango of the project you are in.

It is a small script (templates/launcher.sh), not a link: a link to one project's bin/dango would run
that project's copy of Dango in every other project.
"""

import os
from pathlib import Path

from runner import DANGO_ROOT
from runner.config.errors import DangoError

TEMPLATE = Path(__file__).resolve().parent / "templates" / "launcher.sh"


def install(folder: Path) -> Path:
    """Write `folder`/dango and return its path."""
    path = folder.expanduser() / "dango"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # an earlier link must not be written through
        path.write_text(TEMPLATE.read_text().replace("@DANGO@", str(DANGO_ROOT / "bin" / "dango")))
        path.chmod(0o755)
    except OSError as error:
        raise DangoError(f"cannot write {path}: {error.strerror}. Choose another folder with --dir.") from None
    return path


def on_path(folder: Path) -> bool:
    wanted = folder.expanduser().resolve()
    return any(Path(p).expanduser().resolve() == wanted for p in os.environ.get("PATH", "").split(os.pathsep) if p)
