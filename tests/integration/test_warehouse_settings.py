"""One `warehouse:` setting gives every source's dlt destination and dbt's profile target.

MotherDuck cannot be reached from here: these tests show that its settings make dlt's motherduck
destination and a dbt-duckdb `md:` target, as dbt itself renders dbt/profiles.yml.
"""

import json
import subprocess
import sys

from runner import warehouse
from runner.config.project import Project
from tests.conftest import REPO

# dbt's own profile reader, in a process of its own: dbt keeps its flags in globals.
RENDER_PROFILE = """
import json, os
from argparse import Namespace
from dbt.flags import set_from_args
from dbt.config.profile import Profile, read_profile
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context

set_from_args(Namespace(), None)
set_invocation_context(os.environ)
profile = Profile.from_raw_profiles(read_profile("dbt"), "dango", ProfileRenderer({}))
credentials = profile.credentials
print(json.dumps({"target": profile.target_name, "type": credentials.type, **credentials.to_dict()}))
"""


def dbt_profile(target: warehouse.Warehouse) -> dict:
    env = {"PATH": "/usr/bin:/bin", **target.dbt_env()}
    done = subprocess.run(
        [sys.executable, "-c", RENDER_PROFILE], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_motherduck_makes_dlts_motherduck_destination_and_an_md_dbt_target(tmp_path):
    target = warehouse.for_project(Project(tmp_path), {"type": "motherduck", "database": "analytics"})
    destination = target.destination()
    assert destination.destination_type == "dlt.destinations.motherduck"
    assert destination.config_params["credentials"] == "md:analytics"
    assert target.dlt_defaults()["normalize"]["loader_file_format"] == "parquet"
    profile = dbt_profile(target)
    assert (profile["target"], profile["type"], profile["path"]) == ("motherduck", "duckdb", "md:analytics")


def test_postgres_settings_fill_dlts_credentials_and_the_dbt_target(tmp_path):
    (tmp_path / ".env").write_text("DESTINATION__POSTGRES__CREDENTIALS__PASSWORD=s3cret-pw\n")
    settings = {"type": "postgres", "host": "db.internal", "port": 6543, "database": "dw", "user": "loader"}
    target = warehouse.for_project(Project(tmp_path), settings)
    credentials = target.destination().config_params["credentials"]
    assert credentials == {
        "host": "db.internal",
        "port": 6543,
        "database": "dw",
        "username": "loader",
        "password": "s3cret-pw",
    }
    profile = dbt_profile(target)
    assert (profile["target"], profile["type"], profile["host"], profile["port"]) == (
        "postgres",
        "postgres",
        "db.internal",
        6543,
    )
    assert (profile["database"], profile["user"], profile["password"], profile["schema"]) == (
        "dw",
        "loader",
        "s3cret-pw",
        "main",
    )


def test_duckdb_is_the_default_and_its_file_can_move(tmp_path):
    (tmp_path / ".dango").mkdir()
    (tmp_path / ".dango" / "sources.yml").write_text("version: '1.0'\nsources: []\n")
    target = warehouse.for_project(Project(tmp_path))
    assert target.describe() == "data/warehouse.duckdb"
    moved = warehouse.for_project(Project(tmp_path), {"type": "duckdb", "path": "warehouse/main.duckdb"})
    profile = dbt_profile(moved)
    assert (profile["target"], profile["path"]) == ("duckdb", str(tmp_path / "warehouse" / "main.duckdb"))
