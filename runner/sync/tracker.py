"""The child's progress: a dlt progress collector that counts rows per table, reported from a thread.

dlt calls `Tracker.update` per batch of rows it extracts or normalizes (it is the pipeline's
`progress=`, dlt's own hook for progress bars and logs), so the source's thread pays a dict update
per batch and nothing else; a thread writes where the run is to stdout about once a second, in the
form runner/sync/progress.py describes, for the parent to show.
"""

import json
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dlt.common.runtime.collector_base import Collector

from runner.sync.progress import MARK, interval, say

REPORT_EVERY = 1.0  # seconds between the child's progress lines, while something changes
WAKE_EVERY = 0.25
# A wait for a lock is announced once it has lasted this long: the turns sources take at the
# warehouse lock are mostly a fraction of a second, and would double the output of a big sync.
ANNOUNCE_WAIT_AFTER = 1.0
STEPS = {"extract": "extracting", "normalize": "normalizing", "load": "loading"}
DONE = {"extracting": "extracted", "normalizing": "normalized", "loading": "loaded"}
# dlt's counters of things that are not rows of a table.
NOT_TABLES = {"Resources", "Files", "Jobs"}
HTTP_MODULES = ("/http/client.py", "/urllib3/", "/requests/", "/socket.py", "/ssl.py")


@dataclass
class Wait:
    """A wait for a lock: announced once it has lasted ANNOUNCE_WAIT_AFTER, and then its end too."""

    what: str
    holder: str
    began: float = field(default_factory=time.monotonic)
    said: bool = False


class Tracker(Collector):
    """Counts rows per table as dlt extracts and normalizes them, and reports from its own thread."""

    def __init__(self, custom_sources: Path) -> None:
        self.step = ""
        self.counts: dict[str, int] = defaultdict(int)
        self.jobs = [0, 0]  # loaded, total
        self.phase = "starting"  # what Dango does between dlt's steps, or the wait it is in
        self.custom_sources = str(custom_sources)
        self.changed = time.monotonic()
        self._main = threading.main_thread().ident
        self._done = threading.Event()
        self._wait: Wait | None = None  # the lock wait in progress
        self._wait_lock = threading.Lock()
        self._thread = threading.Thread(target=self._report_loop, name="dango-progress", daemon=True)

    # dlt's Collector interface
    def update(self, name, inc=1, total=None, inc_total=None, message=None, label=None) -> None:
        """Called per batch of rows (per row, for a source that yields rows one by one): kept to a dict
        update; the reporting thread notices the change."""
        if name not in NOT_TABLES:
            self.counts[name] += inc
        elif name == "Jobs":
            self.jobs[0] += inc if not label else 0
            self.jobs[1] = max(self.jobs[1], total or 0) + (inc_total or 0)

    def _start(self, step: str) -> None:
        self.step = STEPS.get(step.split(" ", 1)[0].lower(), step)
        self.counts = defaultdict(int)
        self.jobs = [0, 0]
        self.changed = time.monotonic()

    def _stop(self) -> None:
        self.phase = DONE.get(self.step, self.phase)
        self.step = ""

    # Dango's side
    def start(self) -> "Tracker":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.changed = time.monotonic()

    def wait_for(self, what: str):
        """An on_wait for runner/warehouse/lock.py. A wait that lasts is announced in Dango's voice (by
        the reporting thread), and so is its end (by the callable returned, which the lock calls)."""

        def started(holder: str = ""):
            wait = Wait(what, holder)
            previous = self.phase
            self._wait = wait
            self.set_phase(f"waiting for {what}")

            def ended() -> None:
                with self._wait_lock:
                    self._wait = None
                    if wait.said:
                        say(f"got {what} after {time.monotonic() - wait.began:.1f}s")
                self.set_phase(previous)

            return ended

        return started

    def _announce_wait(self) -> None:
        with self._wait_lock:
            wait = self._wait
            if wait and not wait.said and time.monotonic() - wait.began >= ANNOUNCE_WAIT_AFTER:
                say(f"waiting for {wait.what}" + (f", held by {wait.holder}" if wait.holder else ""))
                wait.said = True

    def snapshot(self) -> dict:
        rows = self.counts.copy()  # one C call: the source's thread may add a table meanwhile
        idle = time.monotonic() - self.changed
        state: dict = {"step": self.step or self.phase, "rows": rows, "idle": idle}
        if self.step == "loading" and self.jobs[1]:
            state["jobs"] = list(self.jobs)
        if not self.phase.startswith("waiting for") and idle >= interval():
            state["waiting"] = self.waiting_on()
        return state

    def waiting_on(self) -> str:
        """Where the source's thread is while it yields nothing: its own line, and an HTTP call under it."""
        frame = sys._current_frames().get(self._main or 0)
        files = []
        while frame is not None:
            files.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
            frame = frame.f_back
        http = any(any(part in name for part in HTTP_MODULES) for name, _, _ in files)
        own = next(((n, line, f) for n, line, f in files if n.startswith(self.custom_sources)), None)
        where = f"in {Path(own[0]).name} line {own[1]} ({own[2]})" if own else ""
        return " ".join(filter(None, ["for an HTTP response" if http else "", where]))

    def report(self) -> None:
        sys.stdout.write(f"{MARK}progress {json.dumps(self.snapshot())}\n")
        sys.stdout.flush()

    def _report_loop(self) -> None:
        last = seen = None  # the counts last reported, and last seen
        quiet_for = interval()
        reported = time.monotonic()
        while not self._done.wait(WAKE_EVERY):
            counts = (self.step, self.phase, sum(self.counts.copy().values()), tuple(self.jobs))
            if counts != seen:
                self.changed, seen = time.monotonic(), counts
            since = time.monotonic() - reported
            try:
                self._announce_wait()
                # While counts move, each second; while quiet, once an interval, to say where it waits.
                if (counts != last and since >= REPORT_EVERY) or since >= quiet_for:
                    self.report()
                    last, reported = counts, time.monotonic()
            except (OSError, ValueError):
                return  # stdout closed: the parent is gone
