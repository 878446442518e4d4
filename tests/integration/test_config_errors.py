"""A bad sources.yml stops `bin/dango sync` before anything runs, naming file, line, source and field."""

import pytest

HEADER = "version: '1.0'\nsources:\n"
ENTRY = """  - name: {name}
    type: dlt_native
    dlt_native:
      source_module: shop
      source_function: shop
"""

CASES = {
    "misspelt key": (
        HEADER + ENTRY.format(name="shop").replace("source_module", "source_modul"),
        [
            ".dango/sources.yml:6: source 'shop': field 'dlt_native.source_modul'",
            "unknown key 'source_modul'; did you mean 'source_module'?",
        ],
    ),
    "unknown top-level key": (
        HEADER.replace("sources:", "sourcez: []\nsources:") + ENTRY.format(name="shop"),
        ["unknown key 'sourcez'; did you mean 'sources'?"],
    ),
    "missing field": (
        HEADER + ENTRY.format(name="shop").replace("      source_function: shop\n", ""),
        [".dango/sources.yml:5: source 'shop': field 'dlt_native'", "missing required field 'source_function'"],
    ),
    "missing dlt_native": (
        HEADER + "  - name: shop\n    type: dlt_native\n",
        ["source 'shop'", "missing required field 'dlt_native'"],
    ),
    "wrong type": (
        HEADER + ENTRY.format(name="shop") + "    enabled: 'yes'\n",
        ["source 'shop': field 'enabled': expected true or false, got a string"],
    ),
    "kwargs not a mapping": (
        HEADER + ENTRY.format(name="shop") + "      function_kwargs: [1, 2]\n",
        ["field 'dlt_native.function_kwargs': expected a mapping"],
    ),
    "duplicate name": (
        HEADER + ENTRY.format(name="shop") + ENTRY.format(name="shop"),
        [".dango/sources.yml:8: source 'shop': field 'name': duplicate name, also used on line 3"],
    ),
    "bad name": (
        HEADER + ENTRY.format(name="My-Shop"),
        ["source 'My-Shop': field 'name'", "lowercase letters, digits and underscores"],
    ),
    "unsupported version": (
        HEADER.replace("'1.0'", "'2.0'") + ENTRY.format(name="shop"),
        [".dango/sources.yml:1: field 'version': '2.0' is not supported; use '1.0'"],
    ),
    "unsupported type": (
        HEADER + ENTRY.format(name="shop").replace("dlt_native\n", "airbyte\n", 1),
        ["source 'shop': field 'type': 'airbyte' is not supported; use the source type: 'dlt_native' (your Python)"],
    ),
    "block of another type": (
        HEADER + ENTRY.format(name="shop").replace("dlt_native\n", "rest_api\n", 1),
        ["source 'shop': missing required field 'rest_api'; add `rest_api:` (dlt's REST API config: client,"],
    ),
    "path as module": (
        HEADER + ENTRY.format(name="shop").replace("source_module: shop", "source_module: ../secrets/shop.py"),
        ["field 'dlt_native.source_module': '../secrets/shop.py' is not allowed", "never a path"],
    ),
    "yaml syntax": (
        HEADER + "  - name: shop\n   type: dlt_native\n",
        [".dango/sources.yml:4: invalid YAML"],
    ),
    "duplicate key": (
        HEADER + ENTRY.format(name="shop") + "      source_function: other\n",
        [".dango/sources.yml:8: source 'shop': field 'dlt_native.source_function': this key appears twice"],
    ),
    "a source named like another's staging dataset": (
        HEADER + ENTRY.format(name="shop") + ENTRY.format(name="shop_staging"),
        [
            ".dango/sources.yml:8: source 'shop_staging': field 'name': its dataset raw_shop_staging is dlt's "
            "staging dataset of source 'shop' (line 3)",
            "rename 'shop_staging' or 'shop'",
        ],
    ),
    "a name dlt renames onto another's dataset": (
        HEADER + ENTRY.format(name="shop_orders") + ENTRY.format(name="shop__orders"),
        ["source 'shop__orders': field 'name'", "dlt would load it into raw_shop_orders, not raw_shop__orders"],
    ),
    "empty file": ("", ["the file is empty"]),
    "sources not a list": (HEADER.replace("sources:\n", "sources: shop\n"), ["field 'sources': expected a list"]),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_sources_yml_is_reported_and_nothing_runs(project, case):
    text, expected = CASES[case]
    project.sources_yml.write_text(text)
    result = project.dango("sync", check=2)
    for fragment in expected:
        assert fragment in result.stderr, result.stderr
    assert "nothing was run" in result.stderr or "invalid YAML" in result.stderr or "empty" in result.stderr
    assert result.stdout == ""
    assert not (project.root / "data").exists()


def test_every_problem_is_listed_at_once(project):
    text = HEADER + ENTRY.format(name="Bad Name") + ENTRY.format(name="ok").replace("type: dlt_native", "type: x")
    project.sources_yml.write_text(text)
    result = project.dango("sync", check=2)
    assert "2 problems in sources.yml; nothing was run." in result.stderr


def test_a_bad_edit_leaves_loaded_data_alone(project):
    project.add_source("shop", "import dlt\n\n@dlt.resource\ndef shop():\n    yield [{'id': 1}, {'id': 2}]\n")
    project.sync()
    project.sources_yml.write_text(project.sources_yml.read_text().replace("source_module", "module"))
    project.dango("sync", check=2)
    assert project.count("raw_shop.shop") == 2


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)
BAD_BYTES = {
    "binary junk": (bytes(range(256)) * 4, "not UTF-8 text (byte 0x80 at offset 128)"),
    "a recursive alias": ((HEADER + "x: &l [*l]\n").encode(), "an alias (*name) refers to a value that contains it"),
    "an alias bomb": ((HEADER + BOMB).encode(), "its aliases (*name) expand to more than 100,000 values"),
}


@pytest.mark.parametrize("case", BAD_BYTES)
def test_bad_bytes_and_aliases_are_configuration_errors(project, case):
    text, expected = BAD_BYTES[case]
    project.sources_yml.write_bytes(text)
    for command in ("sync", "validate"):
        result = project.dango(command, timeout=60)
        assert result.returncode == 2 if command == "sync" else result.returncode in (1, 2), result.stderr
        assert ".dango/sources.yml:" in result.stderr + result.stdout and expected in result.stderr + result.stdout
        assert "Traceback" not in result.stderr


def test_timeout_must_be_a_positive_number(project):
    for bad in ("-1", "nan", "0", "inf"):
        result = project.dango("sync", "--timeout", bad, check=2)
        assert f"argument --timeout: '{bad}' is not a positive number of seconds" in result.stderr
