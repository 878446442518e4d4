"""`make` passes SOURCE and ARGS to bin/dango as words, never as shell code."""

import subprocess

from tests.conftest import REPO

TINY = "import dlt\n\n@dlt.resource\ndef {name}():\n    yield {{'id': 1}}\n"


def make(project, *assignments) -> subprocess.CompletedProcess:
    argv = ["make", "-s", "-f", str(REPO / "Makefile"), "sync", *assignments]
    return subprocess.run(argv, cwd=project.root, env=project.env, capture_output=True, text=True, check=False)


def test_source_and_args_are_words_not_commands(project):
    for name in ("a", "b"):
        project.add_source(name, TINY.format(name=name))
    both = make(project, "SOURCE=a b", "ARGS=--jobs 2")
    assert both.returncode == 0, both.stderr
    assert "(2 at a time)" in both.stdout and project.count("raw_a.a") == project.count("raw_b.b") == 1
    injected = make(project, "SOURCE=x; touch pwned $(shell touch pwned2) `touch pwned3`", "ARGS=$$(touch pwned4)")
    assert injected.returncode != 0
    assert "unknown source 'x;', 'touch', 'pwned'" in injected.stderr
    assert not list(project.root.glob("pwned*"))
