"""runner/staging.py: what a generated model holds, and which files Dango may write."""

import pytest
import yaml

from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.transform import staging

SHOP = Source(name="shop", type="dlt_native", module="shop", function="shop", description="My shop")
RESERVED = frozenset({"group", "order"})
TABLES = {
    "orders": ["id", "group", "Total Price", "_dlt_load_id", "_dlt_id"],
    "orders__lines": ["sku", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"],
    "_dlt_loads": ["load_id"],
}


def test_model_lists_columns_in_order_and_quotes_only_what_needs_it():
    sql = staging.model_sql("raw_shop", "orders", TABLES["orders"], RESERVED)
    assert sql.splitlines()[0] == staging.SQL_HEADER
    assert "select * from {{ source('raw_shop', 'orders') }}" in sql
    listed = sql.split("    select\n")[1].split("    from source")[0].split()
    assert listed == ["id,", '"group",', '"Total', 'Price",', "_dlt_load_id,", "_dlt_id"]
    assert sql.rstrip().endswith("select * from renamed")


def test_generate_source_writes_models_and_a_sources_file(tmp_path):
    outcome = staging.generate_source(tmp_path, SHOP, TABLES, RESERVED)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "_shop__sources.yml",
        "stg_shop__orders.sql",
        "stg_shop__orders__lines.sql",
    ]
    assert outcome.written == {"new": ["stg_shop__orders.sql", "stg_shop__orders__lines.sql", "_shop__sources.yml"]}
    text = (tmp_path / "_shop__sources.yml").read_text()
    assert text.splitlines()[0] == staging.YAML_HEADER
    source = yaml.safe_load(text)["sources"][0]
    assert source["name"] == source["schema"] == "raw_shop" and source["description"] == "My shop"
    assert source["tables"] == [{"name": "orders"}, {"name": "orders__lines"}]


def test_unchanged_files_are_not_rewritten_and_new_columns_are_added(tmp_path):
    staging.generate_source(tmp_path, SHOP, TABLES, RESERVED)
    before = (tmp_path / "stg_shop__orders.sql").stat().st_mtime_ns
    again = staging.generate_source(tmp_path, SHOP, TABLES, RESERVED)
    assert set(again.written) == {"unchanged"}
    assert (tmp_path / "stg_shop__orders.sql").stat().st_mtime_ns == before

    wider = {**TABLES, "orders__lines": ["sku", "discount", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"]}
    evolved = staging.generate_source(tmp_path, SHOP, wider, RESERVED)
    assert evolved.written["updated"] == ["stg_shop__orders__lines.sql"]
    assert "discount" in (tmp_path / "stg_shop__orders__lines.sql").read_text()
    assert staging.report(evolved, "models") == ["[shop] 2 staging models in models (1 updated)"]


@pytest.mark.parametrize("first_line", ["-- my model", "", "with source as (", staging.SQL_HEADER + " (edited)"])
def test_a_file_whose_first_line_changed_is_the_users(tmp_path, first_line):
    staging.generate_source(tmp_path, SHOP, TABLES, RESERVED)
    mine = tmp_path / "stg_shop__orders.sql"
    mine.write_text(f"{first_line}\nselect 1 as id\n")
    outcome = staging.generate_source(tmp_path, SHOP, {**TABLES, "orders": ["id", "new_column"]}, RESERVED)
    assert mine.read_text() == f"{first_line}\nselect 1 as id\n"
    assert outcome.kept == ["stg_shop__orders.sql"]
    assert any("kept stg_shop__orders.sql" in line for line in staging.report(outcome, "models"))


def test_a_table_gone_from_the_warehouse_stays_declared_while_its_model_exists(tmp_path):
    staging.generate_source(tmp_path, SHOP, TABLES, RESERVED)
    fewer = {"orders": TABLES["orders"]}
    outcome = staging.generate_source(tmp_path, SHOP, fewer, RESERVED)
    assert outcome.missing == ["stg_shop__orders__lines.sql"]
    assert "- name: orders__lines" in (tmp_path / "_shop__sources.yml").read_text()
    (tmp_path / "stg_shop__orders__lines.sql").unlink()
    staging.generate_source(tmp_path, SHOP, fewer, RESERVED)
    assert "orders__lines" not in (tmp_path / "_shop__sources.yml").read_text()


def test_removed_sources_are_reported_but_dlt_staging_datasets_are_not(tmp_path):
    project = Project(tmp_path)
    folder = staging.staging_dir(project)
    old = Source(name="old", type="dlt_native", module="old", function="old")
    staging.generate_source(folder, old, {"items": ["id"]}, RESERVED)
    staging.generate_source(folder, SHOP, TABLES, RESERVED)
    datasets = {
        "raw_shop": TABLES,
        "raw_shop_staging": TABLES,
        "raw_gone": {"events": ["id"], "_dlt_loads": ["load_id"]},
    }
    warnings = staging.orphans(project, datasets, [SHOP])
    assert len(warnings) == 2
    assert "source 'gone' is not in .dango/sources.yml, but raw_gone holds events." in warnings[0]
    assert "source 'old'" in warnings[1] and "dbt/models/staging/_old__sources.yml declares it" in warnings[1]
    assert not any("shop" in warning for warning in warnings)
