"""Warm start: sources' processes forked from a process that has already imported dlt.

Importing dlt, pyarrow and DuckDB costs a source's process about 0.7 s of CPU, most of a small
source's sync. A sync therefore starts one warm process (`python -P -m runner.sync.warm`) with the
environment and working folder a source's process gets, which imports those modules and Dango's
own, then forks one child per source on request. The child runs exactly what a cold
`python -P -m runner.sync.child SPEC` runs (`child.run_main`); the source's own module is imported
only there, after the fork, so nothing a source does reaches another.

Invariants:
- The warm process has one thread and no open connection or file of a source when it forks: it
  checks its own thread count after its imports and refuses to serve otherwise (the sync then starts
  processes cold).
- Each child's stdout and stderr are the pipe its parent relays; its signal handlers are Python's
  defaults again; it is in the sync's process group, so Ctrl-C reaches it as before.
- The warm process is in a process group of its own, which Ctrl-C does not reach, and dies with the
  sync's parent (PR_SET_PDEATHSIG); its children die with it the same way, and join the sync's
  process group.

The protocol, over a SOCK_SEQPACKET socketpair: the parent sends the spec's path with the write end
of the child's output pipe attached; the warm process answers `pid N`, and `exit N CODE` when child
N ends (CODE as subprocess reports it: negative for a signal).
"""

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from runner.config import environment
from runner.sync import process

# Setting this to 0 (in the environment or .env) starts every source's process cold, as before.
SWITCH = "DANGO_WARM_START"
PRELOAD = (
    "dlt",
    "duckdb",
    "pyarrow",
    "pyarrow.parquet",
    "requests",
    "dlt.destinations",
    "dlt.destinations.impl.duckdb.duck",
    "dlt.common.libs.pyarrow",
    "dlt.normalize",
    "dlt.load",
    "runner.sources",
    "runner.sync.child",
    "runner.sync.cursors",
    "runner.sync.dlt_settings",
    "runner.sync.options",
    "runner.sync.recovery",
    "runner.sync.refresh",
    "runner.sync.schema_changes",
    "runner.warehouse.lock",
    "runner.warehouse.duckdb_file",
    "runner.warehouse.read_guard",
    "runner.transform.staging",
)
MESSAGE_SIZE = 4096
JEMALLOC_CONF = "JE_ARROW_MALLOC_CONF"


def enabled(env: dict[str, str]) -> bool:
    return hasattr(os, "fork") and env.get(SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


# --- the sync's side ---------------------------------------------------------------------------


class WarmProcess:
    """A source's process forked by the warm process, with the part of Popen's interface sync uses."""

    def __init__(self, pid: int, stdout, launcher: "Launcher"):
        self.pid = pid
        self.stdout = stdout
        self._launcher = launcher

    @property
    def returncode(self) -> int | None:
        return self._launcher.exit_code(self.pid)

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        code = self._launcher.wait_exit(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
        return code

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:  # once reaped, the pid may be another process's
            with contextlib.suppress(ProcessLookupError):  # ended, its end not yet reported
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Launcher:
    """The warm process of one sync, and the children it forked for it."""

    def __init__(self, cwd: Path, env: dict[str, str]):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket = ours
        handles = [str(theirs.fileno()), str(os.getpid()), str(os.getpgrp())]
        self._server = subprocess.Popen(
            [*environment.runner_command("runner.sync.warm"), *handles],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            # what its warm-up pipeline logs is no source's; each child's output is its own pipe
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=[theirs.fileno()],
            process_group=0,  # out of the terminal's group: Ctrl-C is for the sources, not for it
        )
        theirs.close()
        self._changed = threading.Condition()
        self._pids: list[int] = []  # answers to requests, in order
        self._exits: dict[int, int] = {}
        self._closed = False
        self._request_lock = threading.Lock()
        threading.Thread(target=self._read, name="dango-warm-start", daemon=True).start()

    def start(self, spec_path: Path) -> WarmProcess | None:
        """A child running the source of `spec_path`, or None if the warm process cannot fork one."""
        read_end, write_end = os.pipe()
        try:
            with self._request_lock:
                socket.send_fds(self._socket, [os.fsencode(spec_path)], [write_end])
                pid = self._next_pid()
        except OSError:
            pid = None
        finally:
            os.close(write_end)
        if pid is None:
            os.close(read_end)
            return None
        return WarmProcess(pid, open(read_end, encoding="utf-8", errors="replace"), self)

    def exit_code(self, pid: int) -> int | None:
        with self._changed:
            return self._exits.get(pid)

    def wait_exit(self, pid: int, timeout: float | None) -> int | None:
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits or self._closed, timeout)
            if pid not in self._exits and self._closed:
                self._exits[pid] = -signal.SIGKILL  # the warm process died, and its children with it
            return self._exits.get(pid)

    def close(self) -> None:
        """End the warm process: the end of its socket is its signal to exit."""
        self._socket.shutdown(socket.SHUT_RDWR)  # wakes the reader thread, which close() alone would not
        self._server.wait()
        self._socket.close()

    def _next_pid(self) -> int | None:
        with self._changed:
            self._changed.wait_for(lambda: self._pids or self._closed)
            return self._pids.pop(0) if self._pids else None

    def _read(self) -> None:
        try:
            while message := self._socket.recv(MESSAGE_SIZE):
                kind, *numbers = message.decode().split()
                with self._changed:
                    if kind == "pid":
                        self._pids.append(int(numbers[0]))
                    elif kind == "exit":
                        self._exits[int(numbers[0])] = int(numbers[1])
                    self._changed.notify_all()
        except OSError:
            pass  # closed by close(), or the warm process died
        with self._changed:
            self._closed = True
            self._changed.notify_all()


# --- the warm process --------------------------------------------------------------------------


def serve(sock: socket.socket, group: int) -> None:
    """Fork a child per request until the sync closes the socket; report each child's end."""
    children: set[int] = set()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the selector through the wakeup fd
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is sock:
                try:
                    message, fds, _, _ = socket.recv_fds(sock, MESSAGE_SIZE, 1)
                except OSError:
                    message, fds = b"", []
                if not message:
                    return  # the sync closed the socket or died
                pid = fork_child(os.fsdecode(message), fds[0], sock, (wake_read, wake_write), group)
                os.close(fds[0])
                children.add(pid)
                sock.send(f"pid {pid}".encode())
            else:
                os.read(wake_read, 512)
        for pid in list(children):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                children.discard(pid)
                sock.send(f"exit {pid} {os.waitstatus_to_exitcode(status)}".encode())


def fork_child(spec_path: str, output: int, sock: socket.socket, wake: tuple[int, int], group: int) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    warm = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    # The child: forget the warm process's plumbing, become what a cold start would have been.
    process.die_with_parent(warm)
    os.setpgid(0, group)  # the sync's process group, which Ctrl-C reaches, as a cold start is in
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sock.close()
    for fd in wake:
        os.close(fd)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    from runner.sync import child

    sys.argv = [child.__file__, spec_path]
    child.exit_now(child.run_main(Path(spec_path)))
    return 0  # never reached: exit_now does not return


def preload() -> None:
    """Import what every source's process imports, and start no thread doing it."""
    import importlib

    # Libraries that start threads when they load, unless told not to: pyarrow's jemalloc (its
    # background thread) and, where numpy is installed (pyarrow imports it), OpenBLAS (a worker
    # per core). Each reads its setting once, at load; the children see the environment exactly
    # as the sync gave it, with numpy's BLAS on one thread.
    quiet = {
        JEMALLOC_CONF: ",".join(filter(None, [os.environ.get(JEMALLOC_CONF), "background_thread:false"])),
        "OPENBLAS_NUM_THREADS": "1",
    }
    saved = {name: os.environ.get(name) for name in quiet}
    os.environ.update(quiet)
    for module in PRELOAD:
        importlib.import_module(module)
    for name, value in saved.items():
        if value is None:
            del os.environ[name]
        else:
            os.environ[name] = value


def warm_up() -> None:
    """Run a one-row pipeline into a throwaway folder. What dlt sets up on its first run in a process
    (its run context, which reads .dlt/*.toml as each child would; the type hints its checks evaluate;
    the parquet writer) is then set up here once, not in every child: about a third of a small
    source's time. The pipeline is deactivated and its folder deleted; its connections are closed."""
    import tempfile

    import dlt

    @dlt.resource(name="rows")
    def rows():
        yield {"id": 1, "name": "warm"}

    with tempfile.TemporaryDirectory(prefix="dango-warm-") as folder:
        pipeline = dlt.pipeline(
            "dango_warm_up",
            pipelines_dir=folder,
            destination=dlt.destinations.duckdb(os.path.join(folder, "warm.duckdb")),
            dataset_name="warm_up",
        )
        pipeline.extract(rows(), loader_file_format="parquet")
        pipeline.normalize()
        pipeline.load()
        pipeline.deactivate()


def ready_to_fork() -> bool:
    """One thread (a fork would copy another's locks mid-use) and no DuckDB file open (the warm-up's
    connections are closed), then the heap frozen: the children's garbage collector never walks the
    objects inherited from here, which would copy every page of them (copy-on-write) into each child."""
    import gc

    tasks = Path("/proc/self/task")
    if threading.active_count() != 1 or (tasks.is_dir() and len(list(tasks.iterdir())) != 1):
        return False
    if any(".duckdb" in target for target in open_files()):
        return False
    gc.collect()
    gc.freeze()
    return True


def open_files() -> list[str]:
    """What this process's file descriptors point to (empty where /proc is not)."""
    fds = Path("/proc/self/fd")
    targets = []
    for fd in fds.iterdir() if fds.is_dir() else []:
        with contextlib.suppress(OSError):  # the descriptor of the listing itself is gone by now
            targets.append(os.readlink(fd))
    return targets


def main() -> int:
    sock = socket.socket(fileno=int(sys.argv[1]))
    process.die_with_parent(int(sys.argv[2]))
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    preload()
    try:
        warm_up()
    except Exception:
        return 1  # a setting dlt refuses: the sync starts processes cold, and their errors name it
    if not ready_to_fork():
        return 1  # the sync starts processes cold
    serve(sock, int(sys.argv[3]))
    return 0


if __name__ == "__main__":
    from runner.sync.child import exit_now

    exit_now(main())  # without the interpreter's teardown of dlt's modules: the sync waits for this exit
