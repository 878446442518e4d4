"""The pure parts of full refresh, state and backfill: typed cursors, merged state, what a run did."""

import datetime

import pytest

from runner.config.errors import DangoError
from runner.report.status import is_sync
from runner.sync import options
from runner.sync.cursors import cursors, typed_like
from runner.sync.refresh import merged_state

STATE = {
    "_state_version": 3,
    "sources": {
        "shop": {
            "resources": {
                "orders": {"incremental": {"updated_at": {"initial_value": "2024-01-01", "last_value": "2024-02-05"}}},
                "transactions": {"incremental": {"id": {"initial_value": 0, "last_value": 250}}},
            }
        }
    },
}


@pytest.mark.parametrize(
    ("text", "like", "value"),
    [
        ("240", 250, 240),
        ("2.5", 1.0, 2.5),
        ("2024-02-01", "2024-02-05", "2024-02-01"),
        ("2024-02-01", datetime.date(2024, 2, 5), datetime.date(2024, 2, 1)),
        ("7", None, 7),
    ],
)
def test_a_value_is_typed_like_the_cursor(text, like, value):
    assert typed_like(text, like) == value


def test_a_datetime_cursor_takes_a_datetime():
    value = typed_like("2024-02-01T10:00:00Z", datetime.datetime(2024, 2, 5, tzinfo=datetime.UTC))
    assert value == datetime.datetime(2024, 2, 1, 10, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("text", "like", "words"),
    [
        ("abc", 250, "not an integer"),
        ("yesterday", "2024-02-05", "not a date"),
        ("2024-13-01", datetime.date(2024, 2, 5), "not a date"),
    ],
)
def test_a_value_of_another_type_is_refused(text, like, words):
    with pytest.raises(ValueError, match=words):
        typed_like(text, like)


def test_cursors_are_read_from_the_state():
    found = {(c.resource, c.column): c.last_value for c in cursors(STATE)}
    assert found == {("orders", "updated_at"): "2024-02-05", ("transactions", "id"): 250}


def test_a_resource_refresh_replaces_only_its_state():
    side = {"sources": {"shop": {"resources": {"orders": {"incremental": {"updated_at": {"last_value": "x"}}}}}}}
    merged = merged_state(STATE, side, ["orders"])
    assert merged["sources"]["shop"]["resources"]["orders"] == side["sources"]["shop"]["resources"]["orders"]
    assert (
        merged["sources"]["shop"]["resources"]["transactions"] == STATE["sources"]["shop"]["resources"]["transactions"]
    )
    assert merged_state(STATE, side, [])["sources"] == side["sources"]  # the whole source: all of it
    assert STATE["sources"]["shop"]["resources"]["orders"]["incremental"]["updated_at"]["last_value"] == "2024-02-05"


def test_what_a_run_did_and_whether_it_counts_as_a_sync():
    assert options.SyncOptions().describe() == "sync"
    assert options.SyncOptions(True, ("orders",)).describe() == "full refresh of orders"
    assert options.SyncOptions(since="2024-01-01").describe() == "backfill 2024-01-01..saved cursor"
    assert is_sync({"action": "full refresh"}) and is_sync({}) and not is_sync({"action": "state reset of orders"})


@pytest.mark.parametrize(
    ("wanted", "names", "words"),
    [
        (options.SyncOptions(full_refresh=True), ["a", "b"], "name exactly one"),
        (options.SyncOptions(full_refresh=True, since="1"), ["a"], "one or the other"),
        (options.SyncOptions(until="1"), ["a"], "--until needs --since"),
    ],
)
def test_options_that_make_no_sense_are_refused(wanted, names, words):
    with pytest.raises(DangoError, match=words):
        options.check(wanted, names)


def test_the_cursor_of_a_resource_is_found_in_its_code():
    import dlt

    @dlt.resource
    def stats(day=dlt.sources.incremental("date", lag=7)):
        yield {"date": "2024-01-01"}

    @dlt.resource
    def plain():
        yield {"id": 1}

    @dlt.source
    def ads():
        return stats, plain

    assert options.cursor_of(stats()).lag == 7  # a @dlt.resource registered as the source function
    resources = ads().resources
    assert options.cursor_of(resources["stats"]).cursor_path == "date"
    assert options.cursor_of(resources["plain"]) is None


def test_a_refresh_replaces_what_the_side_load_holds_and_empties_the_rest():
    from types import SimpleNamespace

    from runner.sync.refresh import plan

    old = SimpleNamespace(
        tables={
            "orders": {"name": "orders", "resource": "orders"},
            "orders__items": {"name": "orders__items", "parent": "orders"},
            "transactions": {"name": "transactions", "resource": "transactions"},
        }
    )
    side = SimpleNamespace(tables={"orders": {"name": "orders", "resource": "orders"}})
    planned = plan(old, side, ["orders"], side_tables={"orders"})
    assert (planned.dropped, planned.replaced, planned.emptied) == (
        ["orders", "orders__items"],
        ["orders"],
        ["orders__items"],
    )
    assert plan(old, side, [], side_tables=set()).emptied == ["orders", "orders__items", "transactions"]


@pytest.mark.parametrize(
    ("hints", "words"),
    [
        ({"write_disposition": "append"}, "write disposition changed from merge to append"),
        ({"primary_key": "code"}, "primary key changed from id to code"),
    ],
)
def test_a_changed_disposition_or_key_is_refused_with_its_fix(hints, words):
    import dlt
    from dlt.common.schema import Schema

    from runner.sync.schema_changes import declared_changes

    @dlt.resource(name="items", write_disposition="merge", primary_key="id")
    def items():
        yield {"id": 1, "code": "a"}

    schema = Schema("shop")
    loaded = items().compute_table_schema()
    loaded["columns"] = {"id": {"name": "id", "data_type": "bigint", "primary_key": True}}
    loaded["x-normalizer"] = {"seen-data": True}
    schema.update_table(loaded)
    declared_changes([items()], schema, "shop")  # unchanged: nothing to say
    changed = items()
    changed.apply_hints(**hints)
    with pytest.raises(DangoError, match=f"{words}.*`bin/dango sync shop --full-refresh --resource items`"):
        declared_changes([changed], schema, "shop")
