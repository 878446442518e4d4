"""`dango sync`: run each selected source in its own child process, one after another.

A source that raises, fails to import, hangs past its timeout or dies never stops the others.
Everything a child prints is relayed line by line, with secrets redacted, to stdout and to the
source's log under data/logs/. SIGTERM and Ctrl-C stop the running child and end the sync; what
the child left pending (extracted or normalized load packages) is loaded first by the next sync.
Every source's run is recorded in data/runs.jsonl and in the warehouse's dango.runs table.
"""

import json
import pickle
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from runner import environment, history, process, warehouse
from runner.config import Source
from runner.errors import DangoError
from runner.project import Project

LOGS_KEPT_PER_SOURCE = 30
EXIT_OK, EXIT_FAILED = 0, 1


class Stopped(Exception):
    """The sync was asked to stop by a signal; `exit_code` follows the shell's 128 + signal rule."""

    def __init__(self, signum: int):
        self.signal_name = signal.Signals(signum).name
        self.exit_code = 128 + signum
        super().__init__(self.signal_name)


@dataclass
class Result:
    name: str
    status: str  # ok, failed, timed out, cancelled
    seconds: float
    rows: dict = field(default_factory=dict)
    error: str = ""
    traceback: str = ""
    load_ids: list = field(default_factory=list)


def select(sources: list[Source], names: list[str]) -> list[Source]:
    """The enabled sources, or exactly those named (a disabled one named explicitly runs)."""
    if not names:
        return [source for source in sources if source.enabled]
    by_name = {source.name: source for source in sources}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        known = ", ".join(by_name) or "none"
        raise DangoError(
            f"unknown source {', '.join(repr(n) for n in unknown)}: not in .dango/sources.yml "
            f"(known sources: {known}). Check the name, or register the source there."
        )
    return [by_name[name] for name in dict.fromkeys(names)]


def sync(project: Project, sources: list[Source], lock_timeout: float, timeout: float | None = None) -> int:
    """Run the sources in order; `timeout` overrides every source's own. Returns the exit code."""
    target = warehouse.for_project(project)
    target.check()
    print(f"sync: {len(sources)} source{'s' if len(sources) != 1 else ''} into {target.describe()}", flush=True)
    env = environment.child_environment(project)
    started = time.time()
    results: list[Result] = []
    try:
        with stop_on_signals():
            for source in sources:
                redact = environment.redactor(project, secret_kwargs(source))
                results.append(run_source(project, source, env, redact, lock_timeout, timeout or source.timeout))
    except Stopped as stop:
        not_started = [s.name for s in sources[len(results) + 1 :]]
        print(f"sync stopped by {stop.signal_name}; not started: {', '.join(not_started) or 'none'}", flush=True)
        print_summary(results, time.time() - started)
        return stop.exit_code
    print_summary(results, time.time() - started)
    return EXIT_OK if all(result.status == "ok" for result in results) else EXIT_FAILED


@contextmanager
def stop_on_signals():
    """Turn SIGTERM and SIGINT into Stopped, so the running child is stopped and reported."""

    def raise_stopped(signum, _frame):
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, raise_stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def secret_kwargs(source: Source) -> list[str]:
    """Literal function_kwargs values under secret-looking names, to redact like .env values."""
    return [str(value) for _, value in environment.secret_literals(source.kwargs)]


def run_source(project: Project, source: Source, env: dict, redact, lock_timeout: float, timeout: float) -> Result:
    print(f"[{source.name}] started", flush=True)
    scratch = project.data / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    result_path = scratch / f"{source.name}-{uuid.uuid4().hex}.json"
    spec = {
        "root": str(project.root),
        "name": source.name,
        "module": source.module,
        "function": source.function,
        "kwargs": source.kwargs,
        "retries": source.retries,
        "lock_timeout": lock_timeout,
        "result_path": str(result_path),
    }
    started = time.time()
    with open_log(project, source.name) as log:
        child = Child(spec, project, env, timeout)
        try:
            child.relay(lambda line: emit(f"[{source.name}] | {redact(line)}", log))
            result = read_result(result_path, source.name, child, time.time() - started)
        except Stopped as stop:
            child.stop()
            result = Result(source.name, "cancelled", time.time() - started, error=f"stopped by {stop.signal_name}")
            finish(project, source, result, redact, log, started)
            raise
        finish(project, source, result, redact, log, started)
    return result


def finish(project: Project, source: Source, result: Result, redact, log, started: float) -> None:
    """Report a source's end on stdout and in its log, and record it in the run history."""
    result.error, result.traceback = redact(result.error), redact(result.traceback)
    if result.status != "ok" and pending_packages(project, source.name):
        result.error += "; its pending load packages will be loaded first by the next sync"
    for line in report_lines(result):
        emit(line, log)
    entry = {
        "source": source.name,
        "status": result.status,
        "started": started,
        "ended": started + result.seconds,
        "rows": result.rows,
        "load_ids": result.load_ids,
        "error": result.error.splitlines()[0] if result.error else "",
        "log": project.relative(Path(log.name)),
    }
    # A run that cannot be recorded (full disk, damaged warehouse) is still reported above.
    recorders = {
        "data/runs.jsonl": lambda: history.record(project, entry),
        "the warehouse": lambda: warehouse.for_project(project).record_run(entry),
    }
    for where, record in recorders.items():
        try:
            record()
        except Exception as error:
            print(f"dango: warning: could not record the run in {where}: {redact(str(error))}", file=sys.stderr)


def emit(line: str, log) -> None:
    print(line, flush=True)
    try:
        log.write(line + "\n")
        log.flush()
    except OSError:
        pass  # a full disk must not stop the run: the line is on stdout


class Child:
    """One source's child process, stopped at its deadline."""

    def __init__(self, spec: dict, project: Project, env: dict, timeout: float):
        self.timed_out = False
        self.timeout = timeout
        self.spec_path = Path(spec["result_path"]).with_suffix(".spec")
        self.spec_path.write_bytes(pickle.dumps(spec))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "runner.child", str(self.spec_path)],
            cwd=project.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self.timer = threading.Timer(timeout, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def relay(self, on_line) -> None:
        try:
            for raw in self.process.stdout:
                on_line(raw.rstrip("\n"))
            self.process.wait()
        finally:
            self.timer.cancel()
            self.spec_path.unlink(missing_ok=True)  # the child deletes it, unless it died first

    def _expire(self) -> None:
        self.timed_out = True
        self.stop()

    def stop(self) -> None:
        process.stop(self.process)

    @property
    def returncode(self) -> int:
        return self.process.returncode


def read_result(path: Path, name: str, child: Child, seconds: float) -> Result:
    if child.timed_out:
        path.unlink(missing_ok=True)
        return Result(name, "timed out", seconds, error=f"stopped after its timeout of {child.timeout:g}s")
    try:
        data = json.loads(path.read_text())
        path.unlink()
    except (OSError, ValueError):
        return Result(name, "failed", seconds, error=died(child.returncode))
    return Result(
        name,
        data["status"],
        seconds,
        data.get("rows", {}),
        data.get("error", ""),
        data.get("traceback", ""),
        data.get("load_ids", []),
    )


def died(returncode: int) -> str:
    if returncode < 0:
        return f"the source's process was killed by {signal.Signals(-returncode).name} before it finished"
    return f"the source's process exited with code {returncode} before it reported a result"


def pending_packages(project: Project, name: str) -> int:
    """Load packages dlt extracted or normalized but did not load; `pipeline.run` finishes them first."""
    working = project.pipelines_dir / name
    folders = [working / "normalize" / "extracted", working / "load" / "normalized"]
    return sum(len(list(folder.iterdir())) for folder in folders if folder.is_dir())


def report_lines(result: Result) -> list[str]:
    label = {"ok": "ok", "failed": "FAILED", "timed out": "TIMED OUT", "cancelled": "CANCELLED"}[result.status]
    head = f"[{result.name}] {label} in {result.seconds:.1f}s"
    if result.status == "ok":
        rows = ", ".join(f"{table} {count}" for table, count in result.rows.items()) or "no new rows"
        return [f"{head}: {rows}"]
    lines = [f"{head}: {result.error}"]
    lines += [f"[{result.name}]   {line}" for line in result.traceback.rstrip().splitlines()]
    return lines


def print_summary(results: list[Result], seconds: float) -> None:
    failed = [result.name for result in results if result.status != "ok"]
    ok = len(results) - len(failed)
    tail = f" (failed: {', '.join(failed)})" if failed else ""
    print(f"summary: {ok} ok, {len(failed)} failed in {seconds:.1f}s{tail}", flush=True)


def open_log(project: Project, name: str):
    folder = project.logs_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("*.log"))[: -LOGS_KEPT_PER_SOURCE + 1]:
        old.unlink(missing_ok=True)
    return (folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}.log").open("w")
