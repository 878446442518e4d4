"""sources.yml edits keep every other byte of the user's file."""

import pytest

from runner.config.errors import DangoError
from runner.config.sources_edit import add_source, remove_source, set_env_values

FILE = """\
# Dango sources
version: '1.0'

sources:
  # the shop
  - name: shop
    type: dlt_native
    dlt_native:
      source_module: shop   # inline
      source_function: shop

  # the crm, synced nightly
  - name: crm
    type: rest_api
    rest_api:
      client: {base_url: "https://x.example"}
      resources: [a, b]
# end comment
"""
SHOP = FILE[FILE.index("  # the shop") : FILE.index("  # the crm")]
CRM = FILE[FILE.index("\n  # the crm") + 1 : FILE.index("# end")]


def test_remove_takes_the_entry_and_its_comment_only(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(FILE)
    remove_source(path, "shop")
    assert path.read_text() == FILE.replace(SHOP, "")
    path.write_text(FILE)
    remove_source(path, "crm")
    assert path.read_text() == FILE.replace("\n" + CRM, "")
    remove_source(path, "shop")
    assert "sources: []\n" in path.read_text()


def test_add_appends_in_the_file_style_and_keeps_the_rest(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(FILE)
    add_source(path, {"name": "new", "type": "files", "files": {"folder": "in", "globs": ["*.csv"]}})
    added = "\n  - name: new\n    type: files\n    files:\n      folder: in\n      globs:\n        - '*.csv'\n"
    assert path.read_text() == FILE.replace("# end comment", added.lstrip("\n").join(["\n", "# end comment"]))


def test_add_to_a_missing_or_empty_list(tmp_path):
    path = tmp_path / "sources.yml"
    add_source(path, {"name": "a", "type": "x"})
    assert path.read_text() == "version: '1.0'\nsources:\n  - name: a\n    type: x\n"
    path.write_text("version: '1.0'\nsources: []\n")
    add_source(path, {"name": "a", "type": "x"})
    assert path.read_text() == "version: '1.0'\nsources:\n  - name: a\n    type: x\n"


def test_refusals_leave_the_file_alone(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(FILE)
    with pytest.raises(DangoError, match="'shop' exists already"):
        add_source(path, {"name": "shop", "type": "x"})
    with pytest.raises(DangoError, match="no source named 'nope'"):
        remove_source(path, "nope")
    path.write_text("sources: [\n")
    with pytest.raises(DangoError, match="not valid YAML"):
        remove_source(path, "shop")
    assert path.read_text() == "sources: [\n"


def test_env_values_replace_and_stay_private(tmp_path):
    env = tmp_path / ".env"
    env.write_text("# mine\nKEEP=1\nTOKEN=old\n")
    set_env_values(env, {"TOKEN": "n'ew", "OTHER": "2"})
    assert env.read_text() == "# mine\nKEEP=1\nTOKEN='n\\'ew'\nOTHER='2'\n"
    assert env.stat().st_mode & 0o777 == 0o600


def test_a_null_is_written_out(tmp_path):
    path = tmp_path / "sources.yml"
    add_source(path, {"name": "api", "type": "rest_api", "rest_api": {"client": {"paginator": {"total_path": None}}}})
    assert "total_path: null\n" in path.read_text()
