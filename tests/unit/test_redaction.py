"""What the Redactor masks (secrets, in every form they travel in) and what it leaves readable."""

import base64

from runner.config import environment
from runner.config.environment import Redactor

SECRET = "ab+cd/ef=gh&ij kl"


def test_every_encoding_of_a_secret_is_masked():
    redact = Redactor([SECRET])
    encoded = base64.b64encode(SECRET.encode()).decode()
    for form in (SECRET, "ab%2Bcd%2Fef%3Dgh%26ij+kl", "ab%2Bcd/ef%3Dgh%26ij%20kl", encoded):
        assert redact(f"GET /items?token={form} failed") == "GET /items?token=*** failed", form
    assert redact('{"token": "a\\"b\\\\c"}') == '{"token": "a\\"b\\\\c"}'
    assert Redactor(['a"b\\c'])('{"token": "a\\"b\\\\c"}') == '{"token": "***"}'


def test_short_secrets_are_masked_where_they_stand_as_a_value():
    redact = Redactor(["bad"])
    assert redact("GET /items?key=bad&page=2") == "GET /items?key=***&page=2"
    assert redact("{'key': 'bad'}") == "{'key': '***'}"
    assert redact("a badge is not a bad thing") == "a badge is not a bad thing"


def test_url_passwords_and_authorization_headers_are_masked_without_a_known_value():
    redact = Redactor([])
    assert redact("postgresql://u:PASS@db.example:5432/shop") == "postgresql://u:***@db.example:5432/shop"
    assert redact("{'Authorization': 'Bearer abc.def'}") == "{'Authorization': 'Bearer ***'}"
    assert redact("Authorization: Basic dTpw") == "Authorization: Basic ***"
    assert redact("X-API-Key: k1") == "X-API-Key: ***"


def test_a_url_secret_masks_its_password_in_basic_auth_too():
    redact = Redactor(["postgresql://alice:p%40ss@db/shop"])
    basic = base64.b64encode(b"alice:p@ss").decode()
    assert redact(f"password p@ss, header Basic {basic}") == "password ***, header Basic ***"
    assert redact("host db, user alice") == "host db, user alice"


def test_secrets_toml_and_env_are_masked_by_name(tmp_path, monkeypatch):
    from runner.config.project import Project

    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        '[destination.postgres.credentials]\ndatabase = "shop"\npassword = "pw-123"\nusername = "loader"\n'
        'host = "localhost"\nport = 54329\ndrivername = "postgresql"\n[sources.api]\nthing = "opaque-1"\n'
    )
    (tmp_path / ".env").write_text("PG_HOST=warehouse.internal\nSHOP_TOKEN=tok-9\nMY_API=xyz-7\nPAGES=2000\n")
    monkeypatch.chdir(tmp_path)
    redact = environment.redactor(Project(tmp_path))
    text = 'connection to server at "localhost", port 54329 failed for user "loader" (pw-123) dialects/postgresql'
    assert redact(text) == text.replace("pw-123", "***")
    assert redact("opaque-1 tok-9 xyz-7 warehouse.internal shop 2000") == "*** *** *** warehouse.internal shop 2000"


def test_validate_finds_secrets_in_headers_and_urls():
    kwargs = {"headers": {"Authorization": "Bearer x"}, "dsn": "postgresql://u:PASS@host/db", "page_size": 10}
    assert [path for path, _ in environment.secret_literals(kwargs)] == [("headers", "Authorization"), ("dsn",)]


def test_dlt_still_saves_its_trace_through_the_name_dango_replaces():
    import importlib

    assert callable(importlib.import_module("dlt.pipeline.pipeline").save_trace)
