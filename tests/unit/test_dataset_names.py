"""Source names are checked against the datasets dlt will really create for them."""

import pytest

from runner.config import dataset_names


def names(*names: str) -> list[tuple[str, str, int]]:
    return [(name, f"raw_{name}", line) for line, name in enumerate(names, start=1)]


def test_a_source_named_like_another_staging_dataset_is_refused_in_either_order():
    for order in (("shop", "shop_staging"), ("shop_staging", "shop")):
        problems = dataset_names.collisions(names(*order), "duckdb", ".dango/sources.yml")
        assert len(problems) == 1 and problems[0].source == order[1] and problems[0].line == 2
        assert "raw_shop_staging" in problems[0].message and "emptied after every load of 'shop'" in problems[0].message


@pytest.mark.parametrize(("name", "dataset"), [("a__b", "raw_a_b"), ("x_", "raw_xx"), ("_x", "raw_x")])
def test_names_dlt_would_change_are_refused(name, dataset):
    (problem,) = dataset_names.collisions(names(name), "duckdb", "f")
    assert f"dlt would load it into {dataset}, not raw_{name}" in problem.fix


def test_ordinary_names_pass_on_every_engine():
    for engine in ("duckdb", "postgres", "motherduck"):
        assert dataset_names.collisions(names("shop", "shop_orders", "staging", "a" * 59), engine, "f") == []


def test_identifier_lengths_are_dlts():
    from dlt.destinations import duckdb, motherduck, postgres

    for engine, factory in (("duckdb", duckdb), ("postgres", postgres), ("motherduck", motherduck)):
        length = factory().capabilities().max_identifier_length
        assert dataset_names.MAX_IDENTIFIER_LENGTH.get(engine, length) == length
        assert length >= 63 if engine == "postgres" else length > 1000


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_names_taken_as_kept_without_dlt_are_what_dlt_keeps(engine):
    """The shortcut that spares a first sync importing dlt agrees with dlt's naming convention."""
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    naming = NamingConvention(max_length=dataset_names.MAX_IDENTIFIER_LENGTH.get(engine))  # type: ignore[arg-type]
    samples = ["s00", "a1_b2", "x_staging", "demo_shop", "1a", "a" * 51, "a" * 52, "a__b", "a_", "_a", "aB", "a-b"]
    for name in samples:
        dataset = f"raw_{name}"
        expected = (naming.normalize_table_identifier(dataset), naming.normalize_table_identifier(f"{dataset}_staging"))
        assert dataset_names.datasets(dataset, engine) == expected, name
