"""What passes between a sync's parent and a source's child process, and what a run leaves behind.

The parent pickles a `ChildSpec` to a file and starts `python -P -m runner.sync.child SPEC` (pickled,
so YAML dates in function_kwargs stay dates). The child writes a `ChildResult` as JSON to the spec's
`result_path`. Either side builds the `RunRecord` of a run once: the child, when it loaded (it
writes the record to the warehouse under its load's lock), otherwise the parent from the result.
"""

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypedDict

from runner.config.sources_yml import Source
from runner.sync.options import SyncOptions


class Status(StrEnum):
    """How a source's run ended, as the run history and `status` show it."""

    OK = "ok"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # its sync died; recorded by the next one (runner/sync/interrupted.py)


@dataclass(frozen=True)
class ChildSpec:
    root: Path  # the project root, the child's working folder
    source: Source
    lock_timeout: float
    result_path: Path
    run_dir: Path  # the sync's scratch folder: `<name>.done` markers of finished sources
    earlier: list[str]  # sources listed before this one, which it waits for before reading the warehouse
    started: float
    log: str  # the log file, relative to the project
    warehouse: dict  # the warehouse settings the parent read from sources.yml
    options: SyncOptions = field(default_factory=SyncOptions)  # --full-refresh, --resource, --since/--until
    # `source test`: at most this many rows per resource, into run_dir, no lock taken (runner/sync/trial.py)
    trial_rows: int | None = None


@dataclass(frozen=True)
class RunRecord:
    """One row of the run history (data/runs.jsonl and the warehouse's dango.runs)."""

    source: str
    status: Status
    started: float
    ended: float
    rows: dict[str, int]
    load_ids: list[str]
    error: str  # the first line only: the rest is in the log
    log: str
    action: str = "sync"  # what the run did: SyncOptions.describe(), or a `state` or `source drop` command

    def as_dict(self) -> dict:
        return {**asdict(self), "status": str(self.status)}


class TablePreview(TypedDict):
    """A table `source test` loaded (runner/sync/trial.py), as JSON carries it."""

    name: str
    rows: int
    columns: list[list[str]]  # [name, dlt data type], every column
    shown: list[str]  # the columns of `sample`: dlt's load id and row id left out
    sample: list[list]  # the first rows, values that are not JSON's as text


class ResourcePreview(TypedDict):
    resource: str
    tables: list[TablePreview]  # its table and child tables; none when it yielded no rows


@dataclass
class ChildResult:
    name: str  # the source's
    status: Status
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    error: str = ""
    traceback: str = ""
    log_only: str = ""  # details for the source's log, not the terminal (a long dlt exception)
    load_ids: list[str] = field(default_factory=list)
    record: RunRecord | None = None  # set when the child wrote it to the warehouse itself
    staging: list[str] = field(default_factory=list)  # the report lines on the staging models
    preview: list[ResourcePreview] = field(default_factory=list)  # `source test`: each resource's tables
    gave_up: bool = False  # it stopped waiting for a lock or the warehouse file: the parent waits no more

    def write(self, path: Path) -> None:
        """Write the result whole or not at all: the parent reads a missing file as a dead child."""
        data = asdict(self)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> "ChildResult":
        data = json.loads(path.read_text())
        record = data.pop("record")
        status = Status(data.pop("status"))
        if record:
            record = RunRecord(**{**record, "status": Status(record["status"])})
        return cls(status=status, record=record, **data)


def record_of(spec: ChildSpec, result: ChildResult, ended: float) -> RunRecord:
    """The run record of a result the child did not record itself."""
    return RunRecord(
        source=result.name,
        status=result.status,
        started=spec.started,
        ended=ended,
        rows=result.rows,
        load_ids=result.load_ids,
        error=result.error.splitlines()[0] if result.error else "",
        log=spec.log,
        action=spec.options.describe(),
    )
