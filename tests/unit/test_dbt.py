"""runner/dbt.py: dbt's exit code decides; run_results.json only names the failing nodes."""

import json
import os
import time

from runner.config import scaffold
from runner.config.project import Project
from runner.transform import dbt
from tests.conftest import REPO

ERROR = {
    "unique_id": "model.dango.broken_mart",
    "status": "error",
    "message": "Runtime Error in model broken_mart\n  Binder Error: column nope not found",
}
FAILED_TEST = {"unique_id": "test.dango.unique_orders_id.1a2b3c", "status": "fail", "message": "Got 2 results"}
OK = {"unique_id": "model.dango.stg_shop__orders", "status": "success", "message": "OK"}
SKIPPED = {"unique_id": "model.dango.downstream", "status": "skipped", "message": None}


def test_success_counts_the_nodes():
    assert dbt.summary(0, [OK, {**OK, "unique_id": "seed.dango.budgets"}], 2.0) == [
        "summary: ok in 2.0s: 1 model, 1 seed"
    ]


def test_failures_name_each_failing_node_and_its_error():
    lines = dbt.summary(1, [OK, ERROR, FAILED_TEST, SKIPPED], 3.0)
    assert lines[0] == "summary: FAILED in 3.0s: dbt exited with code 1; 2 failed, 1 skipped"
    assert lines[1:] == [
        "  failed: model broken_mart: Runtime Error in model broken_mart",
        "    Binder Error: column nope not found",
        "  failed: test unique_orders_id: Got 2 results",
    ]


def test_a_failure_before_any_node_points_at_dbts_own_error():
    assert "before running any node" in dbt.summary(2, [], 1.0)[0]
    assert "killed by SIGKILL" in dbt.summary(-9, [], 1.0)[0]


def test_only_this_runs_results_are_read(tmp_path):
    project = Project(tmp_path)
    target = tmp_path / "dbt" / "target"
    target.mkdir(parents=True)
    (target / "run_results.json").write_text(json.dumps({"results": [ERROR]}))
    assert dbt.results(project, time.time() - 60) == [ERROR]
    old = time.time() - 3600
    os.utime(target / "run_results.json", (old, old))
    assert dbt.results(project, time.time() - 60) == []


def test_a_leading_double_dash_only_separates_dbts_arguments():
    assert dbt.passthrough(["--", "--select", "x"]) == ["--select", "x"]
    assert dbt.passthrough(["--select", "x"]) == ["--select", "x"]


def test_the_demo_dbt_project_is_the_one_init_writes():
    for template in ("dbt_project.yml", "profiles.yml"):
        assert (REPO / scaffold.FILES[template]).read_text() == (scaffold.TEMPLATES / template).read_text()
