import dlt
import duckdb

@dlt.source
def enriched_data():
    @dlt.resource(name="enriched_orders", write_disposition="replace")
    def enrich():
        conn = duckdb.connect("data/warehouse.duckdb", read_only=True)
        orders = conn.execute("""
            SELECT o.*, c.segment
            FROM raw_my_api.orders o
            JOIN raw_my_api.customers c ON o.customer_id = c.id
        """).fetchall()
        conn.close()
        for row in orders:
            yield dict(zip(["order_id", "amount", "customer_id", "segment"], row))

    return [enrich()]
