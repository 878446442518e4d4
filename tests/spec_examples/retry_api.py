import dlt  # added
import requests  # added
import time
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

def get_session_with_retries():
    """Create requests session with retry logic"""
    session = requests.Session()
    retry = Retry(
        total=3,
        backoff_factor=1,
        status_forcelist=[429, 500, 502, 503, 504]
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session

@dlt.source  # added: the snippet's resource, wrapped in a source
def retry_api():
    @dlt.resource(name="data", write_disposition="replace")
    def get_data():
        session = get_session_with_retries()
        response = session.get("https://api.example.com/data")
        response.raise_for_status()
        return response.json()

    return [get_data()]
