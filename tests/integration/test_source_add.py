"""`bin/dango source add`: the wizard at a real terminal (tmux) writes what the flag form writes, byte
for byte; Ctrl-C changes nothing; a missing flag is named; a verified source comes from a local git
repository laid out like dlt's verified-sources; a custom source syncs as written."""

import shutil
import sqlite3
import subprocess
import textwrap

from tests.conftest import DANGO, free_port
from tests.terminal import Terminal

TOKEN = "sk_test_4f9a8b7c6d5e"  # tests/fake_api.py's key
REST_FLAGS = [
    *("rest_api", "--name", "helpdesk", "--auth", "bearer", "--token", TOKEN, "--resource", "tickets=data"),
    *("--paginator", "page_number", "--paginator-option", "total_path=total_pages", "--primary-key", "id"),
]
SQL_FLAGS = ["sql_database", "--name", "shop", "--kind", "sqlite", "--path", "shop.db"]


def wizard(project, answers, test: bool = False) -> tuple[bytes, bytes]:
    """Run `source add` at a terminal, `answers(terminal)` answering, and `source test` if `test`;
    sources.yml and .env after it."""
    terminal = Terminal(project.root, project.env).run(str(DANGO), "source", "add")
    try:
        answers(terminal)
        terminal.answer("Test it now", "y" if test else "n")  # `source test` has tests of its own
        assert terminal.exit_code() == 0, terminal.screen()
        screen = terminal.screen()
    finally:
        terminal.close()
    assert not test or ("source test: " in screen and " works; nothing was written" in screen)
    assert "validate: 0 errors, " in screen and "no source in .dango/sources.yml uses" not in screen
    assert TOKEN not in screen
    return written(project)


def written(project) -> tuple[bytes, bytes]:
    env = project.root / ".env"
    return project.sources_yml.read_bytes(), env.read_bytes() if env.exists() else b""


def restore(project, before: tuple[bytes, bytes]) -> None:
    project.sources_yml.write_bytes(before[0])
    (project.root / ".env").unlink(missing_ok=True)


def rest_api_answers(url: str):
    def answer(t: Terminal) -> None:
        t.answer("Name of the new source", "helpdesk", "Enter")
        t.answer("What kind of source?", "Enter")  # REST API, the first
        t.answer("Base URL of the API:", "not a url", "Enter")
        unreachable = f"http://127.0.0.1:{free_port()}/"
        t.answer("write an address starting with https://", "C-u", unreachable, "Enter")
        t.answer("(connection refused)", "Enter")  # Type it again
        t.expect(f"Base URL of the API: {unreachable}", times=2)  # asked again, the address to fix in it
        t.keys("C-u", f"{url}/v2/", "Enter")
        t.answer("Endpoint paths below the base URL", "tickets", "Enter")
        t.answer("JSON path to the records of tickets", "data", "Enter")
        t.answer("How does the API authenticate?", "Down", "Enter")  # bearer
        t.answer("Token (saved in .env as HELPDESK_TOKEN", "wrong-token", "Enter")
        t.answer("answered HTTP 401 Unauthorized with these credentials", "Enter")  # Type it again
        t.expect("How does the API authenticate?", times=2)
        t.keys("Down", "Enter")
        t.expect("Token (saved in .env as HELPDESK_TOKEN", times=2)
        t.keys(TOKEN, "Enter")
        t.answer("How do pages follow each other?", "Down", "Down", "Down", "Down", "Enter")  # page_number
        t.answer("page_number paginator: page_param:", "Enter")
        t.answer("page_number paginator: base_page:", "Enter")
        t.answer("page_number paginator: total_path:", "total_pages", "Enter")
        t.answer("Primary key of the records", "id", "Enter")

    return answer


def sqlite_answers(t: Terminal) -> None:
    t.answer("Name of the new source", "shop", "Enter")
    t.answer("What kind of source?", "Down", "Enter")  # SQL database
    t.answer("Which database?", "Enter")  # postgresql, on a port where no server listens
    t.answer("Host:", "C-u", "127.0.0.1", "Enter")
    t.answer("Port:", "C-u", str(free_port()), "Enter")
    t.answer("Database:", "shop", "Enter")
    t.answer("User:", "dango", "Enter")
    t.answer("Password (saved in .env as SHOP_PASSWORD", "Enter")
    t.answer("Schema", "Enter")
    t.answer("cannot connect to postgresql+psycopg2://dango@127.0.0.1", "Enter")  # said at once; Type it again
    t.expect("Which database?", times=2)
    t.keys("Down", "Down", "Down", "Down", "Enter")  # sqlite
    t.answer("SQLite file, relative to the project:", "shop.db", "Enter")
    screen = t.expect("Tables to load")
    assert "customers" in screen and "events" in screen and "orders" in screen  # listed from the database
    t.keys("Space", "Down", "Down", "Space", "Enter")  # customers and orders


def files_answers(t: Terminal) -> None:
    t.answer("Name of the new source", "exports", "Enter")
    t.answer("What kind of source?", "Down", "Down", "Enter")  # files
    t.answer("Folder of the files", "incomming", "Enter")
    t.answer("no folder 'incomming'", "C-u", "incoming", "Enter")  # refused under the question
    t.answer("Format of the files?", "Enter")  # csv
    t.answer("Which files: *.csv", "Enter")
    t.answer("Table the rows go to: exports", "Enter")


def make_shop_db(project) -> None:
    with sqlite3.connect(project.root / "shop.db") as db:
        db.executescript(
            """
            create table customers (id integer primary key, name text);
            create table events (id integer, kind text);
            create table orders (id integer primary key, customer_id integer, amount integer);
            insert into customers values (1, 'Ada'), (2, 'Grace');
            insert into orders values (1, 1, 10), (2, 1, 20), (3, 2, 30);
            """
        )


def test_the_wizard_writes_what_the_flags_write(project, api):
    make_shop_db(project)
    before = written(project)
    by_wizard = wizard(project, rest_api_answers(api.url), test=True)
    restore(project, before)
    project.dango("source", "add", *REST_FLAGS, "--base-url", f"{api.url}/v2/", check=0)
    assert written(project) == by_wizard
    assert f"HELPDESK_TOKEN='{TOKEN}'" in by_wizard[1].decode()
    assert "token: ${HELPDESK_TOKEN}" in by_wizard[0].decode() and TOKEN not in by_wizard[0].decode()
    assert (project.root / ".env").stat().st_mode & 0o777 == 0o600

    with_rest_api = written(project)
    by_wizard = wizard(project, sqlite_answers)
    restore(project, with_rest_api)
    (project.root / ".env").write_bytes(with_rest_api[1])
    project.dango("source", "add", *SQL_FLAGS, "--table", "customers", "--table", "orders", check=0)
    assert written(project) == by_wizard
    kept = before[0].removesuffix(b"sources: []\n")
    assert kept.endswith(b"version: '1.0'\n") and by_wizard[0].startswith(kept + b"sources:\n  - name: helpdesk")

    with_sql = written(project)
    project.write("incoming/day1.csv", "id,amount\n1,10\n2,20\n")
    by_wizard = wizard(project, files_answers)
    restore(project, with_sql)
    (project.root / ".env").write_bytes(with_sql[1])
    project.dango("source", "add", "files", "--name", "exports", "--folder", "incoming", "--format", "csv", check=0)
    assert written(project) == by_wizard

    project.sync("helpdesk", "shop", "exports")
    assert project.count("raw_exports.exports") == 2
    assert project.count("raw_helpdesk.tickets") == 45
    assert project.count("raw_shop.orders") == 3 and project.tables("raw_shop") >= {"customers", "orders"}
    assert "events" not in project.tables("raw_shop")


def test_ctrl_c_at_a_question_changes_nothing(project):
    project.dango("source", "add", "custom", "--name", "taken", check=0)
    (project.root / ".env").write_text("KEEP=1\n")
    before = written(project)
    terminal = Terminal(project.root, project.env).run(str(DANGO), "source", "add")
    try:
        terminal.answer("Name of the new source", "taken", "Enter")
        terminal.answer("a source named 'taken' exists already", "C-u", "fresh", "Enter")  # refused at once
        terminal.answer("What kind of source?", "Enter")
        terminal.answer("Base URL of the API:", "https://api.example.com/", "C-c")
        assert terminal.exit_code() == 130
        screen = terminal.screen()
    finally:
        terminal.close()
    assert "source add: stopped; no file was changed" in screen
    assert written(project) == before
    assert sorted(p.name for p in (project.root / "custom_sources").iterdir()) == [".gitkeep", "taken.py"]


def test_the_flag_form_names_a_missing_flag_and_never_asks(project):
    before = written(project)
    missing = project.dango("source", "add", "rest_api", "--name", "shop", "--resource", "orders", check=2)
    assert "missing --base-url" in missing.stderr
    no_type = project.dango("source", "add", check=2)
    assert "no TYPE given, and no terminal" in no_type.stderr
    flags_only = project.dango("source", "add", "--name", "shop", check=2)
    assert "--name needs the source's TYPE before the flags" in flags_only.stderr
    option = project.dango(
        "source",
        "add",
        "rest_api",
        "--name",
        "x",
        "--base-url",
        "https://a.example/",
        "--resource",
        "r",
        "--paginator",
        "offset",
        "--paginator-option",
        "limt=5",
        check=2,
    )
    assert "limit, limit_param, offset_param, total_path" in option.stderr
    assert written(project) == before


VERIFIED_INIT = '''
"""A source that reads notes from a notes API"""
import dlt


@dlt.source
def notes_source(api_key: str = dlt.secrets.value, limit: int = 3):
    @dlt.resource(primary_key="id", write_disposition="merge")
    def notes():
        yield [{"id": i, "text": f"note {i}", "key_length": len(api_key)} for i in range(limit)]

    return notes
'''
VERIFIED_PIPELINE = """
import dlt
from notes import notes_source


def load_notes() -> None:
    pipeline = dlt.pipeline(pipeline_name="notes", destination="duckdb", dataset_name="notes_data")
    print(pipeline.run(notes_source()))


if __name__ == "__main__":
    load_notes()
"""


def verified_sources_repository(folder) -> str:
    """A git repository laid out like github.com/dlt-hub/verified-sources, with one source: notes."""
    files = {
        "sources/notes/__init__.py": VERIFIED_INIT,
        "sources/notes/README.md": "# Notes\nSet `api_key` in [sources.notes].\n",
        "sources/notes/requirements.txt": "dlt>=1.0.0\n",
        "sources/notes_pipeline.py": VERIFIED_PIPELINE,
        "README.md": "# verified sources\n",
    }
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "master", str(folder)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "notes"], check=True)
    return str(folder)


def verified_answers(location: str):
    def answer(t: Terminal) -> None:
        t.answer("Name of the new source", "notes", "Enter")
        t.answer("What kind of source?", "Down", "Down", "Down", "Down", "Enter")  # dlt verified source
        t.answer("Verified-sources repository", "C-u", location, "Enter")
        t.answer("Verified source:", "Enter")  # the list read from the repository, on the source's name

    return answer


def test_a_verified_source_and_a_custom_source_sync_as_added(project, tmp_path):
    location = verified_sources_repository(tmp_path / "verified-sources")
    requirements = (project.root / "requirements.txt").read_bytes()
    before = written(project)
    by_wizard = wizard(project, verified_answers(location))
    restore(project, before)
    shutil.rmtree(project.root / ".dlt")
    shutil.rmtree(project.root / "custom_sources" / "notes")
    (project.root / "custom_sources" / "notes_pipeline.py").unlink()
    added = project.dango(
        "source", "add", "verified", "--name", "notes", "--source", "notes", "--location", location, check=0
    )
    assert written(project) == by_wizard
    hint = "api_key under [sources.notes] in .dlt/secrets.toml, or SOURCES__NOTES__API_KEY=... in .env"
    assert f"{hint} (then delete that line)" in added.stdout
    assert "validate: 0 errors, " in added.stdout and "no source in .dango/sources.yml uses" not in added.stdout
    assert "Unreferenced" not in added.stderr  # dlt's example script custom_sources/notes_pipeline.py
    assert (project.root / "custom_sources" / "notes" / "__init__.py").is_file()
    assert (project.root / "custom_sources" / "notes_pipeline.py").is_file()
    assert '[sources.notes]\napi_key = "<configure me>"' in (project.root / ".dlt" / "secrets.toml").read_text()
    assert "source_module: notes\n      source_function: notes_source" in project.sources_yml.read_text()
    assert (project.root / "requirements.txt").read_bytes() == requirements  # Dango's pins hold dlt's version
    assert (project.root / ".dlt" / "secrets.toml").stat().st_mode & 0o777 == 0o600
    wrong = project.dango(
        "source", "add", "verified", "--name", "other", "--source", "notoin", "--location", location, check=2
    )
    assert f"dlt init notoin from {location}: no verified source 'notoin' there; it has: notes" in wrong.stderr

    project.dango("source", "add", "custom", "--name", "mine", check=0)
    assert 'if __name__ == "__main__":' in (project.root / "custom_sources" / "mine.py").read_text()
    (project.root / ".env").write_text("SOURCES__NOTES__API_KEY=key-1234\n")  # as the hint says, the line deleted:
    secrets = project.root / ".dlt" / "secrets.toml"
    secrets.write_text(secrets.read_text().replace('api_key = "<configure me>" # fill this in!\n', ""))
    assert "placeholder" not in project.dango("validate", check=0).stdout
    project.sync()
    assert project.query("select count(*), min(key_length) from raw_notes.notes") == [(3, 8)]  # from .env
    assert project.query("select id, name from raw_mine.items order by id") == [(1, "first item"), (2, "second item")]


def test_dlt_sources_notion_says_to_add_it_as_a_verified_source(project):
    project.register("notion", "dlt.sources.notion", "notion_databases")
    said = project.dango("validate", check=1).stdout
    assert "dlt does not ship `notion`" in said
    assert "bin/dango source add verified --name notion --source notion" in said
    failed = project.sync("notion", check=1)
    assert "dlt does not ship `notion`" in failed.stdout + failed.stderr
