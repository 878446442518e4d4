"""docs/commands.md is the parser's own reference: a command or option added without it fails here."""

from pathlib import Path

from runner import reference

PAGE = Path(__file__).resolve().parents[2] / "docs" / "commands.md"


def test_the_command_reference_is_the_parsers():
    assert PAGE.read_text() == reference.render(), "docs/commands.md is out of date: run `make reference`"
