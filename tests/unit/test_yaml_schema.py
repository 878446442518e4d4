"""The schema check's messages for values YAML reads as numbers that are none."""

from runner.config.yaml_schema import parse, schema_problems

SCHEMA = {
    "type": "object",
    "properties": {"timeout": {"type": "number", "exclusiveMinimum": 0}, "retries": {"type": "integer"}},
}


def problems_of(text: str) -> list[str]:
    data, lines, _ = parse(text, "sources.yml")
    return [problem.message for problem in schema_problems(data, lines, "sources.yml", SCHEMA)]


def test_nan_and_infinity_are_no_number():
    for value in (".nan", ".inf", "-.inf"):
        assert problems_of(f"timeout: {value}\n") == [
            "expected a number, got `.nan` or `.inf`, which is no number of anything"
        ]
    assert problems_of("timeout: 1800.5\nretries: 1.5\n") == ["expected a whole number, got a number"]
