import dlt  # added
from dlt.sources.helpers import requests  # added


def fetch_stats(start_date):  # added: the helper the snippet leaves to the user
    return requests.get("https://api.example.com/stats", params={"start_date": start_date}).json()


@dlt.resource(
    name="daily_stats",
    write_disposition="merge",
    primary_key=["date", "campaign_id"]
)
def get_daily_stats(
    date_cursor=dlt.sources.incremental("date", lag=7)  # re-fetch last 7 days
):
    """Fetch stats, re-fetching recent days for corrections."""
    start = date_cursor.last_value or "2024-01-01"
    for row in fetch_stats(start_date=start):
        yield row
