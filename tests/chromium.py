"""A real headless Chromium for the tests, driven over the DevTools protocol on a pipe.

With --remote-debugging-pipe Chromium reads commands on its fd 3 and writes answers and events on
its fd 4, as NUL-terminated JSON: no port, no websocket, no driver package. Uses Debian's chromium
package (`.ci/run` installs it); under CI=true a test fails, not skips, without it.
"""

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-pipe",
    "--window-size=1280,900",
]
TIMEOUT = 60


def binary() -> str:
    """Chromium's path; fails under CI=true and skips elsewhere when it is not installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
    pytest.skip("chromium is not installed (apt-get install chromium)")


class Browser:
    """One browser with one page; every network request the page makes is kept in `requests`."""

    def __init__(self, profile: Path):
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()

        # bash (dash takes single-digit fds only) puts the pipes on fds 3 and 4, where Chromium reads and writes.
        self.process = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{commands_read} 4>&{answers_write}', binary(), *FLAGS]
            + [f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(commands_read, answers_write),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(answers_write)
        self._buffer, self._next_id, self.requests = b"", 0, []
        self._events: list[str] = []  # the methods of events since the last navigation
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send("Network.enable")

    def send(self, method: str, params: dict | None = None) -> dict:
        """A command to the page."""
        return self._send(method, params, self._session)

    def goto(self, url: str) -> None:
        """Load `url` and wait for its load event."""
        self._events.clear()
        self.send("Page.navigate", {"url": url})
        self._wait_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def wait_for(self, expression: str, timeout: float = TIMEOUT):
        """The value of `expression` once it is truthy (pages that render with JavaScript)."""
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            assert time.monotonic() < deadline, f"never true within {timeout}s: {expression}"
            self._read(0.1)
        return value

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"]))
        return path

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self._send("Browser.close")
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._commands)
        os.close(self._answers)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            for answer in self._read(deadline - time.monotonic()):
                if answer.get("id") == self._next_id:
                    assert "error" not in answer, f"{method}: {answer['error']}"
                    return answer["result"]
            assert time.monotonic() < deadline, f"no answer to {method} within {TIMEOUT}s"

    def _wait_event(self, name: str) -> None:
        """Wait for an event, which may have come already, while waiting for a command's answer."""
        deadline = time.monotonic() + TIMEOUT
        while name not in self._events:
            assert time.monotonic() < deadline, f"no {name} within {TIMEOUT}s"
            self._read(deadline - time.monotonic())

    def _read(self, timeout: float) -> list[dict]:
        """The messages that arrive within `timeout`; network requests are noted on the way."""
        ready, _, _ = select.select([self._answers], [], [], max(timeout, 0))
        if ready:
            chunk = os.read(self._answers, 1 << 20)
            assert chunk, "chromium closed the DevTools pipe"
            self._buffer += chunk
        *whole, self._buffer = self._buffer.split(b"\0")
        messages = [json.loads(raw) for raw in whole]
        for message in messages:
            if "method" in message:
                self._events.append(message["method"])
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
        return messages
