"""Shared by the benchmarks: throwaway projects, timed runs, and peak memory of a process tree.

Benchmarks are run by hand (`.venv/bin/python bench/<name>.py`), never in CI. Each builds its own
data offline, runs Dango and the plain-dlt baseline in the same session, and prints medians and
ratios, so the figures compare like with like on whatever machine runs them.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DANGO = REPO / "bin" / "dango"
PYTHON = REPO / ".venv" / "bin" / "python"
QUIET = {"RUNTIME__DLTHUB_TELEMETRY": "false", "PYTHONUNBUFFERED": "1"}


def make_project(sources: dict[str, str], entries: str) -> Path:
    """A project in a temporary folder with the given custom_sources files and sources.yml entries."""
    root = Path(tempfile.mkdtemp(prefix="dango-bench-")) / "project"
    subprocess.run([DANGO, "init", root], check=True, capture_output=True)
    for name, code in sources.items():
        (root / "custom_sources" / f"{name}.py").write_text(textwrap.dedent(code))
    (root / ".dango" / "sources.yml").write_text("version: '1.0'\nsources:\n" + textwrap.dedent(entries))
    return root


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run(argv, cwd: Path, env: dict | None = None, outputs: list | None = None) -> tuple[float, int]:
    """Wall seconds and peak memory (whole process tree) of one command; fails loudly on error. Its
    standard output is appended to `outputs`, when given."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(a) for a in argv], cwd=cwd, env={**os.environ, **QUIET, **(env or {})}, stdout=subprocess.PIPE, text=True
    )
    peak = 0

    def sample():
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed ({process.returncode}):\n{output}")
    if outputs is not None:
        outputs.append(output)
    return seconds, peak


def median_of(times: int, measure) -> tuple[float, int]:
    """Median seconds and the highest peak memory over `times` runs of `measure()`."""
    results = [measure() for _ in range(times)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def interleaved(times: int, measures: dict) -> list[tuple[str, float, int]]:
    """Like median_of for several commands, taking turns so that a machine's drift hits all alike."""
    results = {name: [] for name in measures}
    for _ in range(times):
        for name, measure in measures.items():
            results[name].append(measure())
    return [(name, statistics.median(r[0] for r in runs), max(r[1] for r in runs)) for name, runs in results.items()]


def report(rows: list[tuple[str, float, int]], baseline: str) -> None:
    base = next(seconds for name, seconds, _ in rows if name == baseline)
    print(f"{'run':48} {'median s':>9} {'ratio':>7} {'peak MiB':>9}")
    for name, seconds, peak in rows:
        print(f"{name:48} {seconds:9.2f} {seconds / base:7.2f} {peak / 2**20:9.0f}")
