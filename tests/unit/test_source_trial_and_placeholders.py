"""`source test`'s row cut (runner/sync/trial_child.py) and validate's placeholder finder
(runner/validate/placeholders.py)."""

import pyarrow as pa

from runner.sync.trial_child import Trim
from runner.validate.placeholders import placeholders


def test_trim_passes_the_first_rows_whatever_the_items_are():
    pages = Trim(5).bind(None)
    assert [pages([1, 2, 3]), pages([4, 5, 6, 7]), pages([8])] == [[1, 2, 3], [4, 5], None]
    single = Trim(2).bind(None)
    assert [single({"id": 1}), single({"id": 2}), single({"id": 3})] == [{"id": 1}, {"id": 2}, None]
    tables = Trim(3).bind(None)
    first, second = tables(pa.table({"id": [1, 2]})), tables(pa.table({"id": [3, 4, 5]}))
    assert first["id"].to_pylist() == [1, 2] and second["id"].to_pylist() == [3]
    assert tables(pa.table({"id": [6]})) is None
    several = Trim(4).bind(None)
    cut = several([pa.table({"id": [1, 2, 3]}), pa.table({"id": [4, 5]}), pa.table({"id": [6]})])
    assert [table["id"].to_pylist() for table in cut] == [[1, 2, 3], [4]]


def test_placeholders_are_found_with_their_section_and_line():
    toml = """
[sources.notion]
api_key = "<configure me>" # please set me up!
database_id = "abc"

[ destination.postgres.credentials ]
"password" = '<configure me>'
note = "write <configure me> here"
"""
    assert placeholders(toml, toml=True) == [
        ("sources.notion.api_key", 3),
        ("destination.postgres.credentials.password", 7),
    ]
    env = 'A=1\nexport NOTION_KEY=<configure me>\nB="<configure me>"\n'
    assert placeholders(env, toml=False) == [("NOTION_KEY", 2), ("B", 3)]
