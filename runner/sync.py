"""`dango sync`: run each selected source in its own child process, one after another.

A source that raises, fails to import or dies never stops the others. Everything a child prints is
relayed line by line, with secrets redacted, to stdout and to the source's log under data/logs/.
Exit code: 0 when every source succeeded, 1 when one or more failed.
"""

import json
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from runner import environment, history, warehouse
from runner.config import Source
from runner.errors import DangoError
from runner.project import Project

LOGS_KEPT_PER_SOURCE = 30


@dataclass
class Result:
    name: str
    status: str
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


def sync(project: Project, sources: list[Source], lock_timeout: float) -> int:
    target = warehouse.for_project(project)
    print(f"sync: {len(sources)} source{'s' if len(sources) != 1 else ''} into {target.describe()}", flush=True)
    env = environment.child_environment(project)
    started = time.time()
    results = []
    for source in sources:
        redact = environment.redactor(project, secret_kwargs(source))
        results.append(run_source(project, source, env, redact, lock_timeout))
    print_summary(results, time.time() - started)
    return 0 if all(result.status == "ok" for result in results) else 1


def secret_kwargs(source: Source) -> list[str]:
    """Literal function_kwargs values under secret-looking names, to redact like .env values."""
    return [str(v) for k, v in source.kwargs.items() if environment.SECRET_NAME.search(k)]


def run_source(project: Project, source: Source, env: dict, redact, lock_timeout: float) -> Result:
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
        "lock_timeout": lock_timeout,
        "result_path": str(result_path),
    }
    started = time.time()
    with open_log(project, source.name) as log:
        returncode = relay(spec, project, env, redact, source.name, log)
        result = read_result(result_path, source.name, returncode, time.time() - started)
        result.error, result.traceback = redact(result.error), redact(result.traceback)
        for line in report_lines(result):
            print(line, flush=True)
            log.write(line + "\n")
    history.record(
        project,
        {
            "source": source.name,
            "status": result.status,
            "started": started,
            "ended": started + result.seconds,
            "rows": result.rows,
            "load_ids": result.load_ids,
            "error": result.error.splitlines()[0] if result.error else "",
            "log": project.relative(Path(log.name)),
        },
    )
    return result


def relay(spec: dict, project: Project, env: dict, redact, name: str, log) -> int:
    """Run the child, echo its output as it comes, and return its exit code."""
    child = subprocess.Popen(
        [sys.executable, "-m", "runner.child"],
        cwd=project.root,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    try:
        child.stdin.write(json.dumps(spec))
        child.stdin.close()
    except BrokenPipeError:
        pass
    for raw in child.stdout:
        line = redact(raw.rstrip("\n"))
        print(f"[{name}] | {line}", flush=True)
        log.write(line + "\n")
    return child.wait()


def read_result(path: Path, name: str, returncode: int, seconds: float) -> Result:
    try:
        data = json.loads(path.read_text())
        path.unlink()
    except (OSError, ValueError):
        return Result(name, "failed", seconds, error=died(returncode))
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


def report_lines(result: Result) -> list[str]:
    head = f"[{result.name}] {'ok' if result.status == 'ok' else 'FAILED'} in {result.seconds:.1f}s"
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
