"""`dango docs` in a real headless Chromium: one project, one sync with a failing source, one build.

The demo project (dbt staging models, a seed, a mart and its tests) with two more sources: one that
fails and one whose rows hold a secret from .env. The site is opened from file:// and from
`--serve`, and every request the pages make is checked to stay on this machine.
"""

import subprocess
from urllib.parse import urlsplit

from tests.chromium import Browser, binary
from tests.conftest import DANGO, free_port

TOKEN = "tok-7f3a9c2e51"
BROKEN = """
import dlt

@dlt.resource
def broken():
    raise RuntimeError("the API said no: 503")
    yield {}
"""
ACCOUNTS = """
import os
import dlt

@dlt.resource
def accounts():
    yield {"id": 1, "owner": "ada", "note": "token " + os.environ["ACCOUNTS_TOKEN"], "api_key": "abcdef"}
"""
SOURCES_ROWS = """Object.fromEntries([...document.querySelectorAll('#sources tr.source')].map(tr => [
    tr.dataset.source,
    {status: tr.dataset.status, stale: tr.classList.contains('is-stale'), text: tr.innerText,
     log: tr.querySelector('a.log') && tr.querySelector('a.log').href}]))"""


def test_the_site_shows_sources_runs_tables_and_lineage_offline(demo, tmp_path):
    binary()  # fails under CI, skips elsewhere, before the slow part
    demo.add_source("broken", BROKEN)
    demo.add_source("accounts", ACCOUNTS)
    demo.write(".env", f"ACCOUNTS_TOKEN={TOKEN}\n")
    demo.sync(check=1)

    port = free_port()
    server = subprocess.Popen(
        [DANGO, "docs", "--serve", "--port", str(port)], cwd=demo.root, env=demo.env, stdout=subprocess.PIPE, text=True
    )
    try:
        output = [server.stdout.readline(), server.stdout.readline()]  # the server logs requests after these
        assert output[0].startswith("docs: built data/docs/index.html"), output
        assert f"serving http://127.0.0.1:{port}/docs/index.html" in output[1], output
        site = demo.root / "data" / "docs"
        with Browser(tmp_path / "chromium") as browser:
            for base in (site.as_uri(), f"http://127.0.0.1:{port}/docs"):
                browser.goto(f"{base}/index.html")
                sources = browser.evaluate(SOURCES_ROWS)
                assert sources["demo_shop"]["status"] == "ok" and not sources["demo_shop"]["stale"]
                broken = sources["broken"]
                assert broken["status"] == "failed" and broken["stale"]
                assert "stale" in broken["text"] and "the API said no: 503" in broken["text"]
                if base.startswith("file:"):
                    browser.screenshot(tmp_path / "overview.png")  # the test's artifact: look at it
                browser.goto(broken["log"])
                assert "the API said no: 503" in browser.evaluate("document.body.innerText")

                browser.goto(f"{base}/sources/demo_shop.html")
                assert browser.evaluate("document.querySelectorAll('#history svg path').length") > 10

                browser.goto(f"{base}/tables/raw_accounts.accounts.html")
                table = browser.evaluate("document.querySelector('main').innerText")
                assert "note" in table and "token ***" in table and TOKEN not in table and "abcdef" not in table
                browser.goto(f"{base}/tables/raw_demo_shop.products.html")
                assert "stg_demo_shop__products" in browser.evaluate("document.querySelector('#lineage').innerText")

                browser.goto(f"{base}/dbt.html#!/model/model.dango.category_sales_vs_budget?g_v=1")
                assert browser.wait_for("document.querySelectorAll('#cy canvas, .lineage canvas, canvas').length")
                assert "raw_demo_shop" in browser.evaluate("document.body.innerText")
            browser.screenshot(tmp_path / "lineage.png")
        elsewhere = [url for url in browser.requests if urlsplit(url).scheme not in ("file", "data", "about")]
        assert all(urlsplit(url).netloc == f"127.0.0.1:{port}" for url in elsewhere), elsewhere
        assert (tmp_path / "overview.png").stat().st_size > 10_000
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not [path for path in site.rglob("*") if path.is_file() and TOKEN in path.read_text(errors="replace")]


def test_make_all_builds_the_site_only_when_sources_yml_asks_and_a_bad_age_is_refused(project):
    skipped = project.dango("docs", "--after-all", check=0)  # what `make all` runs last
    assert skipped.stdout == "" and not (project.root / "data" / "docs").exists()
    bad = project.dango("docs", "--max-age", "soon", check=2)
    assert "--max-age 'soon' is not a duration" in bad.stderr and not (project.root / "data" / "docs").exists()
