"""Many sources: 8 sources, each reading 5 pages from a local HTTP server that takes 0.5 s a page.

`bin/dango sync --jobs 8` vs. `--jobs 1`. Target: at least 3 times faster, with every row loaded.
"""

import json
import shutil
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
from common import DANGO, make_project, median_of, report, run

SOURCES, PAGES, ROWS_PER_PAGE, PAGE_SECONDS = 8, 5, 100, 0.5
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


class SlowPages(BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(PAGE_SECONDS)
        page = int(self.path.rsplit("=", 1)[1])
        body = json.dumps([{"id": page * ROWS_PER_PAGE + i} for i in range(ROWS_PER_PAGE)]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


SOURCE = """
import dlt
import requests


@dlt.resource(name="items", write_disposition="replace")
def paged(base_url: str):
    for page in range({pages}):
        yield requests.get(f"{{base_url}}/items?page={{page}}").json()
"""


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowPages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    entries = "".join(
        f"  - {{name: s{i}, type: dlt_native, dlt_native: {{source_module: paged, source_function: paged, "
        f"function_kwargs: {{base_url: '{url}'}}}}}}\n"
        for i in range(SOURCES)
    )
    root = make_project({"paged": SOURCE.format(pages=PAGES)}, entries)

    def sync(jobs):
        shutil.rmtree(root / "data", ignore_errors=True)
        result = run([DANGO, "sync", "--jobs", jobs], root)
        with duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True) as conn:
            for i in range(SOURCES):
                loaded = conn.execute(f"select count(*) from raw_s{i}.items").fetchone()[0]
                assert loaded == PAGES * ROWS_PER_PAGE, f"s{i} loaded {loaded} rows"
        return result

    rows = [("--jobs 1", *median_of(RUNS, lambda: sync(1))), ("--jobs 8", *median_of(RUNS, lambda: sync(8)))]
    report(rows, "--jobs 1")
    server.shutdown()


if __name__ == "__main__":
    main()
