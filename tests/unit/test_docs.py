"""The docs site's parts that need no dbt: the run history per source, freshness, cells, links,
the setting, and what the server serves."""

import functools
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

from runner.config.environment import Redactor
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.config.sources_yml import ConfigError, Source, load_docs
from runner.docs import freshness, history, pages, serve, tables
from runner.report import status

HOUR = 3600.0


def run(source: str, started: float, status: str = "ok", rows: dict | None = None, **extra) -> dict:
    return {"source": source, "status": status, "started": started, "ended": started + 5, "rows": rows or {}, **extra}


def source(name: str, enabled: bool = True) -> Source:
    return Source(name=name, type="dlt_native", module=name, function=name, enabled=enabled)


def test_runs_are_grouped_by_source_in_start_order_and_broken_lines_skipped():
    entries = [
        run("a", 200.0, rows={"t": 2, "u": 3}, action="full refresh of t"),
        run("b", 50.0, "failed", error="boom"),
        run("a", 100.0),
        {"source": "a", "status": "ok"},  # a hand-edited line with no times
    ]
    runs = history.by_source(entries)
    assert [r.started for r in runs["a"]] == [100.0, 200.0]
    assert runs["a"][1].rows == 5 and runs["a"][1].seconds == 5
    assert [r.action for r in runs["a"]] == ["sync", "full refresh of t"]  # a line from before `action`: a sync
    assert not runs["b"][0].ok and runs["b"][0].error == "boom"


def test_freshness_marks_stale_as_status_does(tmp_path):
    now = 100 * HOUR
    log = tmp_path / "data" / "logs" / "late" / "1.log"
    log.parent.mkdir(parents=True)
    log.write_text("it failed\n")
    entries = [
        run("fresh", now - HOUR),
        run("late", now - 30 * HOUR),
        run("late", now - HOUR, "failed", error="HTTP 503", log="data/logs/late/1.log"),
        run("gone", now - HOUR, "failed", error="x", log="data/logs/gone/1.log"),
    ]
    sources = [source("fresh"), source("late"), source("gone"), source("never"), source("off", enabled=False)]
    rows = {row.name: row for row in freshness.rows(sources, entries, now, status.parse_age("26h"), tmp_path)}
    assert [name for name, row in rows.items() if row.stale] == ["late", "gone", "never"]
    assert rows["late"].error == "HTTP 503" and rows["late"].log == "data/logs/late/1.log"
    assert rows["gone"].log == ""  # its log was pruned: no dead link
    assert rows["never"].success_age == "never" and rows["never"].last_status == "never run"
    table = status.rows(sources, entries, now)
    assert status.stale(table, 26 * HOUR) == [name for name, row in rows.items() if row.stale]


def test_cells_are_redacted_before_they_are_cut():
    redact = Redactor(["s3cret-value"])
    assert tables.cell("x" * 75 + "s3cret-value", redact) == "x" * 75 + "***"
    assert len(tables.cell("y" * 200, redact)) == tables.CELL_CHARS
    assert tables.cell(None, redact) == ""
    assert tables.quote('we"ird') == '"we""ird"'


def test_log_links_are_relative_to_data():
    assert pages.log_href("data/logs/shop/2026.log") == "logs/shop/2026.log"


def test_docs_settings_have_defaults_and_are_checked(tmp_path):
    project = Project(tmp_path)
    (tmp_path / ".dango").mkdir()
    project.sources_file.write_text("version: '1.0'\nsources: []\n")
    assert load_docs(project) == {"max_age": "26h", "after_all": False}
    project.sources_file.write_text("version: '1.0'\nsources: []\ndocs:\n  after_all: true\n  max_age: 2d\n")
    assert load_docs(project) == {"max_age": "2d", "after_all": True}
    project.sources_file.write_text("version: '1.0'\nsources: []\ndocs:\n  after_al: true\n  max_age: soon\n")
    with pytest.raises(ConfigError) as error:
        load_docs(project)
    assert "after_al" in str(error.value) and "max_age" in str(error.value)


def test_a_bad_age_is_a_clear_error():
    with pytest.raises(DangoError, match="not a duration"):
        status.parse_age("soon")


def test_the_server_serves_the_site_and_the_logs_and_nothing_else_of_data(tmp_path):
    data = tmp_path / "data"
    for relative, text in [
        ("docs/index.html", "<p>site</p>"),
        ("logs/a/1.log", "it failed"),
        ("warehouse.duckdb", "x"),
    ]:
        (data / relative).parent.mkdir(parents=True, exist_ok=True)
        (data / relative).write_text(text)
    server = ThreadingHTTPServer((serve.HOST, 0), functools.partial(serve.Handler, directory=str(data)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://{serve.HOST}:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/") as page:  # redirected to the overview
            assert page.read() == b"<p>site</p>"
        with urllib.request.urlopen(f"{base}/logs/a/1.log") as log:
            assert log.headers["Content-Type"].startswith("text/plain") and log.read() == b"it failed"
        for private in ("/warehouse.duckdb", "/docs/%2e%2e/warehouse.duckdb", "/docs/../warehouse.duckdb"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + private)
            assert refused.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
