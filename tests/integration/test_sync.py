"""bin/dango sync: isolation between sources, locking, state, secrets and exit codes."""

import datetime
import shutil
import subprocess

from tests.conftest import DANGO, Project, run_dango
from tests.integration.test_faults import read_until

GOOD = """
import dlt

@dlt.source
def good():
    @dlt.resource(write_disposition="append")
    def rows():
        print("fetching rows")
        yield [{"id": i} for i in range(3)]
    return [rows()]
"""

RAISES = """
import dlt

@dlt.source
def broken():
    @dlt.resource
    def rows():
        yield {"id": 1}
        raise RuntimeError("the API went away")
    return [rows()]
"""


def test_failing_source_does_not_stop_the_others(project):
    project.add_source("broken", RAISES)
    project.add_source("good", GOOD)
    result = project.sync(check=1)
    assert "[broken] FAILED" in result.stdout
    assert "RuntimeError: the API went away" in result.stdout
    assert 'custom_sources/broken.py", line' in result.stdout  # the traceback's last frames
    assert "[good] ok" in result.stdout and "rows 3" in result.stdout
    assert "summary: 1 ok, 1 failed" in result.stdout and "(failed: broken)" in result.stdout
    assert project.count("raw_good.rows") == 3


def test_a_source_that_exits_hard_is_reported(project):
    project.add_source("dies", "import os\nos._exit(3)\n", function="anything")
    project.add_source("good", GOOD)
    result = project.sync(check=1)
    assert "[dies] FAILED" in result.stdout and "exited with code 3" in result.stdout
    assert project.count("raw_good.rows") == 3


def test_a_runner_module_of_the_project_does_not_replace_dangos(project):
    project.write("runner.py", "raise SystemExit('the project runner ran')\n")
    project.write("runner/sync/child.py", "raise SystemExit('the project runner ran')\n")
    project.add_source("good", GOOD)
    for cwd in (project.root, project.root / "runner"):
        assert "the project runner ran" not in project.dango("validate", cwd=cwd, check=0).stderr
    result = project.sync(check=0)
    assert "[good] ok" in result.stdout and "the project runner ran" not in result.stdout + result.stderr
    assert project.count("raw_good.rows") == 3


def test_import_error_and_missing_function_are_explained(project):
    project.add_source("typo", "import dlt\nimport not_a_real_package\n", function="typo")
    project.add_source("nofunc", GOOD, function="goood")
    project.register("nomodule", "no_such_module", "f")
    result = project.sync(check=1)
    assert "imports `not_a_real_package`, which is not installed" in result.stdout
    assert "source_function `goood` not found in custom_sources/nofunc.py; decorated functions there: `good`" in (
        result.stdout
    )
    assert "source_module `no_such_module` not found: looked for custom_sources/no_such_module.py" in result.stdout


def test_wrong_function_kwargs_name_the_accepted_arguments(project):
    project.add_source("good", GOOD, kwargs={"page_size": 10})
    result = project.sync(check=1)
    assert "function_kwargs do not fit `good`" in result.stdout
    assert "unexpected keyword argument 'page_size'" in result.stdout


def test_names_select_sources_and_disabled_ones_run_when_named(project):
    project.add_source("good", GOOD)
    project.add_source("off", GOOD.replace("def good", "def off"), enabled=False)
    project.sync()
    assert project.tables("raw_off") == set()
    project.sync("off")
    assert project.count("raw_off.rows") == 3


def test_unknown_name_lists_the_known_ones(project):
    project.add_source("good", GOOD)
    result = project.sync("goood", check=2)
    assert "unknown source 'goood'" in result.stderr and "known sources: good" in result.stderr
    assert not project.warehouse.exists()


def test_runs_from_a_subfolder_and_with_project_dir(project, tmp_path):
    project.add_source("good", GOOD)
    project.sync(cwd=project.root / "dbt" / "models")
    assert project.count("raw_good.rows") == 3
    project.dango("sync", "--project-dir", project.root, cwd=tmp_path, check=0)
    project.env["DANGO_PROJECT_DIR"] = str(project.root)
    project.dango("sync", cwd=tmp_path, check=0)
    assert project.count("raw_good.rows") == 9


def test_outside_a_project_is_a_usage_error(tmp_path, env):
    result = run_dango("sync", cwd=tmp_path, env=env, check=2)
    assert "no Dango project found" in result.stderr and "bin/dango init" in result.stderr


def test_init_refuses_an_existing_project(project):
    result = project.dango("init", project.root, check=2)
    assert "already holds a Dango project" in result.stderr


def test_output_is_logged_per_source(project):
    project.add_source("good", GOOD)
    project.sync()
    logs = list((project.root / "data" / "logs" / "good").glob("*.log"))
    assert len(logs) == 1
    assert "fetching rows" in logs[0].read_text() and "[good] ok" in logs[0].read_text()


def test_secrets_never_appear_in_output_or_logs(project, api):
    project.add_source(
        "leaky",
        f"""
        import os
        import dlt
        import requests

        @dlt.source
        def leaky():
            @dlt.resource
            def data():
                key = os.environ["SHOP_TOKEN"]
                print("using", key)
                requests.get("{api.url}/missing", params={{"token": key}}).raise_for_status()
                yield {{"id": 1}}
            return [data()]
        """,
    )
    secret = "tok_live_99887766554433"
    project.write(".env", f"SHOP_TOKEN={secret}\n")
    result = project.sync(check=1)
    assert "404" in result.stdout and "***" in result.stdout
    everything = result.stdout + result.stderr
    everything += "".join(p.read_text() for p in (project.root / "data").rglob("*.log"))
    everything += (project.root / "data" / "runs.jsonl").read_text()
    assert secret not in everything


def test_missing_dlt_secret_names_what_to_set(project):
    project.add_source(
        "needs_key",
        """
        import dlt

        @dlt.source
        def needs_key(api_key: str = dlt.secrets.value):
            @dlt.resource
            def rows():
                yield {"id": 1}
            return [rows()]
        """,
    )
    result = project.sync(check=1)
    assert "api_key" in result.stdout and "SOURCES__" in result.stdout
    project.write(".dlt/secrets.toml", '[sources.needs_key]\napi_key = "k-123456"\n')
    project.sync(cwd=project.root / "custom_sources")
    assert project.count("raw_needs_key.rows") == 1


def test_replace_is_atomic_when_a_source_fails_half_way(project):
    code = """
    import os
    import dlt

    @dlt.source
    def products():
        @dlt.resource(write_disposition="replace")
        def items():
            yield [{"id": i} for i in range(10)]
            if os.environ.get("FAIL_HALF_WAY"):
                raise ConnectionError("dropped after the first page")
            yield [{"id": i} for i in range(10, 20)]
        return [items()]
    """
    project.add_source("products", code)
    project.sync()
    assert project.count("raw_products.items") == 20
    project.env["FAIL_HALF_WAY"] = "1"
    project.sync(check=1)
    assert project.count("raw_products.items") == 20


def test_state_survives_losing_the_pipelines_folder(project, api):
    code = (DANGO.parent.parent / "tests" / "spec_examples" / "transactions_by_id.py").read_text()
    project.add_source("ledger", code.replace("https://api.example.com", api.url), function="get_transactions")
    project.sync()
    shutil.rmtree(project.root / "data" / "pipelines")
    api.transactions.append({"id": 251, "amount": 251})
    project.sync()
    assert api.seen("/transactions")[-2]["after_id"] == "250"  # restored from the warehouse
    assert project.count("raw_ledger.transactions") == 251


def test_two_projects_with_the_same_source_name_keep_separate_state(tmp_path, env, api):
    code = (DANGO.parent.parent / "tests" / "spec_examples" / "transactions_by_id.py").read_text()
    code = code.replace("https://api.example.com", api.url)
    projects = []
    for folder in ("one", "two"):
        run_dango("init", tmp_path / folder, cwd=tmp_path, env=env, check=0)
        projects.append(Project(tmp_path / folder, env))
        projects[-1].add_source("ledger", code, function="get_transactions")
    projects[0].sync()
    projects[1].sync()
    assert [q["after_id"] for q in api.seen("/transactions")].count("0") == 2  # each started fresh
    assert projects[1].count("raw_ledger.transactions") == 250


def test_two_syncs_started_at_once_both_succeed(project):
    # The first run holds the source until the second says it waits for it: no guess at how long.
    slow = """
    import time
    from pathlib import Path
    import dlt

    @dlt.source
    def slow():
        @dlt.resource(write_disposition="append")
        def rows():
            print("slow: holding the source", flush=True)
            while not Path("open-gate").exists():
                time.sleep(0.05)
            yield [{"id": i} for i in range(100)]
        return [rows()]
    """
    project.add_source("slow", slow)
    first = subprocess.Popen([DANGO, "sync"], cwd=project.root, env=project.env, stdout=subprocess.PIPE, text=True)
    try:
        first_out = read_until(first, "slow: holding the source")
        second = subprocess.Popen([DANGO, "sync"], cwd=project.root, env=project.env, stdout=subprocess.PIPE, text=True)
        second_out = read_until(second, "waiting for another run of this source, held by pid")
    finally:
        (project.root / "open-gate").touch()  # a failed assertion must not leave the first sync waiting
    first_out += first.communicate(timeout=120)[0]
    second_out += second.communicate(timeout=120)[0]
    assert first.returncode == 0, first_out
    assert second.returncode == 0, second_out
    assert "Could not set lock" not in first_out + second_out
    assert project.count("raw_slow.rows") == 200


def test_lock_timeout_fails_the_source_and_names_the_holder(project):
    project.add_source("good", GOOD)
    (project.root / "data").mkdir(exist_ok=True)
    hold = (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
        "print(1, flush=True); time.sleep(30)"
    )
    lock_file = project.root / "data" / "warehouse.duckdb.lock"
    holder = subprocess.Popen(["python3", "-c", hold, str(lock_file)], stdout=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()
        result = project.sync("--lock-timeout", "2", check=1)  # a source announces a wait after a second
    finally:
        holder.kill()
    assert "[good] waiting for the warehouse lock, held by" in result.stdout
    assert "still held by" in result.stdout and "raise --lock-timeout" in result.stdout


def test_yaml_dates_in_function_kwargs_reach_the_source_as_dates(project):
    code = """
    import datetime
    import dlt

    @dlt.resource
    def dated(since):
        assert isinstance(since, datetime.date), type(since)
        yield {"since": since.isoformat()}
    """
    project.add_source("dated", code, kwargs={"since": datetime.date(2024, 1, 31)})
    assert "since: 2024-01-31" in project.sources_yml.read_text()
    project.sync()
    assert project.query("select since from raw_dated.dated") == [("2024-01-31",)]


def test_column_names_in_kwargs_are_not_taken_for_secrets(project):
    code = """
    import dlt

    @dlt.source
    def keyed(primary_key: str):
        @dlt.resource(primary_key=primary_key, write_disposition="merge")
        def rows():
            print("merging on", primary_key)
            yield [{"order_id": 1}]
        return [rows()]
    """
    project.add_source("keyed", code, kwargs={"primary_key": "order_id"})
    result = project.sync()
    assert "merging on order_id" in result.stdout


def test_renaming_a_source_says_where_its_old_dataset_is(project):
    project.add_source("shop", "import dlt\n\n@dlt.resource\ndef shop():\n    yield [{'id': 1}]\n")
    assert "note:" not in project.sync().stdout
    project.sources_yml.write_text(project.sources_yml.read_text().replace("name: shop", "name: shop_v2"))
    renamed = project.sync().stdout
    assert "note: raw_shop in data/warehouse.duckdb belongs to no source in .dango/sources.yml" in renamed
    drop = renamed.split("such as: ", 1)[1].strip()
    assert "(first run now: shop_v2)" in renamed and "drop schema raw_shop cascade" in drop
    subprocess.run(drop, shell=True, cwd=project.root, check=True)  # the command as printed, pasted
    assert project.tables("raw_shop") == set() and project.count("raw_shop_v2.shop") == 1
    assert "note:" not in project.sync().stdout
