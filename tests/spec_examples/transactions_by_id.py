import dlt  # added: the snippet continues the one above
from dlt.sources.helpers import requests  # added

@dlt.resource(
    name="transactions",
    write_disposition="append"
)
def get_transactions(last_id=dlt.sources.incremental("id")):
    """Fetch transactions by ID cursor"""
    cursor = last_id.last_value or 0
    while True:
        response = requests.get(
            f"https://api.example.com/transactions",
            params={"after_id": cursor, "limit": 100}
        )
        data = response.json()
        if not data:
            break
        yield data
        cursor = data[-1]["id"]
