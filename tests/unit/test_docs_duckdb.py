"""docs/hardening.md names the DuckDB version that writes the warehouse: the one Dango pins."""

import re

import duckdb

from tests.conftest import REPO


def test_the_documented_duckdb_version_is_the_pinned_one():
    pinned = re.search(r"^duckdb==(\S+)$", (REPO / "runner" / "requirements.txt").read_text(), re.M)[1]
    assert f"DuckDB **{pinned}**" in (REPO / "docs" / "hardening.md").read_text()
    assert duckdb.__version__ == pinned
