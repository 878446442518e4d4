"""The demo project shipped at the repository root syncs offline, incrementally."""

import subprocess

from tests.conftest import REPO


def test_demo_syncs_offline_and_incrementally(demo):
    first = demo.sync()
    assert "[demo_shop] ok" in first.stdout and "carts 25" in first.stdout
    assert demo.count("raw_demo_shop.products") == 40
    assert demo.count("raw_demo_shop.products__tags") == 80
    assert demo.count("raw_demo_shop.carts__products") == 75
    second = demo.sync()
    assert "carts 0, carts__products 0, " in second.stdout  # no cart changed since the first sync
    assert demo.count("raw_demo_shop.carts") == 25 and demo.count("raw_demo_shop.products") == 40


def test_make_help_lists_every_target():
    result = subprocess.run(["make", "-C", str(REPO), "help"], capture_output=True, text=True, check=True)
    for target in ("setup", "sync", "validate", "sources", "test", "lint"):
        assert f"make {target} " in result.stdout
