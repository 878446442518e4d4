"""What a user reads: one line with the fix for a missing secret, an environment variable nobody
sets, a misspelt import; an ok line with every table; the help and the version."""

from tests.conftest import run_dango

COUNTED = """
import os
import dlt

API_KEY = os.environ.get("MY_API_KEY")

@dlt.source
def counted():
    @dlt.resource(name="items")
    def items():
        yield [{"id": i} for i in range(5)]

    @dlt.resource(name="empty")
    def empty():
        yield from []

    return [items(), empty()]
"""
NEEDS_KEY = """
import dlt

@dlt.source
def needs_key(api_key=dlt.secrets.value):
    @dlt.resource
    def rows():
        yield {"id": 1}
    return rows
"""
TYPO = """
import dlt
import requets

@dlt.resource
def typo():
    yield {"id": 1}
"""


def test_validate_and_sync_say_what_to_fix_in_one_line(project):
    project.add_source("counted", COUNTED)
    project.add_source("needs_key", NEEDS_KEY)
    project.add_source("typo", TYPO)

    checked = project.dango("validate", check=1)
    assert (
        "WARN  custom_sources/counted.py:4: source 'counted': reads the environment variable MY_API_KEY, which is "
        "set neither in the environment nor in .env. Add `MY_API_KEY=...` to .env"
    ) in checked.stdout
    assert "imports `requets`, which is not installed. Did you mean `requests`? Fix the import's spelling in " in (
        checked.stdout
    )
    project.write(".env", "MY_API_KEY=set-here\n")
    assert "MY_API_KEY" not in project.dango("validate", check=1).stdout

    synced = project.sync(check=1)
    lines = synced.stdout.splitlines()
    assert "[counted] ok in" in synced.stdout and synced.stdout.count(": empty 0, items 5\n") == 1
    failed = [line for line in lines if line.startswith("[needs_key] ")]
    assert failed[0] == "[needs_key] started" and len(failed) == 2  # the error is one line
    assert "needs the secret `api_key`, and dlt found none" in failed[1]
    assert 'set SOURCES__NEEDS_KEY__API_KEY in .env, or `api_key = "..."` under [sources.needs_key]' in failed[1]
    assert "ConfigFieldMissingException" not in synced.stdout + synced.stderr
    log = next((project.root / "data" / "logs" / "needs_key").glob("*.log")).read_text()
    assert "ConfigFieldMissingException" in log  # the whole story, for whoever looks
    assert "Did you mean `requests`?" in next(line for line in lines if line.startswith("[typo] FAILED"))
    assert "summary: 1 ok, 2 failed" in synced.stdout


def test_help_and_version(tmp_path, env):
    for args in ([], ["help"]):
        shown = run_dango(*args, cwd=tmp_path, env=env, check=0)
        assert "Dango loads your data into one warehouse" in shown.stdout and "sync" in shown.stdout
    assert "usage: dango sync" in run_dango("help", "sync", cwd=tmp_path, env=env, check=0).stdout
    assert run_dango("--version", cwd=tmp_path, env=env, check=0).stdout.startswith("dango 0.16.0 (commit ")
