"""What a push copies and how it reports the changes: never secrets, data or what git ignores."""

from runner.config.project import Project
from runner.remote.push import listed, parse_itemized, release_files


def test_rsync_itemized_lines_become_added_changed_removed():
    output = "\n".join(
        [
            "cd+++++++++ custom_sources/new/",
            "<f+++++++++ custom_sources/new/api.py",
            "<fcst...... custom_sources/shop.py",
            ".f..t...... dbt/dbt_project.yml",  # the time alone: unchanged
            ".d..t...... dbt/",
            "*deleting   custom_sources/old.py",
            "*deleting   custom_sources/gone/",
        ]
    )
    changes = parse_itemized(output)
    assert changes.added == ["custom_sources/new/api.py"]
    assert changes.changed == ["custom_sources/shop.py"]
    assert changes.removed == ["custom_sources/old.py"]
    assert changes.summary(10) == "1 added, 1 changed, 1 removed, 8 unchanged"


def test_secrets_data_by_products_and_ignored_files_are_never_copied(tmp_path):
    """Outside git, the root .gitignore decides what is ignored."""
    files = {
        ".gitignore": "*.scratch\nbuild/\n",
        ".dango/sources.yml": "version: '1.0'\nsources: []\n",
        ".dango/remote.yml": "host: server\npath: /srv/x\n",
        ".dlt/config.toml": "[runtime]\n",
        ".dlt/secrets.toml": "key = 'x'\n",
        ".env": "KEY=x\n",
        "custom_sources/shop.py": "",
        "custom_sources/.env": "KEY=x\n",
        "custom_sources/notes.scratch": "",
        "custom_sources/build/out.py": "",
        "custom_sources/__pycache__/shop.cpython-311.pyc": "",
        "dbt/models/marts/m.sql": "select 1\n",
        "dbt/target/manifest.json": "{}",
        "data/warehouse.duckdb": "",
        "requirements.txt": "requests==2.34.2\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    pushed = release_files(Project(tmp_path))
    project_files = {name for name, source in pushed.items() if source.is_relative_to(tmp_path)}
    assert project_files == {
        ".dango/sources.yml",
        ".dlt/config.toml",
        "custom_sources/shop.py",
        "dbt/models/marts/m.sql",
        "requirements.txt",
    }
    assert {"bin/dango", "bin/setup", "bin/activate-release", "runner/cli.py", "Makefile"} <= set(pushed)
    assert not any("__pycache__" in name for name in pushed)
    assert listed(tmp_path, ("nothing_here",)) == []
