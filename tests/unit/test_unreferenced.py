"""The unreferenced-sources warning: forgotten sources are flagged, helpers and packages are not."""

import textwrap

import pytest

from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.validate.unreferenced import source_functions, unreferenced, warning

SOURCE = "import dlt\n\n@dlt.source\ndef {name}():\n    return []\n"


@pytest.fixture
def project(tmp_path) -> Project:
    (tmp_path / "custom_sources").mkdir()
    return Project(tmp_path)


def write(project: Project, relative: str, text: str = "") -> None:
    path = project.custom_sources / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def registered(*modules: str) -> list[Source]:
    return [Source(name=m.replace(".", "_"), type="dlt_native", module=m, function="f") for m in modules]


def flagged(project: Project, sources: list[Source]) -> list[str]:
    return [project.relative(path) for path in unreferenced(project, sources)]


def test_unregistered_file_is_flagged_with_its_function_in_the_snippet(project):
    write(project, "shop.py", SOURCE.format(name="shop"))
    write(project, "my_api.py", SOURCE.format(name="fetch_everything"))
    assert flagged(project, registered("shop")) == ["custom_sources/my_api.py"]
    assert warning(project, registered("shop")) == textwrap.dedent(
        """\
        ⚠️ Unreferenced custom sources detected:
          - custom_sources/my_api.py
        These files won't be synced. To use them, add to .dango/sources.yml:
          - name: my_api
            type: dlt_native
            enabled: true
            dlt_native:
              source_module: my_api
              source_function: fetch_everything
              function_kwargs: {}"""
    )


def test_nothing_to_say_when_every_file_is_used(project):
    write(project, "shop.py", SOURCE.format(name="shop"))
    assert warning(project, registered("shop")) == ""


def test_helpers_imported_directly_or_through_another_helper_are_not_flagged(project):
    write(project, "shop.py", "import dlt\nfrom api_client import get\n")
    write(project, "api_client.py", "import requests\nimport retrying_session as r\n")
    write(project, "retrying_session.py", "from paging.cursor import next_page\n")
    write(project, "paging/__init__.py")
    write(project, "paging/cursor.py", "def next_page(): ...\n")
    write(project, "orphan_helper.py", "X = 1\n")
    assert flagged(project, registered("shop")) == ["custom_sources/orphan_helper.py"]


def test_import_inside_a_function_counts(project):
    write(project, "shop.py", "def shop():\n    import lazy_helper\n")
    write(project, "lazy_helper.py")
    assert flagged(project, registered("shop")) == []


def test_package_whose_module_is_registered_is_not_flagged(project):
    write(project, "crm/__init__.py")
    write(project, "crm/accounts.py", "from crm_helpers import clean\n")
    write(project, "crm_helpers.py")
    write(project, "billing/__init__.py", SOURCE.format(name="billing"))
    assert flagged(project, registered("crm.accounts")) == ["custom_sources/billing"]
    assert "      source_module: billing\n      source_function: billing\n" in warning(
        project, registered("crm.accounts")
    )


def test_namespace_folder_is_followed_but_never_flagged(project):
    write(project, "jobs/nightly.py", "import shared\n")
    write(project, "shared.py")
    write(project, "scratch/notes.py")
    assert flagged(project, registered("jobs.nightly")) == []


def test_private_init_and_unimportable_files_are_not_flagged(project):
    write(project, "__init__.py")
    write(project, "_private.py", SOURCE.format(name="private"))
    write(project, ".#shop.py")  # an editor's lock file
    write(project, "my-api.py")  # Python cannot import it, so it cannot be a source_module
    write(project, "__pycache__/x.cpython-311.pyc")
    assert flagged(project, []) == []


def test_a_broken_file_is_still_flagged_and_never_crashes(project):
    write(project, "broken.py", "def broken(:\n")
    write(project, "shop.py", "import dlt\ndef shop(:\n")  # a syntax error imports nothing
    assert flagged(project, registered("shop")) == ["custom_sources/broken.py"]


def test_installed_modules_and_no_folder_are_fine(tmp_path):
    assert unreferenced(Project(tmp_path), registered("dlt.sources.sql_database")) == []


def test_snippet_function_prefers_sources_then_a_single_resource(project):
    write(
        project, "one.py", "import dlt\n\n@dlt.source(name='x')\ndef one():\n    @dlt.resource\n    def inner(): ...\n"
    )
    write(project, "two.py", SOURCE.format(name="a") + "\n" + SOURCE.format(name="b").replace("import dlt\n", ""))
    write(project, "res.py", "from dlt import resource\n\n@resource(write_disposition='append')\ndef rows(): ...\n")
    assert source_functions(project.custom_sources / "one.py") == ["one"]
    assert source_functions(project.custom_sources / "two.py") == ["a", "b"]
    assert source_functions(project.custom_sources / "res.py") == ["rows"]
    text = warning(project, [])
    assert "source_module: two\n      source_function: <function_name>\n" in text
    assert "source_module: res\n      source_function: rows\n" in text


def test_snippet_name_follows_the_naming_rule(project):
    write(project, "MyApi.py", SOURCE.format(name="my_api"))
    assert "  - name: myapi\n" in warning(project, []) and "source_module: MyApi\n" in warning(project, [])


def test_a_script_running_a_registered_source_is_not_flagged(project):
    """dlt init's example script, custom_sources/notion_pipeline.py beside the notion package."""
    write(project, "notion/__init__.py", SOURCE.format(name="notion_databases"))
    write(project, "notion_pipeline.py", "import dlt\nfrom notion import notion_databases\n\ndlt.pipeline()\n")
    assert flagged(project, registered("notion")) == []
    assert flagged(project, []) == ["custom_sources/notion", "custom_sources/notion_pipeline.py"]
    write(project, "notion_extra.py", "from notion import x\n" + SOURCE.format(name="extra"))
    assert flagged(project, registered("notion")) == ["custom_sources/notion_extra.py"]  # a source of its own
