"""What a source's process tells the sync about itself, besides the source's own output.

The child writes lines that start with `MARK` to its stdout, which the parent (runner/sync/live.py)
reads instead of relaying them behind `|`:

- `MARK say TEXT`: a line in Dango's voice (`[name] waiting for the warehouse lock ...`);
- `MARK progress JSON`: where the run is, about once a second while something changes: the step
  (extracting, normalizing, loading, or a wait of Dango's), rows so far per table, and, once the
  source has yielded nothing for a while, where it is waiting.

The child's side is runner/sync/tracker.py. This module imports neither dlt nor DuckDB: the parent
reads it too.
"""

import json
import os
import sys

MARK = "\x1edango "
ENV_INTERVAL = "DANGO_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 30.0


def interval() -> float:
    """The heartbeat interval, also how long a source stays quiet before it is said to be waiting."""
    try:
        return max(0.1, float(os.environ.get(ENV_INTERVAL, DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


def say(text: str) -> None:
    """A line in Dango's voice, from the child: the parent prints it as `[name] TEXT`."""
    sys.stdout.write(f"{MARK}say {text}\n")
    sys.stdout.flush()


def parse(line: str) -> tuple[str, str, str | dict]:
    """(the source's own text before a mark, the kind of message, its payload); kind "" for none."""
    head, mark, rest = line.partition(MARK)
    if not mark:
        return line, "", ""
    kind, _, payload = rest.partition(" ")
    if kind == "progress":
        try:
            return head, kind, json.loads(payload)
        except ValueError:
            return head, "", ""
    return head, kind, payload
