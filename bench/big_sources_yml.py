"""Checking a big .dango/sources.yml: 3,000 and 30,000 sources (about 5 MB), timed in process.

Dango's whole check (YAML, line numbers, JSON Schema, names and datasets) against the plain parse
of the same text with PyYAML's libyaml loader (`yaml.load(text, CSafeLoader)`), the least any check
must do, and with `yaml.safe_load` (pure Python), what a plain script would call. Target: linear,
a 5 MB file checked in seconds. Run: `.venv/bin/python bench/big_sources_yml.py [RUNS]`.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from common import REPO

sys.path.insert(0, str(REPO))
from runner.config import sources_yml
from runner.config.project import Project

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
ENTRY = """  - name: source_{i}
    type: dlt_native
    dlt_native:
      source_module: shop
      source_function: shop
      function_kwargs:
        base_url: https://api.example.com/v1/shops/{i}
"""


def project_with(count: int) -> Project:
    root = Path(tempfile.mkdtemp(prefix="dango-bench-")) / "project"
    (root / ".dango").mkdir(parents=True)
    text = "version: '1.0'\nsources:\n" + "".join(ENTRY.format(i=i) for i in range(count))
    (root / ".dango" / "sources.yml").write_text(text)
    return Project(root)


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    print(f"{'file':26} {'dango s':>9} {'libyaml s':>9} {'safe_load':>9} {'ratio':>6}")
    for count in (3_000, 30_000):
        project = project_with(count)
        text = project.sources_file.read_text()

        def check(project=project, count=count):
            sources_yml._checked.cache_clear()  # in-process cache of the last text checked
            assert len(sources_yml.load_sources(project)) == count

        dango = statistics.median(timed(check) for _ in range(RUNS))
        libyaml = statistics.median(timed(lambda text=text: yaml.load(text, yaml.CSafeLoader)) for _ in range(RUNS))
        plain = statistics.median(timed(lambda text=text: yaml.safe_load(text)) for _ in range(RUNS))
        size = f"{count:>6} sources, {len(text) / 1e6:4.1f} MB"
        print(f"{size:26} {dango:9.2f} {libyaml:9.2f} {plain:9.2f} {dango / libyaml:6.2f}")


if __name__ == "__main__":
    main()
