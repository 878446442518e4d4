"""A real terminal for commands that ask questions: tmux, on a server of the test's own.

`Terminal.run(command)` starts it in a detached tmux session; `expect(text)` waits (with a generous
bound, never a sleep) until the screen shows `text`; `keys(...)` types as a user would; `exit_code()`
waits for the command to end. Under CI, a missing tmux fails the test instead of skipping it.
"""

import os
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

BOUND = 60  # seconds any one screen may take to appear, on a loaded machine


class Terminal:
    def __init__(self, folder: Path, env: dict):
        if shutil.which("tmux") is None:
            if os.environ.get("CI"):
                pytest.fail("tmux is missing: .ci/run installs it (apt-get install tmux)")
            pytest.skip("needs tmux for a real terminal (Debian: apt-get install tmux)")
        self.folder, self.env = folder, env
        self.tmux = ["tmux", "-L", f"dango-{uuid.uuid4().hex[:12]}", "-f", "/dev/null"]
        self.done = folder / f".exit-code-{uuid.uuid4().hex[:8]}"

    def run(self, *command: str) -> "Terminal":
        line = f"{shlex.join(command)}; echo $? > {shlex.quote(str(self.done))}; sleep 600"
        start = [*self.tmux, "new-session", "-d", "-x", "120", "-y", "40", "-c", str(self.folder), line]
        subprocess.run(start, env=self.env, check=True)
        return self

    def screen(self) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p"], capture_output=True, text=True, check=False).stdout

    def expect(self, text: str, times: int = 1) -> str:
        """The screen, once it shows `text` (`times` times: a question asked again). Wait for text that
        the question being answered shows, never for a line printed before it starts: keys sent
        before a prompt reads them meet the terminal's line editing instead (C-u erases the line)."""
        deadline = time.monotonic() + BOUND
        while (shown := self.screen()).count(text) < times:
            assert time.monotonic() < deadline, f"{text!r} never appeared; the screen:\n{shown}"
            time.sleep(0.05)
        return shown

    def keys(self, *keys: str) -> None:
        """tmux key names (Enter, Down, Space, C-c; C-u empties a line) or literal text, in order."""
        for key in keys:
            literal = [] if key in ("Enter", "Down", "Up", "Space", "C-c", "C-u", "BSpace") else ["-l"]
            subprocess.run([*self.tmux, "send-keys", *literal, key], check=True)

    def answer(self, question: str, *keys: str) -> None:
        self.expect(question)
        self.keys(*keys)

    def exit_code(self) -> int:
        deadline = time.monotonic() + BOUND
        while not (self.done.exists() and self.done.read_text().strip()):
            assert time.monotonic() < deadline, f"the command never ended; the screen:\n{self.screen()}"
            time.sleep(0.05)
        return int(self.done.read_text())

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)
