"""bin/dango validate: every mistake that would make a sync fail, found without touching the warehouse."""

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, run_dango
from tests.integration.test_config_errors import CASES

EXAMPLES = REPO / "tests" / "spec_examples"

GOOD = """
import dlt

@dlt.source
def good():
    @dlt.resource
    def rows():
        yield {"id": 1}
    return [rows()]
"""

NEEDS_KEY = """
import dlt

@dlt.source
def needs_key(api_key: str = dlt.secrets.value, base_url: str = dlt.config.value, page_size: int = 10):
    return []
"""


def errors(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("ERROR ")]


def warnings(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("WARN ")]


def test_a_good_project_passes_without_a_warehouse(project):
    project.add_source("good", GOOD)
    result = project.dango("validate", check=0)
    assert result.stdout.splitlines()[-1].startswith("validate: 0 errors, 0 warnings in 1 source")
    assert result.stderr == ""
    assert not (project.root / "data").exists()


def test_a_new_project_has_nothing_to_check(project):
    result = project.dango("validate", check=0)
    assert result.stdout.startswith("validate: 0 errors, 0 warnings in 0 sources")


@pytest.mark.parametrize("case", CASES)
def test_bad_sources_yml_gives_error_lines(project, case):
    text, expected = CASES[case]
    project.sources_yml.write_text(text)
    result = project.dango("validate", check=1)
    lines = errors(result)
    assert lines, result.stdout
    for fragment in expected:
        assert any(fragment in line for line in lines), result.stdout
    assert "; sources not checked until sources.yml is valid" in result.stdout.splitlines()[-1]
    assert not (project.root / "data").exists()


def test_schema_problems_in_json(project):
    project.sources_yml.write_text(CASES["misspelt key"][0])
    result = project.dango("validate", "--json", check=1)
    report = json.loads(result.stdout)
    assert report["errors"] == 2 and report["warnings"] == 0 and report["sources"] is None
    assert report["problems"][1] == (
        {
            "level": "ERROR",
            "file": ".dango/sources.yml",
            "line": 6,
            "source": "shop",
            "field": "dlt_native.source_modul",
            "message": "unknown key 'source_modul'",
            "fix": "did you mean 'source_module'?",
        }
    )


def test_source_module_not_found_says_where_it_looked(project):
    project.write("custom_sources/my_api.py", GOOD)
    project.register("my_api", "my_apii", "good")  # Troubleshooting: source_module must match the file name
    result = project.dango("validate", check=1)
    [line] = errors(result)
    assert line.startswith("ERROR .dango/sources.yml:6: source 'my_api': field 'dlt_native.source_module':")
    assert "looked for custom_sources/my_apii.py, custom_sources/my_apii/__init__.py and installed packages" in line


def test_file_name_as_module_is_explained(project):
    project.add_source("my_api", GOOD, function="good")
    project.sources_yml.write_text(
        project.sources_yml.read_text().replace("source_module: my_api", "source_module: my_api.py")
    )
    result = project.dango("validate", check=1)
    assert "source_module `my_api.py` is a file name. Write the module name without .py: `my_api`." in result.stdout


def test_missing_dependency_is_named(project):
    project.add_source("typo", "import dlt\nimport not_a_real_package\n", function="typo")
    result = project.dango("validate", check=1)
    [line] = errors(result)
    assert "field 'dlt_native.source_module'" in line
    assert "imports `not_a_real_package`, which is not installed" in line and "make setup" in line


def test_syntax_error_points_at_the_line(project):
    project.add_source("broken", "import dlt\n\n\ndef broken(:\n    pass\n")
    result = project.dango("validate", check=1)
    [line] = errors(result)
    assert line.startswith("ERROR custom_sources/broken.py:4: source 'broken': field 'dlt_native.source_module':")
    assert "raised SyntaxError" in line


def test_module_raising_on_import_shows_the_exception_and_line(project):
    code = 'import dlt\nprint("chatty module")\nLIMIT = 10\nraise RuntimeError("no config file found")\n'
    project.add_source("raises", code)
    result = project.dango("validate", "--json", check=1)
    [problem] = json.loads(result.stdout)["problems"]  # what the module prints stays out of the JSON
    assert problem["file"] == "custom_sources/raises.py" and problem["line"] == 4
    assert problem["message"] == "importing `raises` raised RuntimeError: no config file found"


def test_a_crashing_import_is_isolated(project):
    project.add_source("dies", "import os\nos._exit(3)\n", function="dies")
    project.add_source("good", GOOD)
    project.add_source("nofunc", GOOD, function="goood")
    result = project.dango("validate", check=1)
    assert len(errors(result)) == 2
    assert "source 'dies'" in result.stdout and "exited with code 3" in result.stdout
    assert "source_function `goood` not found in custom_sources/nofunc.py" in result.stdout
    assert "validate: 2 errors, 0 warnings in 3 sources" in result.stdout


def test_function_not_found_lists_only_decorated_functions(project):
    code = GOOD + "\n\ndef helper():\n    pass\n\n\n@dlt.resource\ndef orders():\n    yield {}\n"
    project.add_source("shop", code, function="get_itmes")
    result = project.dango("validate", check=1)
    [line] = errors(result)
    assert line.startswith("ERROR .dango/sources.yml:7: source 'shop': field 'dlt_native.source_function':")
    assert "decorated functions there: `good`, `orders`. Fix source_function in .dango/sources.yml." in line
    assert "helper" not in line


def test_undecorated_function_is_reported(project):
    project.add_source("plain", "def plain():\n    return []\n")
    result = project.dango("validate", check=1)
    assert "source_function `plain` is not decorated with @dlt.source or @dlt.resource" in result.stdout


def test_unknown_argument_names_the_function_and_accepted_arguments(project):
    project.add_source("needs_key", NEEDS_KEY, kwargs={"page_sise": 5, "api_key": "k", "base_url": "u"})
    result = project.dango("validate", check=1)
    [line] = errors(result)
    assert "field 'dlt_native.function_kwargs'" in line
    assert "function_kwargs do not fit `needs_key`: got an unexpected keyword argument 'page_sise'" in line
    assert "Accepted arguments: api_key, base_url, page_size." in line


def test_required_argument_without_default_must_be_given(project):
    code = "import dlt\n\n@dlt.resource\ndef items(base_url, limit=10):\n    yield []\n"
    project.add_source("items", code)
    result = project.dango("validate", check=1)
    assert "`items` requires the argument `base_url`, which function_kwargs do not give" in result.stdout
    project.sources_yml.write_text(
        project.sources_yml.read_text().replace("function_kwargs: {}", "function_kwargs: {base_url: x}")
    )
    project.dango("validate", check=0)


def test_unresolved_dlt_secret_names_the_variable_to_set(project):
    project.add_source("needs_key", NEEDS_KEY)
    result = project.dango("validate", check=1)
    secret, setting = errors(result)
    assert "`needs_key` needs the secret `api_key`, and dlt found none" in secret
    assert (
        'set SOURCES__NEEDS_KEY__API_KEY in .env, or `api_key = "..."` under [sources.needs_key] in .dlt/secrets.toml'
        in secret
    )
    assert "`needs_key` needs the setting `base_url`" in setting and "add `base_url:` under function_kwargs" in setting
    # Each place the messages name satisfies dlt, as in a sync.
    project.write(".env", "SOURCES__NEEDS_KEY__API_KEY=k-1234567\n")
    project.write(".dlt/config.toml", '[sources.needs_key]\nbase_url = "https://example.com"\n')
    result = project.dango("validate", check=0)
    assert "k-1234567" not in result.stdout
    (project.root / ".env").unlink()
    project.write(".dlt/secrets.toml", '[sources.needs_key]\napi_key = "k-1234567"\n')
    project.dango("validate", check=0, cwd=project.root / "custom_sources")


def test_literal_secret_in_kwargs_is_a_warning_that_never_shows_the_value(project):
    code = "import dlt\n\n@dlt.resource\ndef items(api_key=None, options=None):\n    yield []\n"
    secret = "sk_live_abcdef123456"
    project.add_source("items", code, kwargs={"api_key": secret, "options": {"client_secret": "cs-98765"}})
    result = project.dango("validate", check=0)
    assert len(warnings(result)) == 2
    first, nested = warnings(result)
    assert "field 'dlt_native.function_kwargs.api_key'" in first and "Move it to .env as `API_KEY=...`" in first
    assert "field 'dlt_native.function_kwargs.options.client_secret'" in nested
    assert "validate: 0 errors, 2 warnings in 1 source" in result.stdout
    assert secret not in result.stdout + result.stderr and "cs-98765" not in result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_secret_files_must_be_kept_out_of_git(project):
    project.add_source("good", GOOD)
    project.write(".env", "TOKEN=t-123456\n")
    project.write(".dlt/secrets.toml", 'token = "t-123456"\n')
    project.dango("validate", check=0)  # not a git checkout: nothing can leak through git
    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True)
    project.dango("validate", check=0)  # `bin/dango init` wrote a .gitignore that ignores both
    (project.root / ".gitignore").write_text("data/\n")
    result = project.dango("validate", check=1)
    assert errors(result) == [
        "ERROR .env: this file of secrets is not ignored by git, so `git add .` would commit it. "
        "Add the line `.env` to the project's .gitignore.",
        "ERROR .dlt/secrets.toml: this file of secrets is not ignored by git, so `git add .` would commit it. "
        "Add the line `.dlt/secrets.toml` to the project's .gitignore.",
    ]
    (project.root / ".gitignore").write_text("data/\n.env\n.dlt/secrets.toml\n")
    subprocess.run(["git", "add", "-f", ".env"], cwd=project.root, check=True)
    [line] = errors(project.dango("validate", check=1))
    assert line.startswith("ERROR .env: git tracks this file") and "git rm --cached .env" in line


def test_problems_of_a_disabled_source_are_warnings(project):
    project.add_source("off", GOOD, function="missing", enabled=False)
    result = project.dango("validate", check=0)
    [line] = warnings(result)
    assert "source_function `missing` not found" in line and "only `bin/dango sync off` runs it" in line


def test_json_lists_every_problem_with_counts(project):
    project.add_source("needs_key", NEEDS_KEY, kwargs={"api_key": "literal-key-1", "base_url": "u"})
    project.add_source("nofunc", GOOD, function="goood")
    result = project.dango("validate", "--json", check=1)
    report = json.loads(result.stdout)
    assert (report["errors"], report["warnings"], report["sources"]) == (1, 1, 2)
    warning, error = report["problems"]
    assert warning["level"] == "WARN" and warning["source"] == "needs_key"
    assert warning["field"] == "dlt_native.function_kwargs.api_key" and warning["line"] == 9
    assert error["level"] == "ERROR" and error["source"] == "nofunc" and error["field"] == "dlt_native.source_function"
    assert error["file"] == ".dango/sources.yml" and error["fix"] == "Fix source_function in .dango/sources.yml."


def test_unreferenced_file_is_flagged_first_with_the_snippet(project):
    project.add_source("good", GOOD)
    project.write("custom_sources/my_api.py", GOOD.replace("def good", "def my_api"))
    result = project.dango("validate", check=0)
    assert result.stderr.startswith("⚠️ Unreferenced custom sources detected:\n  - custom_sources/my_api.py\n")
    assert "      source_function: my_api\n" in result.stderr
    [line] = warnings(result)
    assert line.startswith("WARN  custom_sources/my_api.py: no source in .dango/sources.yml uses this file")


def test_validate_never_touches_the_warehouse_even_while_it_is_written(project):
    project.add_source("good", GOOD)
    project.sync()
    before = project.warehouse.read_bytes()
    project.dango("validate", check=0)
    assert project.warehouse.read_bytes() == before
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print(1, flush=True); time.sleep(60)"
    writer = subprocess.Popen([sys.executable, "-c", hold, project.warehouse], stdout=subprocess.PIPE, text=True)
    try:
        writer.stdout.readline()
        project.dango("validate", check=0, timeout=30)
    finally:
        writer.kill()
        writer.wait()


def test_every_example_of_the_docs_passes(project):
    examples = {
        "my_api": "my_api",
        "ecommerce_api": "ecommerce_api",
        "authenticated_api": "authenticated_api",
        "orders_by_date": "get_orders",
        "transactions_by_id": "get_transactions",
        "daily_stats": "get_daily_stats",
        "dependent_resources": "dependent_resources",
        "multi_resource_api": "multi_resource_api",
        "enriched_data": "enriched_data",
        "retry_api": "retry_api",
    }
    for module, function in examples.items():
        project.add_source(module, (EXAMPLES / f"{module}.py").read_text(), function=function)
    project.add_source("paginated_api", (EXAMPLES / "paginated_api.py").read_text(), kwargs={"page_size": 50})
    result = project.dango("validate", check=1)
    [line] = errors(result)  # the docs pass base_url in function_kwargs; this registration forgot it
    assert "`paginated_api` requires the argument `base_url`, which function_kwargs do not give" in line
    assert f"in {len(examples) + 1} sources" in result.stdout


def test_transformer_fed_by_its_parent_passes(project):
    code = """
    import dlt

    @dlt.resource
    def accounts():
        yield [{"id": 1}]

    @dlt.transformer(data_from=accounts)
    def details(account, verbose=False):
        yield account
    """
    project.add_source("crm", code, function="details")
    project.dango("validate", check=0)


def test_usage_errors_exit_2(tmp_path, env):
    result = run_dango("validate", cwd=tmp_path, env=env, check=2)
    assert "no Dango project found" in result.stderr


def test_motherduck_without_a_token_is_named_before_anything_runs(project):
    warehouse = "version: '1.0'\nwarehouse:\n  type: motherduck\n  database: analytics\n"
    project.sources_yml.write_text(project.sources_yml.read_text().replace("version: '1.0'\n", warehouse))
    project.add_source("one_row", "import dlt\n\n@dlt.resource\ndef one_row():\n    yield {'id': 1}\n")
    checked = project.dango("validate", check=1)
    assert "field 'warehouse': no MotherDuck token for md:analytics: set MOTHERDUCK_TOKEN" in checked.stdout
    refused = project.sync(check=2)
    assert "no MotherDuck token" in refused.stderr and "nothing was synced" in refused.stderr
