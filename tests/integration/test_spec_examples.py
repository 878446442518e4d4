"""Every example of the custom-sources docs, run as written against a local API."""

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "spec_examples"


def add_example(project, api, name: str, example: str, function: str, **entry):
    code = (EXAMPLES / f"{example}.py").read_text()
    code = code.replace("https://api.example.com", api.url).replace("https://dummyjson.com", api.url)
    project.add_source(name, code, function=function, module=example, **entry)


def test_quick_start_loads_items(project, api):
    add_example(project, api, "my_api", "my_api", "my_api")
    result = project.sync("my_api")
    assert "[my_api] ok" in result.stdout
    assert project.count("raw_my_api.items") == 30  # the API's default page
    assert "summary: 1 ok, 0 failed" in result.stdout


def test_ecommerce_three_resources_and_child_tables(project, api):
    add_example(project, api, "ecommerce", "ecommerce_api", "ecommerce_api")
    result = project.dango("sync", "ecommerce", check=0)
    assert project.count("raw_ecommerce.products") == 100
    assert project.count("raw_ecommerce.carts") == 20
    assert project.count("raw_ecommerce.users") == 30
    assert project.count("raw_ecommerce.products__images") == 200
    assert {"products", "carts", "users", "products__images", "carts__products"} <= project.tables("raw_ecommerce")
    assert "products 100" in result.stdout and "users 30" in result.stdout
    # replace: a second sync reports this run's rows and leaves no duplicates
    project.sync("ecommerce")
    assert project.count("raw_ecommerce.products") == 100


def test_function_kwargs_reach_the_source(project, api):
    add_example(
        project,
        api,
        "my_paginated_source",
        "paginated_api",
        "paginated_api",
        kwargs={"base_url": api.url, "page_size": 50},
    )
    project.sync("my_paginated_source")
    assert project.count("raw_my_paginated_source.items") == 117
    assert [q["offset"] for q in api.seen("/items")] == ["0", "50", "100", "150"]
    assert {q["limit"] for q in api.seen("/items")} == {"50"}


def test_api_key_from_dotenv(project, api):
    add_example(project, api, "authenticated", "authenticated_api", "authenticated_api")
    project.write(".env", f"MY_API_KEY={api.api_key}\n")
    result = project.sync("authenticated")
    assert project.count("raw_authenticated.data") == 2
    assert api.api_key not in result.stdout + result.stderr


def test_exported_variable_wins_over_dotenv(project, api):
    add_example(project, api, "authenticated", "authenticated_api", "authenticated_api")
    project.write(".env", "MY_API_KEY=wrong-key-from-dotenv\n")
    project.env["MY_API_KEY"] = api.api_key
    project.sync("authenticated")
    assert project.count("raw_authenticated.data") == 2


def test_missing_api_key_fails_with_the_sources_message(project, api):
    add_example(project, api, "authenticated", "authenticated_api", "authenticated_api")
    result = project.sync("authenticated", check=1)
    assert "[authenticated] FAILED" in result.stdout
    assert "MY_API_KEY environment variable required" in result.stdout


def test_incremental_by_date_asks_only_for_new_orders(project, api):
    add_example(project, api, "shop", "orders_by_date", "get_orders")
    project.sync("shop")
    assert project.count("raw_shop.orders") == 5
    api.orders.append({"order_id": 6, "amount": 60, "customer_id": 1, "updated_at": "2024-02-20"})
    project.sync("shop")
    assert [q["updated_since"] for q in api.seen("/orders")] == ["2024-01-01", "2024-02-05"]
    # append + incremental: the boundary row seen again is deduplicated by dlt, the new one added
    assert project.query("select order_id from raw_shop.orders order by 1") == [(i,) for i in range(1, 7)]


def test_incremental_by_id_cursor(project, api):
    add_example(project, api, "ledger", "transactions_by_id", "get_transactions")
    project.sync("ledger")
    assert project.count("raw_ledger.transactions") == 250
    api.transactions.append({"id": 251, "amount": 251})
    project.sync("ledger")
    second_run = api.seen("/transactions")[4:]
    assert second_run[0]["after_id"] == "250"
    assert project.count("raw_ledger.transactions") == 251
    assert project.query("select count(distinct id) from raw_ledger.transactions") == [(251,)]


def test_lag_refetches_recent_days_and_merges_in_place(project, api):
    add_example(project, api, "ads", "daily_stats", "get_daily_stats")
    project.sync("ads")
    assert project.count("raw_ads.daily_stats") == 20
    for row in api.stats:
        if row["date"] == "2024-01-05":
            row["clicks"] = 999
    project.sync("ads")
    assert api.seen("/stats")[1]["start_date"] == "2024-01-03"  # last value 2024-01-10 minus 7 days
    assert project.count("raw_ads.daily_stats") == 20
    assert project.query("select distinct clicks from raw_ads.daily_stats where date = '2024-01-05'") == [(999,)]


def test_transformer_fetches_details_for_each_parent(project, api):
    add_example(project, api, "crm", "dependent_resources", "dependent_resources")
    project.sync("crm")
    # dlt loads the end of a pipe: the details, one per account the parent yielded
    assert len(api.seen("/accounts")) == 1
    assert project.query("select id, owner from raw_crm.account_details order by id") == [
        (1, "owner1"),
        (2, "owner2"),
        (3, "owner3"),
    ]


def test_multiple_resources_from_one_api(project, api):
    add_example(project, api, "multi", "multi_resource_api", "multi_resource_api")
    project.sync("multi")
    assert project.count("raw_multi.customers") == 3
    assert project.count("raw_multi.orders") == 5


def test_source_reads_the_warehouse_during_extraction(project, api):
    add_example(project, api, "my_api", "multi_resource_api", "multi_resource_api")
    add_example(project, api, "enriched", "enriched_data", "enriched_data")
    result = project.sync()  # my_api first, then enriched reads it in the same sync
    assert "summary: 2 ok" in result.stdout
    # The example zips the first columns of `o.*` with its own names: those hold the orders' values.
    rows = project.query("select order_id, amount, customer_id from raw_enriched.enriched_orders order by 1")
    assert rows == [(i, 10 * i, i % 3 + 1) for i in range(1, 6)]


def test_retry_session_recovers(project, api):
    add_example(project, api, "flaky", "retry_api", "retry_api")
    project.write(".env", f"MY_API_KEY={api.api_key}\n")
    api.fail_paths["/data"] = 401
    result = project.sync("flaky", check=1)
    assert "HTTPError" in result.stdout and "401" in result.stdout
