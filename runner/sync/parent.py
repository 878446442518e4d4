"""`dango sync`: run each selected source in its own child process, `--jobs` of them at a time.

A source that raises, fails to import, hangs past its timeout or dies never stops the others.
Everything a child prints is relayed line by line, with secrets redacted, to stdout and to the
source's log under data/logs/. SIGTERM and Ctrl-C stop the running child and end the sync; what
the child left pending (extracted or normalized load packages) is loaded first by the next sync.
Every source's run is recorded in data/runs.jsonl and in the warehouse's dango.runs table.
The hand-off with the child (runner/sync/child.py) is typed in runner/sync/handoff.py.
"""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runner import warehouse
from runner.config import environment, secret_refs
from runner.config.errors import DangoError, Stopped
from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.sync import history, interrupted, logs, process, progress, warm
from runner.sync.handoff import ChildResult, ChildSpec, RunRecord, Status, record_of
from runner.sync.live import display
from runner.sync.options import SyncOptions
from runner.sync.process import stop_on_signals
from runner.warehouse import read_copy

# Sources mostly wait on networks, so more than one per core pays; eight bounds memory.
DEFAULT_JOBS = min(8, 2 * (os.cpu_count() or 1))
EXIT_OK, EXIT_FAILED = 0, 1


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


def sync(
    project: Project,
    sources: list[Source],
    lock_timeout: float,
    timeout: float | None,
    jobs: int,
    options: SyncOptions = SyncOptions(),
) -> int:
    """Run the sources, `jobs` at a time; `timeout` overrides every source's own; `options` are
    --full-refresh, --resource and --since/--until (one source). Returns the exit code."""
    target = warehouse.for_project(project)
    target.check()
    environment.keep_private(project)
    say(f"sync: {len(sources)} source{'s' if len(sources) != 1 else ''} into {target.describe()} ({jobs} at a time)")
    record_abandoned(project, target, lock_timeout)
    env = environment.child_environment(project)
    started = time.time()
    run = Run(project, target, options, env, warm_start=warm.enabled(env) and len(sources) > 1)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    futures = []
    try:
        with stop_on_signals(), display.showing():
            futures = [
                pool.submit(run_source, project, s, env, lock_timeout, timeout or s.timeout, run, earlier)
                for s, earlier in zip(sources, (sources[:i] for i in range(len(sources))), strict=True)
            ]
            results = [future.result() for future in futures]
    except Stopped as stop:
        run.stop(stop.signal_name)
        pool.shutdown(wait=True, cancel_futures=True)
        results = [f.result() for f in futures if f.done() and not f.cancelled() and f.result()]
        done = {result.name for result in results}
        not_started = [source.name for source in sources if source.name not in done]
        say(f"sync stopped by {stop.signal_name}; not started: {', '.join(not_started) or 'none'}")
        run.close()
        print_summary(results, time.time() - started)
        return stop.exit_code
    pool.shutdown()
    run.close()
    read_copy.refresh(target, 0 if any(r and r.gave_up for r in results) else lock_timeout)  # as in finish
    print_summary(results, time.time() - started)
    return EXIT_OK if all(result.status == Status.OK for result in results) else EXIT_FAILED


class Run:
    """The children of one sync, so that a signal stops them all, and no new one starts after it.

    With warm start (runner/sync/warm.py), the first source's process starts cold at once, and the
    warm process is started beside it to fork the others: a one-source sync never needs it."""

    def __init__(
        self, project: Project, target: warehouse.Warehouse, options: SyncOptions, env: dict, warm_start: bool
    ):
        self.target = target
        self.options = options
        self.root, self.env = project.root, env
        self._warm = warm_start
        self._launcher: warm.Launcher | None = None
        self.scratch = interrupted.RunFolder(project)
        self.folder = self.scratch.path  # specs, results and markers
        self._lock = threading.Lock()
        self._children: set[Child] = set()
        self.stopped_by = ""

    def start(self, child_factory):
        """The started child, or None once the run is stopping."""
        with self._lock:
            if self.stopped_by:
                return None
            child = child_factory(self._launcher)
            self._children.add(child)
            if self._warm and self._launcher is None:
                self._launcher = warm.Launcher(self.root, self.env)
            return child

    def close(self) -> None:
        """End the warm process, if any, and the run's scratch folder."""
        if self._launcher:
            self._launcher.close()
        self.scratch.close()

    def done(self, child) -> None:
        with self._lock:
            self._children.discard(child)

    def stop(self, signal_name: str) -> None:
        with self._lock:
            self.stopped_by = signal_name
            children = list(self._children)
        for child in children:
            child.stop(signal_name)


def secret_kwargs(source: Source, env: dict[str, str]) -> list:
    """Literal function_kwargs values under secret-looking names, and the values in `env` (the
    child's environment) of the variables the source references, a URL's password among them
    (runner/config/secret_refs.py), to redact like .env values."""
    literal = [value for _, value in environment.secret_literals(source.kwargs)]
    return literal + secret_refs.referenced_values(source, env)


def run_source(project, source: Source, env: dict, lock_timeout: float, timeout: float, run: Run, earlier):
    """Run one source's child to its end and report it; None if the sync stopped before it started."""
    result_path = run.folder / f"{source.name}.json"
    redact = environment.redactor(project, secret_kwargs(source, env))
    started = time.time()
    with logs.open_log(project, source.name) as log:
        spec = ChildSpec(
            root=project.root,
            source=source,
            lock_timeout=lock_timeout,
            result_path=result_path,
            run_dir=run.folder,
            earlier=[s.name for s in earlier],
            started=started,
            log=project.relative(Path(log.name)),
            warehouse=run.target.settings,
            options=run.options,
        )
        run.scratch.started(record_of(spec, ChildResult(source.name, Status.INTERRUPTED), started))
        child = run.start(lambda launcher: Child(spec, project, env, timeout, launcher))
        if child is None:
            run.scratch.recorded(source.name)
            return None
        say(f"[{source.name}] started")
        display.started(source.name)
        try:
            child.relay(lambda line: relay_line(source.name, line, redact, log))
        finally:
            display.finished(source.name)
            run.done(child)
        result = read_result(result_path, source.name, child, time.time() - started)
        finish(project, run.target, spec, result, redact, log)
        run.scratch.recorded(source.name)
    (run.folder / f"{source.name}.done").touch()  # for later sources that read the warehouse
    return result


def finish(project: Project, target, spec: ChildSpec, result: ChildResult, redact, log) -> None:
    """Report a source's end on stdout and in its log, and record it in the run history."""
    result.error, result.traceback = redact(result.error), redact(result.traceback)
    if result.status != Status.OK and pending_packages(project, result.name):
        result.error += "; its pending load packages will be loaded first by the next sync"
    for line in report_lines(result) + result.staging:
        emit(line, log)
    if result.log_only:
        write_log(log, redact(result.log_only))
    record = result.record or record_of(spec, result, spec.started + result.seconds)
    # A source that gave up waiting for the warehouse waited --lock-timeout already: recording it there
    # is tried once, not waited for a second time (runs.jsonl has it either way).
    lock_timeout = 0 if result.gave_up else spec.lock_timeout
    record_run(project, target, record, redact, result.record is None, lock_timeout)


def record_run(project: Project, target, record: RunRecord, redact, in_warehouse: bool, lock_timeout: float) -> None:
    """Record a run in data/runs.jsonl, and in the warehouse unless the child did."""
    entry = record.as_dict()
    # A run that cannot be recorded (full disk, damaged warehouse) is still reported.
    recorders = {"data/runs.jsonl": lambda: history.record(project, entry)}
    if in_warehouse:
        recorders["the warehouse"] = lambda: target.record_run(entry, lock_timeout)
    for where, write in recorders.items():
        try:
            write()
        except Exception as error:
            why = getattr(error, "short", str(error))  # a holder of the file was named above already
            print(f"dango: warning: could not record the run in {where}: {redact(why)}", file=sys.stderr)


def record_abandoned(project: Project, target, lock_timeout: float) -> None:
    """Record the runs of syncs that died before recording them (runner/sync/interrupted.py)."""
    for record in interrupted.abandoned(project):
        say(f"[{record.source}] {record.status.upper()}: an earlier sync died while it ran; recorded now")
        record_run(project, target, record, environment.redactor(project), True, lock_timeout)


def say(line: str) -> None:
    display.write(line)


def relay_line(name: str, line: str, redact, log) -> None:
    """A line of the child's: the source's own output behind `|`, or a message of Dango's (progress.py)."""
    text, kind, payload = progress.parse(line)
    if text or not kind:
        display.printed(name)
        emit(f"[{name}] | {redact(text)}", log)
    if kind == "say":
        emit(f"[{name}] {redact(payload)}", log)
    elif kind == "progress" and isinstance(payload, dict):
        display.progress(name, payload)


def emit(line: str, log) -> None:
    say(line)
    write_log(log, line)


def write_log(log, text: str) -> None:
    try:
        log.write(text.rstrip("\n") + "\n")
        log.flush()
    except OSError:
        pass  # a full disk must not stop the run: the line is on stdout


class Child:
    """One source's child process, stopped at its deadline."""

    def __init__(self, spec: ChildSpec, project: Project, env: dict, timeout: float, launcher: "warm.Launcher | None"):
        self.timed_out = False
        self.stopped_by = ""
        self.timeout = timeout
        self.spec_path = spec.result_path.with_suffix(".spec")
        self.spec_path.write_bytes(pickle.dumps(spec))
        self.process = (launcher and launcher.start(self.spec_path)) or subprocess.Popen(
            [*environment.runner_command("runner.sync.child"), str(self.spec_path), str(os.getpid())],
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
        assert self.process.stdout is not None  # stdout=PIPE
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

    def stop(self, reason: str = "") -> None:
        self.stopped_by = self.stopped_by or reason
        process.stop(self.process)

    @property
    def returncode(self) -> int:
        return self.process.wait()  # already ended: relay waited for it


def read_result(path: Path, name: str, child: Child, seconds: float) -> ChildResult:
    if child.timed_out or child.stopped_by:
        path.unlink(missing_ok=True)
    if child.timed_out:
        return ChildResult(name, Status.TIMED_OUT, seconds, error=f"stopped after its timeout of {child.timeout:g}s")
    if child.stopped_by:
        return ChildResult(name, Status.CANCELLED, seconds, error=f"stopped by {child.stopped_by}")
    try:
        result = ChildResult.read(path)
        path.unlink()
    except (OSError, ValueError):
        return ChildResult(name, Status.FAILED, seconds, error=died(child.returncode))
    result.seconds = seconds  # the whole run as the parent saw it, start-up included
    return result


def died(returncode: int) -> str:
    if returncode < 0:
        return f"the source's process was killed by {signal.Signals(-returncode).name} before it finished"
    return f"the source's process exited with code {returncode} before it reported a result"


def pending_packages(project: Project, name: str) -> int:
    """Load packages dlt extracted or normalized but did not load; `pipeline.run` finishes them first."""
    working = project.pipelines_dir / name
    folders = [working / "normalize" / "extracted", working / "load" / "normalized"]
    return sum(len(list(folder.iterdir())) for folder in folders if folder.is_dir())


def report_lines(result: ChildResult) -> list[str]:
    label = "ok" if result.status == Status.OK else result.status.upper()
    head = f"[{result.name}] {label} in {result.seconds:.1f}s"
    if result.status == Status.OK:
        rows = ", ".join(f"{table} {count}" for table, count in result.rows.items()) or "no new rows"
        return [f"{head}: {rows}"]
    lines = [f"{head}: {result.error}"]
    lines += [f"[{result.name}]   {line}" for line in result.traceback.rstrip().splitlines()]
    return lines


def print_summary(results: list[ChildResult], seconds: float) -> None:
    """`N ok, N failed` always (a timeout is a failure), then `N cancelled` when a signal stopped some."""
    by_status = {status: [r.name for r in results if r.status == status] for status in Status}
    failed = by_status[Status.FAILED] + by_status[Status.TIMED_OUT]
    cancelled = by_status[Status.CANCELLED]
    counts = f"{len(by_status[Status.OK])} ok, {len(failed)} failed" + (
        f", {len(cancelled)} cancelled" if cancelled else ""
    )
    names = [f"{what}: {', '.join(found)}" for what, found in (("failed", failed), ("cancelled", cancelled)) if found]
    tail = f" ({'; '.join(names)})" if names else ""
    say(f"summary: {counts} in {seconds:.1f}s{tail}")
