"""Secrets stay out of everything a sync writes or prints, in every form they travel in; hosts, users
and paths stay readable; data/ and .env are readable by their owner only."""

import stat
import urllib.parse

LEAKY = """
import os

import dlt
import requests


@dlt.source
def leaky(base_url: str, headers: dict, dsn: str, api_secret=dlt.secrets.value):
    @dlt.resource
    def items():
        params = {"key": os.environ["SHOP_API_KEY"], "pin": os.environ["SHOP_PIN"], "s": api_secret}
        response = requests.get(f"{base_url}/items", params=params, headers=headers)
        print("asked", response.url, "with", headers, "for", dsn)
        response.raise_for_status()
        yield response.json()["items"]

    return items
"""
ENV_SECRET = "ab+cd/ef=gh&ij kl"
SECRETS = [ENV_SECRET, "toml-s3cr3t-value", "kw-bearer-token", "kwPASS"]


def forms(secret: str) -> list[str]:
    return [secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)]


def test_no_secret_in_output_logs_history_or_data(project, api):
    project.add_source(
        "leaky",
        LEAKY,
        kwargs={
            "base_url": api.url,
            "headers": {"Authorization": "Bearer kw-bearer-token"},
            "dsn": "postgresql://loader:kwPASS@dbhost/shop",
        },
    )
    project.write(".env", f'SHOP_API_KEY="{ENV_SECRET}"\nSHOP_PIN=bad\nSHOP_HOST=127.0.0.1\n').chmod(0o644)
    project.write(".dlt/secrets.toml", 'api_secret = "toml-s3cr3t-value"\n')
    api.fail_paths["/items"] = 500

    validate = project.dango("validate")
    for field in ("dlt_native.function_kwargs.headers.Authorization", "dlt_native.function_kwargs.dsn"):
        assert f"field '{field}': `" in validate.stdout, validate.stdout
    result = project.sync(check=1)
    status = project.dango("status")
    shown = result.stdout + result.stderr + validate.stdout + status.stdout + status.stderr
    assert "asked http://127.0.0.1:" in shown and "loader:***@dbhost/shop" in shown
    assert "key=***" in shown and "pin=***" in shown and "'Authorization': 'Bearer ***'" in shown
    assert "HTTPError: 500" in shown
    assert not list((project.root / "data").rglob("trace.pickle"))
    for secret in SECRETS:
        for form in forms(secret):
            assert form not in shown, form
            for path in (project.root / "data").rglob("*"):
                assert not path.is_file() or form.encode() not in path.read_bytes(), (form, path)
    assert "=bad" not in shown and "bad&" not in shown
    assert stat.S_IMODE((project.root / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((project.root / ".env").stat().st_mode) == 0o600
    assert "made .env readable by its owner only (644 -> 600)" in result.stderr
