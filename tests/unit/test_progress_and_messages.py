"""The pure parts of issue 16: progress lines, summaries, environment reads, typos, wrappers' arguments."""

from pathlib import Path

from runner.sync import progress, tables
from runner.sync.handoff import ChildResult, Status
from runner.sync.live import Running, describe
from runner.sync.loader import typo_of
from runner.sync.parent import print_summary
from runner.sync.tools import dlt_arguments, writes_warehouse
from runner.transform.dbt_cli import needs_lock
from runner.validate.env_names import read_names


def test_a_heartbeat_says_the_step_the_rows_and_why_a_source_is_quiet():
    source = Running(started=100.0, state={"step": "extracting", "rows": {"users": 1200, "items": 350000}, "idle": 0})
    source.state_at = source.output_at = 140.0
    assert describe("big", source, 142.0, 30) == "[big] running 42s: extracting, items 350,000, users 1,200"
    source.state = {**source.state, "idle": 25.0, "waiting": "for an HTTP response in big.py line 9 (pages)"}
    line = describe("big", source, 175.0, 30)
    assert line.endswith("waiting for an HTTP response in big.py line 9 (pages): nothing yielded or printed for 35s")
    loading = Running(started=0.0, state={"step": "loading", "rows": {}, "jobs": [2, 5], "idle": 99})
    assert describe("big", loading, 60.0, 30) == "[big] running 60s: loading, 2/5 load jobs"  # dlt counts jobs


def test_the_childs_messages_are_told_from_the_sources_output():
    assert progress.parse("Fetching page 2") == ("Fetching page 2", "", "")
    assert progress.parse(f"{progress.MARK}say waiting for the warehouse lock") == (
        "",
        "say",
        "waiting for the warehouse lock",
    )
    # A source's print without a newline, then a progress line of the child's thread
    assert progress.parse(f'partial{progress.MARK}progress {{"step": "extracting"}}') == (
        "partial",
        "progress",
        {"step": "extracting"},
    )


def test_summary_counts_cancelled_apart_from_failed(capsys):
    results = [
        ChildResult("a", Status.OK),
        ChildResult("b", Status.FAILED),
        ChildResult("c", Status.TIMED_OUT),
        ChildResult("d", Status.CANCELLED),
    ]
    print_summary(results, 3.0)
    assert capsys.readouterr().out == "summary: 1 ok, 2 failed, 1 cancelled in 3.0s (failed: b, c; cancelled: d)\n"


def test_every_table_of_the_source_is_counted_with_0_where_nothing_came():
    counts = {"items": 5, "_dlt_pipeline_state": 1}
    assert tables.rows(counts, {"items", "empty", "items__tags"}) == {"empty": 0, "items": 5, "items__tags": 0}


def test_environment_reads_without_a_default_are_found():
    code = """
import os
from os import environ, getenv
A = os.environ.get("MY_API_KEY")
B = os.environ["SHOP_TOKEN"]
C = getenv("REGION")
D = os.getenv("WITH_DEFAULT", "eu")
E = environ.get("ALSO_DEFAULT", None)
F = os.environ.get(name_in_a_variable)
"""
    assert read_names(code) == [("MY_API_KEY", 4), ("SHOP_TOKEN", 5), ("REGION", 6)]
    assert read_names("def broken(:") == []


def test_a_misspelt_import_is_told_from_a_missing_package():
    assert typo_of("requets") == "requests"
    assert typo_of("pyyaml_not_a_thing_at_all") is None
    assert typo_of("datetme") == "datetime"  # the standard library counts


def test_dlt_gets_the_projects_pipelines_folder_and_dbt_the_lock_where_it_opens_the_warehouse(tmp_path):
    from runner.config.project import Project

    project = Project(Path(tmp_path))
    assert dlt_arguments(project, ["pipeline", "shop", "info"]) == [
        "pipeline",
        "--pipelines-dir",
        str(tmp_path / "data" / "pipelines"),
        "shop",
        "info",
    ]
    assert dlt_arguments(project, ["pipeline", "--pipelines-dir=x", "shop", "info"])[1] == "--pipelines-dir=x"
    assert dlt_arguments(project, ["--version"]) == ["--version"]
    assert writes_warehouse(["pipeline", "shop", "drop", "items"]) and not writes_warehouse(
        ["pipeline", "shop", "info"]
    )
    assert needs_lock(["build", "--select", "x"]) and needs_lock(["--debug", "compile"]) and needs_lock(["show"])
    assert not needs_lock(["ls"]) and not needs_lock(["--version"]) and not needs_lock(["docs", "serve"])
    assert not needs_lock([])
