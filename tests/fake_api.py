"""A small HTTP API on 127.0.0.1 that stands in for the spec's example APIs.

Each test starts its own server; `requests_seen` records every path and query so a test can
check what a source asked for (an incremental source asks only for what is new).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeApi:
    def __init__(self):
        self.products = [
            {"id": i, "title": f"Product {i}", "price": i * 1.5, "images": [f"p{i}a.jpg", f"p{i}b.jpg"]}
            for i in range(1, 121)
        ]
        self.carts = [{"id": i, "userId": i % 5, "products": [{"id": i, "quantity": 2}]} for i in range(1, 21)]
        self.users = [{"id": i, "firstName": f"User{i}", "address": {"city": "Lyon"}} for i in range(1, 41)]
        self.items = [{"id": i, "name": f"item {i}"} for i in range(1, 118)]
        self.orders = [
            {"order_id": i, "amount": 10 * i, "customer_id": i % 3 + 1, "updated_at": f"2024-02-{i:02d}"}
            for i in range(1, 6)
        ]
        self.customers = [{"id": i, "segment": ["retail", "pro", "vip"][i - 1]} for i in (1, 2, 3)]
        self.transactions = [{"id": i, "amount": i} for i in range(1, 251)]
        self.stats = [
            {"date": f"2024-01-{d:02d}", "campaign_id": c, "clicks": d * 10 + c} for d in range(1, 11) for c in (1, 2)
        ]
        self.accounts = [{"id": i, "name": f"Account {i}"} for i in (1, 2, 3)]
        self.api_key = "sk_test_4f9a8b7c6d5e"
        # /v2/tickets: bearer token, pages of 10, `updated_since`; /v2/tickets/<id>/comments: 2 each
        self.tickets = [
            {"id": i, "subject": f"ticket {i}", "updated_at": f"2024-03-{i % 28 + 1:02d}T10:00:00Z"}
            for i in range(1, 46)
        ]
        self.fail_paths: dict[str, int] = {}  # path -> status returned on every request
        self.flaky: dict[str, list[int]] = {}  # path -> statuses returned, one per request, before success
        self.requests_seen: list[tuple[str, dict]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def start(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def seen(self, path: str) -> list[dict]:
        """The queries of every request to `path`, in order."""
        return [query for seen_path, query in self.requests_seen if seen_path == path]

    def route(self, path: str, query: dict, headers) -> tuple[int, object]:
        if path in self.fail_paths:
            return self.fail_paths[path], {"error": "failing on purpose"}
        if self.flaky.get(path):
            return self.flaky[path].pop(0), {"error": "failing for now"}
        limit = int(query.get("limit", 30))
        offset = int(query.get("offset", 0))
        if path == "/products":
            return 200, {"products": self.products[:limit]}
        if path == "/carts":
            return 200, {"carts": self.carts}
        if path == "/users":
            return 200, {"users": self.users[:limit]}
        if path == "/items":
            if "page" in query:
                per_page = int(query.get("per_page", 100))
                start = (int(query["page"]) - 1) * per_page
                return 200, {"items": self.items[start : start + per_page]}
            return 200, {"items": self.items[offset : offset + limit]}
        if path == "/data":
            if headers.get("Authorization") != f"Bearer {self.api_key}":
                return 401, {"error": "bad key"}
            return 200, [{"id": 1, "value": "secret-free"}, {"id": 2, "value": "also fine"}]
        if path == "/orders":
            since = query.get("updated_since", "")
            return 200, [o for o in self.orders if o["updated_at"] >= since]
        if path.startswith("/v2/"):
            if headers.get("Authorization") != f"Bearer {self.api_key}":
                return 401, {"error": "bad key"}
            return self.tickets_route(path, query)
        if path == "/customers":
            return 200, self.customers
        if path == "/transactions":
            after = int(query.get("after_id", 0))
            return 200, [t for t in self.transactions if t["id"] > after][:limit]
        if path == "/stats":
            start = query.get("start_date", "")
            return 200, [s for s in self.stats if s["date"] >= start]
        if path == "/accounts":
            return 200, self.accounts
        if path.startswith("/accounts/"):
            account_id = int(path.rsplit("/", 1)[1])
            return 200, {"id": account_id, "owner": f"owner{account_id}", "plan": "pro"}
        return 404, {"error": f"no route {path}"}

    def tickets_route(self, path: str, query: dict) -> tuple[int, object]:
        if path == "/v2/tickets":
            since = query.get("updated_since", "")
            found = sorted((t for t in self.tickets if t["updated_at"] >= since), key=lambda t: t["id"])
            per_page, page = int(query.get("per_page", 10)), int(query.get("page", 1))
            pages = (len(found) + per_page - 1) // per_page
            return 200, {"data": found[(page - 1) * per_page : page * per_page], "total_pages": pages}
        ticket_id = int(path.split("/")[3])
        return 200, {"data": [{"id": ticket_id * 10 + n, "ticket_id": ticket_id, "body": f"note {n}"} for n in (1, 2)]}

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                api.requests_seen.append((url.path, query))
                status, body = api.route(url.path, query, self.headers)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler
