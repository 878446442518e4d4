"""`dango docs --serve`: the site over HTTP on 127.0.0.1, for a browser on this machine.

Serves data/docs/ and data/logs/ (the overview links each failed run's log) and nothing else of
data/: the warehouse and dlt's state stay private. Logs are plain text, redacted when written.
"""

import functools
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from runner.config.errors import DangoError
from runner.config.project import Project

HOST = "127.0.0.1"
SERVED = ("docs", "logs")  # folders of data/


class Handler(SimpleHTTPRequestHandler):
    def guess_type(self, path) -> str:
        return "text/plain; charset=utf-8" if str(path).endswith(".log") else super().guess_type(path)

    def send_head(self):
        """Both GET and HEAD: the site's root goes to the overview; anything else of data/ is not found."""
        if self.path in ("/", "/docs", "/docs/", "/index.html"):
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", "/docs/index.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if not self.served():
            self.send_error(HTTPStatus.NOT_FOUND, "only the site (/docs/) and the logs (/logs/) are served")
            return None
        return super().send_head()

    def served(self) -> bool:
        """Whether the file asked for is in data/docs or data/logs, once the path is decoded and its
        `..` resolved as the file is looked up (`/docs/%2e%2e/warehouse.duckdb` is not)."""
        real = Path(self.translate_path(self.path)).resolve()
        data = Path(self.directory).resolve()
        return any(real.is_relative_to(data / folder) for folder in SERVED)

    def log_message(self, format, *args):  # one line per request, no host lookups
        print(f"docs: {self.command} {self.path} {args[1] if len(args) > 1 else ''}", file=sys.stderr, flush=True)


def serve(project: Project, port: int) -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM)."""
    handler = functools.partial(Handler, directory=str(project.data))
    try:
        server = ThreadingHTTPServer((HOST, port), handler)
    except OSError as error:
        raise DangoError(f"cannot serve on {HOST}:{port}: {error.strerror}. Pick another port with --port.") from error
    with server:
        print(f"docs: serving http://{HOST}:{server.server_address[1]}/docs/index.html (Ctrl-C stops)", flush=True)
        server.serve_forever()
