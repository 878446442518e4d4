"""dbt's documentation of the project, built by dbt itself: `dbt docs generate --static`.

dbt writes one self-contained page (manifest and catalog inlined) that Dango copies to
data/docs/dbt.html with a Content-Security-Policy, so no request leaves it even if a later dbt
adds one. dbt works in data/tmp/docs-dbt/ (its own `--target-path`), so `dango run`'s
dbt/target/run_results.json is never overwritten, and its partial parse is kept between builds.

On a DuckDB file dbt reads under the shared warehouse lock with `access_mode: read_only` (from
DANGO_DUCKDB_ACCESS_MODE, which dbt/profiles.yml passes on); a profile written before that setting
would open the file for writing, so dbt then holds the write lock like `dango run`.
"""

import json
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from runner.config.project import Project
from runner.docs.tables import reading
from runner.sync import process
from runner.transform import dbt, packages
from runner.warehouse import Warehouse

ACCESS_MODE_ENV = "DANGO_DUCKDB_ACCESS_MODE"
ERROR_LINES = 8
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'"
)


@dataclass
class DbtDocs:
    page: str = ""  # the page's file name in data/docs, "" when dbt failed
    error: str = ""
    # raw table ("raw_x.items") -> the unique ids of the models built from it, directly or not
    downstream: dict[str, list[str]] = field(default_factory=dict)
    source_ids: dict[str, str] = field(default_factory=dict)  # raw table -> dbt's unique id of it
    seconds: float = 0.0  # how long dbt ran


def guard(project: Project, target: Warehouse, timeout: float):
    """What dbt and Dango's reads hold while they read the warehouse: the shared lock, or the write
    lock for a profile that would open a DuckDB file for writing."""
    profile = project.dbt_dir / "profiles.yml"
    read_only = profile.is_file() and ACCESS_MODE_ENV in profile.read_text(errors="replace")
    if read_only or getattr(target, "lock_path", None) is None:
        return reading(target, timeout, announce_wait)
    # keep_open=False: dbt, another process, opens the file itself once Dango has seen it free.
    return target.write_lock(timeout, "dango docs (dbt docs generate)", announce_wait, keep_open=False)


def announce_wait(holder: str) -> None:
    print(f"docs: waiting for the warehouse lock, held by {holder}", flush=True)


def install_packages(project: Project, target: Warehouse, redact) -> str | None:
    """`dbt deps` when dbt/packages.yml names packages not installed (runner/transform/packages.py); why
    it failed, or None. Called before `guard`: deps reads no warehouse, and may wait on the network."""
    return packages.install(project, dbt.executable(), dbt.dbt_environment(project, target), redact)


def start(project: Project, target: Warehouse) -> "Running | DbtDocs":
    """Start dbt docs generate, or say why it cannot run."""
    if not (project.dbt_dir / "dbt_project.yml").is_file():
        return DbtDocs(error=f"no dbt project in {project.relative(project.dbt_dir)}/")
    warehouse_file = getattr(target, "path", None)  # a DuckDB file's; read-only dbt cannot create it
    if warehouse_file is not None and not warehouse_file.exists():
        return DbtDocs(error=f"no warehouse yet ({target.describe()}): run `bin/dango sync` first")
    work = project.data / "tmp" / "docs-dbt"
    argv = [str(dbt.executable()), "docs", "generate", "--static", "--project-dir", "dbt", "--profiles-dir", "dbt"]
    argv += ["--target-path", str(work)]
    env = {**dbt.dbt_environment(project, target), ACCESS_MODE_ENV: "read_only"}
    # A file, not a pipe: nothing reads dbt's output until it ends. `finish` closes it.
    output = tempfile.TemporaryFile("w+", errors="replace")  # noqa: SIM115
    child = subprocess.Popen(argv, cwd=project.root, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
    return Running(child, output, work, time.perf_counter())


@dataclass
class Running:
    process: subprocess.Popen
    output: IO[str]
    work: Path
    started: float


def finish(running: "Running | DbtDocs", site: Path, redact) -> DbtDocs:
    """Wait for dbt and copy its page into `site`; a failure is reported, not raised."""
    if isinstance(running, DbtDocs):
        return running
    try:
        code = running.process.wait()
    finally:
        process.stop(running.process)  # Ctrl-C while waiting: dbt must not outlive the lock
    seconds = time.perf_counter() - running.started
    running.output.seek(0)
    text = running.output.read()
    running.output.close()
    page = running.work / "static_index.html"
    if code != 0 or not page.is_file():
        tail = [redact(line) for line in text.splitlines()[-ERROR_LINES:]]
        return DbtDocs(error=f"dbt docs generate exited with code {code}:\n" + "\n".join(tail), seconds=seconds)
    policy = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    (site / "dbt.html").write_text(page.read_text().replace("<head>", "<head>" + policy, 1))
    docs = DbtDocs(page="dbt.html", seconds=seconds)
    _lineage(json.loads((running.work / "manifest.json").read_text()), docs)
    return docs


def _lineage(manifest: dict, docs: DbtDocs) -> None:
    """Each raw table's dbt id and every model, snapshot or seed downstream of it."""
    children = manifest.get("child_map") or {}
    for unique_id, source in (manifest.get("sources") or {}).items():
        key = f"{source['source_name']}.{source['name']}"
        docs.source_ids[key] = unique_id
        seen, stack = [], list(children.get(unique_id, []))
        while stack:
            child = stack.pop(0)
            if child in seen or child.startswith("test."):
                continue
            seen.append(child)
            stack += children.get(child, [])
        docs.downstream[key] = seen
