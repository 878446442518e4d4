"""`dango seed` and `dango transform`: dbt as a subprocess under the warehouse lock; its exit code is Dango's.

dbt runs from the project root with `--project-dir dbt --profiles-dir dbt` and the environment the
warehouse seam gives its profile (for DuckDB, the file's absolute path), so it finds the warehouse
whatever folder the user is in. It holds the warehouse write lock for the whole run: a sync's loads
take the same lock, so a sync and a transform started together take turns instead of colliding.
The lock is released only once dbt has exited: SIGTERM or Ctrl-C stop dbt first.

Success is dbt's exit code and nothing else, never its text. `target/run_results.json` is read only to
name the nodes that failed, and only when this run wrote it.
"""

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from runner import warehouse
from runner.config import environment
from runner.config.errors import DangoError, Stopped
from runner.config.project import Project
from runner.sync import process
from runner.sync.process import stop_on_signals
from runner.transform import packages
from runner.warehouse import read_copy

FAILED = {"error", "fail", "runtime error", "partial success"}
MESSAGE_LINES_SHOWN = 6


def executable() -> Path:
    path = Path(sys.executable).parent / "dbt"
    if not path.exists():
        raise DangoError(f"dbt is not installed next to {sys.executable}. Run `make setup` to install the pinned dbt.")
    return path


def passthrough(extra: list[str]) -> list[str]:
    """The arguments meant for dbt; a leading `--` only separates them from Dango's."""
    return extra[1:] if extra[:1] == ["--"] else extra


def dbt_environment(project: Project, target) -> dict[str, str]:
    env = environment.child_environment(project)
    env.update(target.dbt_env())
    # Colours only for a terminal: cron mail and CI logs get plain text.
    env.setdefault("DBT_USE_COLORS", "true" if sys.stdout.isatty() else "false")
    return env


def run(project: Project, command: str, args: list[str], lock_timeout: float) -> int:
    """Run `dbt <command> <args>` for the project and return dbt's exit code."""
    target = warehouse.for_project(project)
    argv = [str(executable()), command, "--project-dir", "dbt", "--profiles-dir", "dbt", *args]
    label = f"dbt {' '.join([command, *args])}"
    print(f"{label}: project {project.relative(project.dbt_dir)}, warehouse {target.describe()}", flush=True)
    environment.keep_private(project)
    redact = environment.redactor(project)
    env = dbt_environment(project, target)
    failed = packages.install(project, executable(), env, redact)
    if failed:
        print(failed, file=sys.stderr, flush=True)
        return 1
    started = time.time()
    try:
        # The file closed again before dbt starts: dbt opens it itself, retrying while a reader that
        # slipped in meanwhile closes (dbt/profiles.yml).
        locked = target.write_lock(lock_timeout, f"dango {label}", on_wait=announce_wait, keep_open=False)
        with stop_on_signals(), locked:
            code = relay(argv, project, env, redact)
    except Stopped as stop:
        print(f"summary: stopped by {stop.signal_name} after {time.time() - started:.1f}s", flush=True)
        return stop.exit_code
    nodes = results(project, started)
    if nodes:  # dbt built something: the read copy shows it
        read_copy.refresh(target, lock_timeout)
    for line in summary(code, nodes, time.time() - started):
        print(redact(line), flush=True)
    return code if code >= 0 else 1


def relay(argv: list[str], project: Project, env: dict, redact) -> int:
    """Run dbt, echo its output line by line with secrets redacted, and return its exit code."""
    child = subprocess.Popen(
        process.guarded(argv),
        cwd=project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert child.stdout is not None  # stdout=PIPE
    try:
        for raw in child.stdout:
            print(redact(raw.rstrip("\n")), flush=True)
        return child.wait()
    finally:
        process.stop(child)


def results(project: Project, since: float) -> list[dict]:
    """The node results of the run that started at `since`; none when dbt stopped before writing them."""
    path = project.dbt_dir / "target" / "run_results.json"
    try:
        if path.stat().st_mtime < since:
            return []
        return json.loads(path.read_text()).get("results") or []
    except (OSError, ValueError, AttributeError):
        return []


def node_name(result: dict) -> str:
    """`model broken_mart` for `model.dango.broken_mart`; a test's name without its hash."""
    kind, *parts = result.get("unique_id", "node").split(".")
    name = ".".join(parts[1:2] if kind == "test" else parts[1:]) or ".".join(parts)
    return f"{kind} {name}"


def counts(nodes: list[dict]) -> str:
    kinds = Counter(node.get("unique_id", "node").split(".")[0] for node in nodes)
    return ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(kinds.items()))


def summary(code: int, nodes: list[dict], seconds: float) -> list[str]:
    failed = [node for node in nodes if node.get("status") in FAILED]
    skipped = sum(node.get("status") == "skipped" for node in nodes)
    if code == 0:
        return [f"summary: ok in {seconds:.1f}s" + (f": {counts(nodes)}" if nodes else "")]
    cause = f"dbt was killed by {signal.Signals(-code).name}" if code < 0 else f"dbt exited with code {code}"
    if not nodes:
        return [f"summary: FAILED in {seconds:.1f}s: {cause} before running any node; its error is above"]
    lines = [f"summary: FAILED in {seconds:.1f}s: {cause}; {len(failed)} failed, {skipped} skipped"]
    for node in failed:
        message = (node.get("message") or "no message").strip().splitlines()
        lines.append(f"  failed: {node_name(node)}: {message[0]}")
        lines += [f"    {line.strip()}" for line in message[1:MESSAGE_LINES_SHOWN]]
    return lines


def announce_wait(holder: str) -> None:
    print(f"dbt: waiting for the warehouse lock, held by {holder}", flush=True)
