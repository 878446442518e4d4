"""`dango schedule`: a systemd service and timer pair, or a crontab line, for unattended runs.

The scheduled command is the same a person types: `bin/dango sync` (all enabled sources, or one)
then `bin/dango run` (dbt build), by absolute paths, from the project root. systemd stops it with
SIGTERM to Dango alone (KillMode=mixed), which stops the running source and releases the warehouse
lock, and only kills what is left after TimeoutStopSec.

A schedule is named after the project's folder and a hash of its whole path, so two projects in
folders of the same name never replace each other's. Paths are quoted for the reader: cron hands the
line to sh, after turning `%` into a newline unless written `\\%`; systemd splits ExecStart= itself and
expands `%` specifiers and `$` variables everywhere.
"""

import hashlib
import re
import shlex
import subprocess
from pathlib import Path

from runner import DANGO_ROOT
from runner.config.errors import DangoError
from runner.config.project import Project

DANGO = DANGO_ROOT / "bin" / "dango"
# Longer than sync's own grace for a child (10 s), so Dango can report what it left pending.
STOP_TIMEOUT_SECONDS = 60
CRON_MARKER = "# dango:"


def stable(project: Project) -> Project:
    """The project as a schedule names it. In a deployment made by `dango remote push` (runner/push.py),
    that is `<path>/current`, the link every push moves to the new release: the release's own folder is
    deleted a few pushes later."""
    current = project.root.parent.parent / "current"
    if project.root.parent.name == "releases" and current.resolve() == project.root:
        return Project(current)
    return project


def unit_name(project: Project, source: str | None, legacy: bool = False) -> str:
    """dango-<folder>-<hash of its path>[-<source>]; `legacy`: the name before the hash (Dango's
    schedules until issue 14), which installing replaces."""
    deployed = project.root.name == "current" and project.root.is_symlink()
    folder = project.root.parent if deployed else project.root  # a deployment is named after its folder
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", folder.name).strip("-") or "project"
    path_hash = "" if legacy else "-" + hashlib.sha256(str(folder).encode()).hexdigest()[:8]
    return f"dango-{base}{path_hash}" + (f"-{source}" if source else "")


def commands(project: Project, source: str | None, transform: bool) -> list[list[str]]:
    """The commands to run in order, each stopping the schedule when it fails, as `make all` does."""
    own = project.root / "bin" / "dango"  # a deployment's, through its `current` link
    program = own if own.resolve() == DANGO else DANGO
    dango = [str(program), "--project-dir", str(project.root)]
    steps = [[*dango, "sync", *([source] if source else [])]]
    if transform:
        steps.append([*dango, "run"])
    return steps


def systemd_quote(text: str, quote: bool = True) -> str:
    """`text` as systemd reads it back: `%` specifiers and `$` variables escaped, quoted as one word."""
    text = text.replace("%", "%%")
    if not quote:
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
    return f'"{escaped}"'


def cron_quote(text: str) -> str:
    """`text` as one sh word, with cron's `%` escaped."""
    return shlex.quote(text).replace("%", "\\%")


def parse_time(at: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", at)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise DangoError(f"--at {at!r} is not a time of day; write it as HH:MM, such as 02:30.")
    return int(match[1]), int(match[2])


def systemd_units(project: Project, source: str | None, at: str, transform: bool) -> dict[str, str]:
    hour, minute = parse_time(at)
    project = stable(project)
    name = unit_name(project, source)
    what = f"source {source}" if source else "all sources"
    # One ExecStart per step, no shell: Dango itself is the main process and gets the SIGTERM.
    steps = commands(project, source, transform)
    exec_lines = "\n".join(f"ExecStart={' '.join(map(systemd_quote, step))}" for step in steps)
    service = f"""[Unit]
Description=Dango sync of {what} in {systemd_quote(str(project.root), quote=False)}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={systemd_quote(str(project.root), quote=False)}
{exec_lines}
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec={STOP_TIMEOUT_SECONDS}
"""
    timer = f"""[Unit]
Description=Run {name}.service daily at {hour:02d}:{minute:02d}

[Timer]
OnCalendar=*-*-* {hour:02d}:{minute:02d}:00
Persistent=true
RandomizedDelaySec=60

[Install]
WantedBy=timers.target
"""
    return {f"{name}.service": service, f"{name}.timer": timer}


def cron_line(project: Project, source: str | None, at: str, transform: bool) -> str:
    hour, minute = parse_time(at)
    project = stable(project)
    log = cron_quote(str(project.logs_dir / "cron.log"))
    steps = " && ".join(" ".join(map(cron_quote, step)) for step in commands(project, source, transform))
    logs = cron_quote(str(project.logs_dir))
    run = f"cd {cron_quote(str(project.root))} && mkdir -p {logs} && {{ {steps}; }} >> {log} 2>&1"
    return f"{minute} {hour} * * * {run} {CRON_MARKER} {unit_name(project, source)}"


def install_systemd(units: dict[str, str], folder: Path, legacy: str, root: Path) -> list[Path]:
    """Write the units; delete this project's units of the legacy name, saying how to stop their timer."""
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / f"{legacy}.service"
    if old.is_file() and f"WorkingDirectory={root}\n" in old.read_text():
        for suffix in (".service", ".timer"):
            (folder / f"{legacy}{suffix}").unlink(missing_ok=True)
        stop = f"systemctl --user disable --now {legacy}.timer"
        print(f"removed the units of its former name {legacy}; stop its timer: {stop}")
    written = []
    for filename, text in units.items():
        (folder / filename).write_text(text)
        written.append(folder / filename)
    return written


def install_cron(line: str, legacy: str, root: Path) -> None:
    """Add the line to the user's crontab, replacing an earlier one for the same unit, and this
    project's line of the legacy name."""
    marker = line[line.index(CRON_MARKER) :]
    legacy_line = (f"{CRON_MARKER} {legacy}", f"cd {shlex.quote(str(root))} && ")

    def replaced(entry: str) -> bool:
        return entry.endswith(marker) or (entry.endswith(legacy_line[0]) and legacy_line[1] in entry)

    try:
        current = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False).stdout
        kept = [entry for entry in current.splitlines() if not replaced(entry)]
        subprocess.run(["crontab", "-"], input="\n".join([*kept, line]) + "\n", text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise DangoError(f"could not install the crontab line ({error}); add it by hand with `crontab -e`.") from error
