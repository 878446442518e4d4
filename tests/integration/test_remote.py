"""`bin/dango remote`: push a project over a real sshd on 127.0.0.1 into a folder of this machine, and
run syncs there, as a user would with a small VM.

One sshd and one first push serve the whole module: the server's first `bin/setup` installs every
pinned requirement from the package index (about a minute), and later pushes reuse that venv. The
tests run in file order, like a user's session; each leaves the project committed and valid.
"""

import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, Project, clean_env, run_dango
from tests.sshd import SshServer, missing_tools

pytestmark = pytest.mark.timeout(600)

MISSING = missing_tools()
if MISSING and os.environ.get("CI"):
    raise RuntimeError(f"CI must run the remote tests, and this machine lacks {', '.join(MISSING)}; see .ci/run")
if MISSING:
    pytest.skip(f"needs {', '.join(MISSING)} (Debian: apt-get install openssh-server rsync)", allow_module_level=True)

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
LOCAL_SECRETS = ("local-token-8d2f", "local-secret-77aa")
# The Python this venv was made from: it has venv and pip, as the server's Python must.
PYTHON = os.path.realpath(sys._base_executable)
GREETINGS = """
    import dlt

    @dlt.source
    def greetings():
        @dlt.resource(write_disposition="replace")
        def hello():
            yield from ({"id": i, "text": "hello"} for i in range(3))

        return hello
"""
NEEDS_KEY = """
    import dlt

    @dlt.source
    def needs_key(api_key=dlt.secrets.value):
        @dlt.resource(write_disposition="replace")
        def calls():
            yield {"id": 1, "key_length": len(api_key)}

        return calls
"""


@dataclass
class Site:
    """The local project and the deployment folder on the "server" (this machine, over ssh)."""

    project: Project
    server: Path
    first_push: subprocess.CompletedProcess

    def dango(self, *args, check=None):
        return self.project.dango(*args, check=check)

    def push(self, *args, check=None):
        return self.dango("remote", "push", "--yes", *args, check=check)

    def git(self, *args) -> bytes:
        env = {**self.project.env, **GIT_IDENTITY}
        return subprocess.run(["git", *args], check=True, cwd=self.project.root, env=env, capture_output=True).stdout

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    @property
    def current(self) -> Path:
        return (self.server / "current").resolve()

    def releases(self) -> list[str]:
        return sorted(path.name for path in (self.server / "releases").iterdir())

    def count(self, table: str) -> int:
        with duckdb.connect(str(self.server / "shared" / "data" / "warehouse.duckdb"), read_only=True) as conn:
            return conn.execute(f"select count(*) from {table}").fetchone()[0]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = SshServer(tmp_path_factory.mktemp("sshd")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, sshd) -> Site:
    """The demo project plus a small source, committed in git, pushed once to an empty deployment
    whose administrator has already put the server's own secrets and a file in shared/."""
    base = tmp_path_factory.mktemp("remote")
    home = base / "home"
    home.mkdir()
    project = Project(base / "project", clean_env(home))
    run_dango("init", project.root, cwd=base, env=project.env, check=0)
    for part in ("custom_sources", "dbt/models", "dbt/seeds"):
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(REPO / part, project.root / part, dirs_exist_ok=True, ignore=ignore)
    project.sources_yml.write_text((REPO / ".dango" / "sources.yml").read_text())
    project.add_source("greetings", GREETINGS)
    project.write(".dango/remote.yml", sshd.remote_yml(base / "server", python=PYTHON))
    # Never copied: secrets and data here, whatever git ignores (here *.scratch).
    project.write(".env", f"SHOP_TOKEN={LOCAL_SECRETS[0]}\nSOURCES__NEEDS_KEY__API_KEY={LOCAL_SECRETS[1]}\n")
    project.write(".dlt/secrets.toml", f'[sources]\napi_key = "{LOCAL_SECRETS[1]}"\n')
    project.write("data/local-only.txt", "local data\n")
    project.write("custom_sources/notes.scratch", "scratch notes\n")
    with (project.root / ".gitignore").open("a") as gitignore:
        gitignore.write("*.scratch\n")
    server = base / "server"
    (server / "shared" / ".dlt").mkdir(parents=True)
    (server / "shared" / ".env").write_text("SERVER_ONLY=kept-on-the-server\n")
    (server / "shared" / ".dlt" / "secrets.toml").write_text('[server]\nvalue = "kept-on-the-server"\n')
    (server / "shared" / "data").mkdir()
    (server / "shared" / "data" / "server-only.txt").write_text("server data\n")
    site = Site(project, server, first_push=None)
    site.git("init", "-q")
    site.commit("a project")
    site.first_push = site.push()
    return site


def test_first_push_deploys_a_release(site):
    result = site.first_push
    assert result.returncode == 0, result.stdout + result.stderr
    assert "push: no release on the server yet; all" in result.stdout
    assert "validate: 0 errors" in result.stdout + result.stderr
    assert f"is live at {site.server}/current" in result.stdout
    release = site.current
    assert release.parent == site.server / "releases"
    for name in ("bin/dango", "runner/cli.py", "schema/sources.schema.json", "Makefile", ".dango/sources.yml"):
        assert (release / name).is_file(), name
    for name in ("custom_sources/demo_shop.py", "custom_sources/greetings.py", "dbt/dbt_project.yml"):
        assert (release / name).is_file(), name
    assert not (release / "custom_sources" / "notes.scratch").exists()  # git ignores it
    venv = (release / ".venv").resolve()
    assert venv.parent == site.server / "venvs" and (venv / "bin" / "python").is_file()


def test_sync_runs_on_the_server(site):
    result = site.dango("remote", "sync", "demo_shop", "greetings", check=0)
    assert "[demo_shop] ok" in result.stdout and "summary: 2 ok, 0 failed" in result.stdout
    assert site.count("raw_demo_shop.products") == 40
    assert site.count("raw_greetings.hello") == 3
    assert not site.project.warehouse.exists()  # it ran there, not here

    status = site.dango("remote", "status", check=0)
    assert f"release releases/{site.current.name}" in status.stderr
    assert "demo_shop" in status.stdout and "ok" in status.stdout

    logs = site.dango("remote", "logs", "--source", "greetings", "-n", "5", check=0)
    assert "==> greetings: ok" in logs.stdout and "[greetings] ok" in logs.stdout

    unknown = site.dango("remote", "sync", "nope", check=2)  # the server's exit code, passed on
    assert "nope" in unknown.stderr


def test_never_copied_files_stay_put(site):
    release = site.current
    shared = site.server / "shared"
    assert (shared / ".env").read_text() == "SERVER_ONLY=kept-on-the-server\n"
    assert (shared / ".dlt" / "secrets.toml").read_text() == '[server]\nvalue = "kept-on-the-server"\n'
    assert (shared / "data" / "server-only.txt").read_text() == "server data\n"
    assert not (shared / "data" / "local-only.txt").exists()
    assert os.readlink(release / ".env") == "../../shared/.env"
    assert os.readlink(release / ".dlt" / "secrets.toml") == "../../../shared/.dlt/secrets.toml"
    assert os.readlink(release / "data") == "../../shared/data"
    assert not (release / ".dango" / "remote.yml").exists()  # how this machine reaches the server
    for folder, _, names in os.walk(site.server / "releases"):  # links (.env, data, .venv) not followed
        for name in names:
            text = Path(folder, name).read_bytes()
            assert not any(secret.encode() in text for secret in LOCAL_SECRETS), Path(folder, name)
    assert not any(secret in site.first_push.stdout + site.first_push.stderr for secret in LOCAL_SECRETS)
    # ... and here, where nothing was moved either.
    assert LOCAL_SECRETS[0] in (site.project.root / ".env").read_text()
    assert (site.project.root / ".dlt" / "secrets.toml").is_file()
    assert (site.project.root / "data" / "local-only.txt").is_file()


def test_dry_run_lists_and_dirty_checkout_is_refused(site):
    before = (site.releases(), site.current)
    site.project.write("custom_sources/greetings.py", GREETINGS.replace("range(3)", "range(5)"))

    dry = site.dango("remote", "push", "--dry-run", check=0)
    assert "  ~ custom_sources/greetings.py" in dry.stdout
    assert "    bin/dango" in dry.stdout  # copied, unchanged
    assert "0 added, 1 changed, 0 removed" in dry.stdout, dry.stdout
    assert "uncommitted changes" in dry.stdout
    assert "notes.scratch" not in dry.stdout and ".env" not in dry.stdout.split("never copied")[0]
    assert (site.releases(), site.current) == before

    refused = site.push(check=2)
    assert "uncommitted changes" in refused.stderr and "custom_sources/greetings.py" in refused.stderr
    assert "--allow-dirty" in refused.stderr
    assert (site.releases(), site.current) == before


def test_second_push_after_editing_a_source(site):
    site.commit("five greetings")  # the edit of the previous test
    old = site.current
    result = site.push(check=0)
    assert "  ~ custom_sources/greetings.py" in result.stdout
    assert "0 added, 1 changed, 0 removed" in result.stdout
    assert "installing pinned requirements" not in result.stderr  # the same requirements: the same venv
    new = site.current
    assert new != old and old.is_dir()  # the previous release stays, to roll back to
    assert (new / ".venv").resolve() == (old / ".venv").resolve()
    assert (new / "bin" / "dango").stat().st_ino == (old / "bin" / "dango").stat().st_ino  # hard-linked

    site.dango("remote", "sync", "greetings", check=0)
    assert site.count("raw_greetings.hello") == 5
    assert site.count("raw_demo_shop.products") == 40  # the warehouse survived the push
    assert (site.server / "shared" / "data" / "server-only.txt").is_file()


def test_schedule_on_the_server_names_the_current_link(site):
    """`bin/dango schedule`, run on the server, calls the link each push moves, not this release."""
    current = site.server / "current"
    result = subprocess.run(
        [current / "bin" / "dango", "--project-dir", current, "schedule", "--cron"],
        check=True,
        capture_output=True,
        text=True,
        env=site.project.env,
    )
    assert f"{current}/bin/dango --project-dir {current} sync && " in result.stdout
    assert "releases/" not in result.stdout and re.search(r"# dango: dango-server-[0-9a-f]{8}$", result.stdout.rstrip())


def test_failed_validation_keeps_the_old_release(site):
    """A source whose secret is in the local .env only: the server's validate fails, so the release
    never goes live; once the secret is in the server's shared .env, the same push succeeds."""
    site.project.add_source("needs_key", NEEDS_KEY)
    site.commit("a source with a secret")
    old, releases = site.current, site.releases()

    failed = site.push(check=1)
    output = failed.stdout + failed.stderr
    assert "`needs_key` needs the secret `api_key`" in output
    assert "validation failed on the server" in output
    assert f"the server still runs releases/{old.name}" in failed.stdout
    assert site.current == old and site.releases() == releases  # the failed release was deleted
    synced = site.dango("remote", "sync", "greetings", check=0)  # the old deployment still syncs
    assert "[greetings] ok" in synced.stdout

    with (site.server / "shared" / ".env").open("a") as env:
        env.write("SOURCES__NEEDS_KEY__API_KEY=server-secret-3141\n")
    site.push(check=0)
    site.dango("remote", "sync", "needs_key", check=0)
    assert site.count("raw_needs_key.calls") == 1


def test_unknown_host_key_is_an_error(site, sshd, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with other_known_hosts(site, empty):
        result = site.dango("remote", "status", check=2)
    assert "is not in" in result.stderr and "never accepts an unknown key" in result.stderr
    assert f"ssh-keyscan -p {sshd.port} 127.0.0.1 >> {empty}" in result.stderr
    assert empty.read_text() == ""  # nothing was added behind the user's back


def test_changed_host_key_is_an_error(site, sshd, tmp_path):
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger], check=True)
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} {' '.join(stranger.with_suffix('.pub').read_text().split()[:2])}\n")
    with other_known_hosts(site, known):
        result = site.push(check=2)
    assert "has CHANGED" in result.stderr
    assert f"ssh-keygen -R '[127.0.0.1]:{sshd.port}' -f {known}" in result.stderr


@contextmanager
def other_known_hosts(site: Site, path: Path):
    """remote.yml pointing at another known_hosts file, for the length of a `with`."""
    remote_yml = site.project.root / ".dango" / "remote.yml"
    text = remote_yml.read_text()
    lines = [line for line in text.splitlines() if not line.startswith("known_hosts:")]
    remote_yml.write_text("\n".join([*lines, f"known_hosts: {path}", ""]))
    try:
        yield
    finally:
        remote_yml.write_text(text)
