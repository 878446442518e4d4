"""`dango remote push`: deploy the project to the server of .dango/remote.yml as a new release.

Under the server's `path`:

    releases/<id>/              one folder per push: Dango's bin/, runner/, schema/ and Makefile, and the
                                project's .dango/, custom_sources/, dbt/, requirements.txt and .dlt/
    current -> releases/<id>    the live release; cron and systemd call current/bin/dango
    shared/data/, shared/.env, shared/.dlt/secrets.toml     linked into every release
    venvs/<key>/                one venv per set of requirements, linked as each release's .venv

Invariants: data/, .venv, any file named .env or secrets.toml, and whatever git ignores are never
copied (nor .dango/remote.yml, this machine's way to the server), and a push never writes or deletes a
file in shared/. The files go to a new folder (those that did not change are hard links to the current
release's), which bin/activate-release, on the server, makes current only after `bin/setup`, `bin/dango
validate` and `bin/dango generate` pass in it, by renaming a new symlink over `current`: a release that
fails is deleted and the previous one goes on running.
"""

import shlex
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from runner import DANGO_ROOT
from runner.config.dango_copy import DANGO_PARTS
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.config.remote_yml import Remote
from runner.remote import git, ssh
from runner.remote.git import listed
from runner.transform.staging import HEADER

PROJECT_PARTS = (".dango", "custom_sources", "dbt", "requirements.txt", ".dlt")
NEVER_TOP = ("data", ".venv")
NEVER_NAMES = (".env", "secrets.toml")
# How this machine reaches the server, with paths on this machine: it means nothing there.
CLIENT_ONLY = (".dango/remote.yml",)
BY_PRODUCTS = ("dbt/target", "dbt/logs", "dbt/dbt_packages")
# What lives in a release on the server without being pushed: links to shared state, and what running
# Python and dbt there writes. Excluded from the comparison, so neither reported nor ever deleted.
SERVER_ONLY = ("/data", "/.env", "/.venv", "/.dlt/secrets.toml", "__pycache__/", *(f"/{p}/" for p in BY_PRODUCTS))
STAGING = "dbt/models/staging"
RSYNC_COPY = ["--recursive", "--perms", "--times", "--checksum"]
NEVER_COPIED = (
    "data/, .venv, .env, .dlt/secrets.toml (any file named .env or secrets.toml), .dango/remote.yml "
    "and what git ignores"
)


@dataclass
class Changes:
    """How the pushed files differ from the current release's."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self, total: int) -> str:
        unchanged = total - len(self.added) - len(self.changed)
        counts = {"added": len(self.added), "changed": len(self.changed), "removed": len(self.removed)}
        return ", ".join(f"{count} {what}" for what, count in {**counts, "unchanged": unchanged}.items())


def push(project: Project, remote: Remote, dry_run: bool, yes: bool, allow_dirty: bool) -> int:
    started = time.monotonic()
    check_committed(project, refuse=not (allow_dirty or dry_run))
    files = release_files(project)
    current, generated = server_state(remote, create=not dry_run)
    print(f"push: {len(files)} files from {project.root}{git_revision(project.root)} to {remote}")
    with tempfile.TemporaryDirectory(prefix="dango-push-") as folder:
        release_dir = Path(folder)
        release_dir.chmod(0o755)  # rsync gives the release folder this mode: readable like any other, not 0700
        stage(files, release_dir)
        changes = compare(remote, release_dir, current, generated) if current else Changes(added=list(files))
        if dry_run:
            print_dry_run(files, changes, current)
            return 0
        if current and not changes:
            print(f"push: nothing changed since the current release ({current}); the server is up to date.")
            return 0
        print_changes(changes, current, len(files))
        if not yes and not confirm(remote):
            print("push: cancelled; nothing was changed on the server.")
            return 1
        release = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]
        upload(remote, release_dir, release, current)
    code = activate(remote, release)
    took = f"{time.monotonic() - started:.1f}s"
    if code != 0:
        print(f"push: FAILED in {took}; the server still runs {current or 'no release'}.")
        return 1
    print(f"push: release {release} is live at {remote.path}/current in {took} ({changes.summary(len(files))})")
    return 0


def check_committed(project: Project, refuse: bool) -> None:
    """Refuse (or, for a dry run, point out) uncommitted changes to files a push copies."""
    dirty = uncommitted(project)
    if not dirty:
        return
    what = f"{project.root} is a git checkout with uncommitted changes in files a push copies: {', '.join(dirty)}"
    if refuse:
        raise DangoError(f"{what}. Commit them, so the server runs a known commit, or pass --allow-dirty.")
    print(f"push: note: {what}; a push without --allow-dirty refuses them.")


def release_files(project: Project) -> dict[str, Path]:
    """Each file of a release, by its path in the release, and the local file it is copied from."""
    files = {}
    for root, parts in ((DANGO_ROOT, DANGO_PARTS), (project.root, PROJECT_PARTS)):
        for name in listed(root, parts):
            if not (never_copied(name) or by_product(name) or name in CLIENT_ONLY) and (root / name).is_file():
                files[name] = root / name
    return dict(sorted(files.items()))


def never_copied(name: str) -> bool:
    parts = name.split("/")
    return parts[0] in NEVER_TOP or parts[-1] in NEVER_NAMES


def by_product(name: str) -> bool:
    parts = name.split("/")
    return "__pycache__" in parts or name.endswith(".pyc") or any(name.startswith(p + "/") for p in BY_PRODUCTS)


def uncommitted(project: Project) -> list[str]:
    """Files a push would copy from the project's git checkout that differ from its last commit (Dango's
    own too, when the project is Dango's folder, as in the repository's demo)."""
    root = project.root
    parts = PROJECT_PARTS + (DANGO_PARTS if root == DANGO_ROOT else ())
    present = [part for part in parts if (root / part).exists()]
    if not present or not git.in_checkout(root):
        return []
    # --short, unlike --porcelain, gives paths relative to `root`, however deep in the checkout it is.
    output = git.output(root, "-c", "color.status=false", "status", "--short", "--untracked-files=all", "--", *present)
    names = [line[3:] for line in output.splitlines() if line[3:]]
    return [name for name in names if not (never_copied(name) or name in CLIENT_ONLY)]


def git_revision(root: Path) -> str:
    commit = git.output(root, "rev-parse", "--short", "HEAD").strip() if git.in_checkout(root) else ""
    return f" (git {commit})" if commit else ""


def stage(files: dict[str, Path], folder: Path) -> None:
    """Copy the release's files into `folder`, the one tree rsync sends (times kept, for rsync)."""
    for name, source in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    (folder / ".dlt").mkdir(exist_ok=True)  # the server links .dlt/secrets.toml in it


def server_state(remote: Remote, create: bool) -> tuple[str | None, set[str]]:
    """The release `current` points to on the server (`releases/<id>`, None before the first push), and
    the staging models the server generated in it, which a new release keeps (bin/activate-release).

    Also the first connection, so an unknown host key or a missing rsync stops the push here."""
    path = shlex.quote(remote.path)
    script = (
        "command -v rsync >/dev/null || { echo 'rsync is not installed' >&2; exit 3; }; "
        + (f"mkdir -p {path}/releases && " if create else "")
        + f"readlink {path}/current || exit 0; cd {path}/current && for model in {STAGING}/*; do "
        + f'if head -n1 "$model" | grep -qF {shlex.quote(HEADER)}; then echo "$model"; fi; done'
    )
    done = ssh.run(remote, script)
    if done.returncode == 3:
        raise DangoError(
            f"rsync is not installed on {remote.host}; install it there (Debian/Ubuntu: apt-get install rsync)."
        )
    if done.returncode != 0:
        raise DangoError(
            f"cannot prepare {remote.path} on {remote.host}: {done.stderr.strip()}. "
            "Check `path` in .dango/remote.yml: its user must be able to create that folder."
        )
    current, *generated = done.stdout.splitlines() or [None]
    return current, set(generated)


def compare(remote: Remote, release_dir: Path, current: str, generated: set[str]) -> Changes:
    """What the release changes, from rsync's itemized dry run against the current release; the staging
    models the server generated stay, so they are not removed."""
    excludes = [f"--exclude={pattern}" for pattern in SERVER_ONLY]
    args = [*RSYNC_COPY, "--dry-run", "--itemize-changes", "--delete", *excludes]
    changes = parse_itemized(ssh.rsync(remote, [*args, f"{release_dir}/", f"{remote.host}:{remote.path}/current/"]))
    changes.removed = [name for name in changes.removed if name not in generated]
    return changes


def parse_itemized(output: str) -> Changes:
    """Files added, changed and removed in rsync's --itemize-changes lines (`<f+++++++++ name`,
    `<fc.t...... name`, `*deleting   name`; `<` is sent, `>` received); folders and changes of time or
    mode alone are left out."""
    changes = Changes()
    for line in output.splitlines():
        flags, _, name = line.partition(" ")
        name = name.strip()
        if not name or name.endswith("/"):
            continue
        if flags == "*deleting":
            changes.removed.append(name)
        elif flags[:1] in "<>" and flags[1:2] == "f":
            (changes.added if flags[2:].startswith("+") else changes.changed).append(name)
    return changes


def print_changes(changes: Changes, current: str | None, total: int) -> None:
    if not current:
        print(f"push: no release on the server yet; all {total} files are new")
        return
    for mark, names in (("+", changes.added), ("~", changes.changed), ("-", changes.removed)):
        for name in names:
            print(f"  {mark} {name}")
    print(f"push: versus the current release ({current}): {changes.summary(total)}")


def print_dry_run(files: dict[str, Path], changes: Changes, current: str | None) -> None:
    """Every file a push would copy, marked + (new), ~ (changed) or blank, and those it would drop."""
    marks = {**dict.fromkeys(changes.added, "+"), **dict.fromkeys(changes.changed, "~")}
    for name in files:
        print(f"  {marks.get(name, ' ')} {name}")
    for name in changes.removed:
        print(f"  - {name}")
    versus = f"the current release ({current})" if current else "an empty server"
    print(f"push --dry-run: versus {versus}: {changes.summary(len(files))}")
    print(f"push --dry-run: never copied: {NEVER_COPIED}. Nothing was changed on the server.")


def confirm(remote: Remote) -> bool:
    if not sys.stdin.isatty():
        raise DangoError(
            "remote push asks before deploying, and there is no terminal to ask on; pass --yes (CI, scripts)."
        )
    return input(f"deploy this release to {remote}? [y/N] ").strip().lower() in ("y", "yes")


def upload(remote: Remote, release_dir: Path, release: str, current: str | None) -> None:
    """Copy the release into its own folder; files the current release has already are hard-linked."""
    link = [f"--link-dest={remote.path}/current/"] if current else []
    print(f"push: uploading release {release}")
    ssh.rsync(remote, [*RSYNC_COPY, *link, f"{release_dir}/", f"{remote.host}:{remote.path}/releases/{release}/"])


def activate(remote: Remote, release: str) -> int:
    """bin/activate-release on the server, its output shown as it comes: 0 once the release is current."""
    python = f"PYTHON={shlex.quote(remote.python)} " if remote.python else ""
    script = f"{remote.path}/releases/{release}/bin/activate-release"
    return ssh.stream(remote, f"{python}bash {shlex.quote(script)}")
