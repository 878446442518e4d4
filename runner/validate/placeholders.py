"""Settings still holding dlt's placeholder: `validate` warns, naming the file, the line and the key.

`dlt init` writes `api_key = "<configure me>"` (dlt/common/configuration/const.py) into
.dlt/secrets.toml (and settings into .dlt/config.toml) for the user to fill in. dlt takes the
placeholder for a value, so nothing reports it until the source sends it to its API and fails
there, or loads with it. `.env` is read too, for a
placeholder copied there. Found line by line (a key, `=`, the placeholder, quoted or not), so each
warning points at its line; the TOML sections give a key its full path.
"""

import re

from runner.config.environment import DLT_PLACEHOLDER as PLACEHOLDER  # dlt's TYPE_EXAMPLES["text"]
from runner.config.problems import WARN, Problem
from runner.config.project import Project

SECTION = re.compile(r"\s*\[+\s*([^\]]+?)\s*\]+\s*(#.*)?$")
ASSIGNMENT = re.compile(r"""\s*(?:export\s+)?([A-Za-z0-9_.\-"' ]+?)\s*=\s*(["']?)<configure me>\2\s*(#.*)?$""")


def problems(project: Project) -> list[Problem]:
    dlt_folder = project.secrets_file.parent
    found = []
    for path in (project.secrets_file, dlt_folder / "config.toml", project.env_file):
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError):
            continue  # missing; or unreadable, which dlt and sync report
        if PLACEHOLDER in text:
            toml = path.suffix == ".toml"
            found += [warning(project.relative(path), key, line, toml) for key, line in placeholders(text, toml)]
    return found


def placeholders(text: str, toml: bool) -> list[tuple[str, int]]:
    """(key, line number) of each setting whose value is the placeholder; a TOML key with its section."""
    section = ""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = SECTION.fullmatch(line) if toml else None
        if header:
            section = "".join(header[1].split()).replace('"', "").replace("'", "")
            continue
        match = ASSIGNMENT.fullmatch(line)
        if match:
            key = match[1].strip().replace('"', "").replace("'", "")
            found.append((f"{section}.{key}" if section and toml else key, number))
    return found


def warning(where: str, key: str, line: int, toml: bool) -> Problem:
    if toml:
        variable = key.upper().replace(".", "__")
        fix = (
            f"Replace it with the real value, or set {variable} in .env instead and delete the line; "
            "until then the source that reads it fails or loads with it."
        )
    else:
        fix = (
            f"Replace it with the real value (`{key}=...`); until then the source that reads it fails or loads with it."
        )
    return Problem(where, f'`{key}` is still dlt\'s placeholder "{PLACEHOLDER}"', fix, line, field=key, level=WARN)
