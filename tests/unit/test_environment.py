"""runner/config/environment.py: which values are masked, and which names look secret."""

import pytest

from runner.config.environment import Redactor, looks_secret, secret_literals


def test_the_redactor_masks_every_known_value_and_the_longest_first():
    redact = Redactor(["s3cret-token", "s3cret", None, 42])
    assert redact("token=s3cret-token, password=s3cret") == "token=***, password=***"


def test_the_redactor_leaves_short_values_and_text_without_secrets_alone():
    redact = Redactor(["abc"])
    assert redact("abc is too short to mask: it would hide ordinary words") == (
        "abc is too short to mask: it would hide ordinary words"
    )
    assert Redactor([])("nothing to hide") == "nothing to hide"


@pytest.mark.parametrize(
    ("name", "secret"),
    [("API_KEY", True), ("github_token", True), ("db_password", True), ("primary_key", False), ("cursor_key", False)],
)
def test_looks_secret(name, secret):
    assert looks_secret(name) is secret


def test_secret_literals_finds_nested_values_under_secret_names_only():
    kwargs = {"api_key": "k-123", "base_url": "http://x", "auth": {"token": "t-456"}, "primary_key": "id"}
    assert sorted(value for _, value in secret_literals(kwargs)) == ["k-123", "t-456"]
