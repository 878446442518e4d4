"""Where each running source is, shown while a sync runs: for a person at a terminal, and for a log.

Every line a sync prints goes through `display.write`, from any thread, whole. At a terminal, below
those lines, one live line per running source is redrawn each second; in a pipe or a file (cron
mail, a log), a plain heartbeat line per running source every DANGO_PROGRESS_INTERVAL seconds (30 by
default). Both say the same: time so far, the step, rows so far per table, and, for a source that
has yielded and printed nothing for an interval, that it is waiting (on what, where the child knows).
The facts come from the child (runner/sync/tracker.py) as `progress` messages.
"""

import os
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from runner.sync import progress

REDRAW_EVERY = 1.0
MAX_TABLES_SHOWN = 4


@dataclass
class Running:
    started: float = field(default_factory=time.monotonic)
    state: dict = field(default_factory=dict)
    state_at: float = field(default_factory=time.monotonic)
    output_at: float = field(default_factory=time.monotonic)
    heartbeat_at: float = field(default_factory=time.monotonic)


def describe(name: str, source: Running, now: float, quiet_after: float) -> str:
    """`[name] running 42s: extracting, items 350,000, users 1,200`, and why it is quiet if it is."""
    state = source.state
    parts = [state.get("step") or "starting"]
    rows = sorted(state.get("rows", {}).items(), key=lambda item: -item[1])
    shown = [f"{table} {count:,}" for table, count in rows[:MAX_TABLES_SHOWN]]
    if len(rows) > MAX_TABLES_SHOWN:
        shown.append(f"{len(rows) - MAX_TABLES_SHOWN} more tables")
    parts += shown
    if "jobs" in state:
        parts.append(f"{state['jobs'][0]}/{state['jobs'][1]} load jobs")
    quiet = min(state.get("idle", 0) + now - source.state_at, now - source.output_at, now - source.started)
    if quiet >= quiet_after and parts[0] == "extracting":  # dlt's other steps count as they go
        on = state.get("waiting") or ""
        parts.append(f"waiting{' ' + on if on else ''}: nothing yielded or printed for {quiet:.0f}s")
    return f"[{name}] running {now - source.started:.0f}s: {', '.join(parts)}"


class Display:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running: dict[str, Running] = {}
        self.live = False
        self.interval = progress.DEFAULT_INTERVAL
        self._drawn = 0
        self._stop = threading.Event()

    def write(self, line: str) -> None:
        """Print one whole line: sources running side by side never interleave within a line."""
        with self._lock:
            try:
                self._clear()
                sys.stdout.write(line + "\n")
                self._draw()
                sys.stdout.flush()
            except OSError:
                pass  # the reader went away (`| head`, a closed terminal): the sync goes on, logs keep it all

    def started(self, name: str) -> None:
        with self._lock:
            self.running[name] = Running()

    def finished(self, name: str) -> None:
        with self._lock:
            self.running.pop(name, None)

    def progress(self, name: str, state: dict) -> None:
        with self._lock:
            if name in self.running:
                self.running[name].state, self.running[name].state_at = state, time.monotonic()

    def printed(self, name: str) -> None:
        with self._lock:
            if name in self.running:
                self.running[name].output_at = time.monotonic()

    @contextmanager
    def showing(self):
        """Show progress while the block runs: live lines at a terminal, heartbeats elsewhere."""
        self.live = sys.stdout.isatty() and os.environ.get("TERM", "dumb") != "dumb"
        self.interval = progress.interval()
        self._stop.clear()
        ticker = threading.Thread(target=self._tick, name="dango-progress", daemon=True)
        ticker.start()
        try:
            yield
        finally:
            self._stop.set()
            ticker.join()
            with self._lock:
                self._clear()
                self.running.clear()

    def _tick(self) -> None:
        while not self._stop.wait(min(REDRAW_EVERY, self.interval)):
            if self.live:
                with self._lock:
                    self._clear()
                    self._draw()
                    sys.stdout.flush()
                continue
            now = time.monotonic()
            with self._lock:
                due = [(n, s) for n, s in self.running.items() if now - s.heartbeat_at >= self.interval]
                for _, source in due:
                    source.heartbeat_at = now
                lines = [describe(name, source, now, self.interval) for name, source in due]
            for line in lines:
                self.write(line)

    def _clear(self) -> None:
        """Erase the live lines (the cursor is just below them)."""
        if self._drawn:
            sys.stdout.write(f"\x1b[{self._drawn}F\x1b[J")
            self._drawn = 0

    def _draw(self) -> None:
        if not self.live or not self.running:
            return
        now, width = time.monotonic(), shutil.get_terminal_size().columns - 1
        for name, source in self.running.items():
            sys.stdout.write(describe(name, source, now, self.interval)[:width] + "\n")
        self._drawn = len(self.running)


display = Display()
