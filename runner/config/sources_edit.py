"""Changes to `.dango/sources.yml` and `.env` made by commands (`source add`, `source remove`).

sources.yml is the user's file, so an edit must show in `git diff` as the entry added or removed
and nothing else. ruamel.yaml parses the file and says on which line each entry starts; the edit
splices those lines of text, so every other byte (comments, quoting, indentation, blank lines) stays.
Comment lines right above an entry belong to it. Every write replaces the file in one rename, so an
interrupted command leaves it as it was.
"""

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter

from runner.config.errors import DangoError

NEW_FILE = "version: '1.0'\nsources:\n"


class NullRepresenter(RoundTripRepresenter):
    """Writes `key: null`, not `key:`, which a reader may take for a value forgotten."""


NullRepresenter.add_representer(type(None), lambda dumper, _: dumper.represent_scalar("tag:yaml.org,2002:null", "null"))


@dataclass(frozen=True)
class Entries:
    """Where the `sources:` list is in the file's lines."""

    lines: list[str]
    key_line: int | None  # the `sources:` line; None when the file has none
    names: list[str | None]  # None: an entry without a name (validate reports it)
    spans: list[tuple[int, int]]  # each entry's lines [start, end), its comment lines above included
    dash_column: int


def add_source(path: Path, entry: dict) -> None:
    """Append `entry` after the last source (creating the file or the list when missing)."""
    found = _entries(path)
    if entry["name"] in found.names:
        raise DangoError(
            f"{path}: a source named {entry['name']!r} exists already; choose another name, "
            f"or remove that one first with `dango source remove {entry['name']}`"
        )
    lines = found.lines
    text = _entry_text(entry, found.dash_column)
    if found.spans:
        end = found.spans[-1][1]
        separated = found.spans[-1][0] > 0 and not lines[found.spans[-1][0] - 1].strip()
        lines[end:end] = (["\n"] if separated else []) + [text]
    elif found.key_line is not None:
        lines[found.key_line] = "sources:\n" + text  # replaces `sources:` or `sources: []`
    else:
        lines += ([] if not lines or lines[-1].endswith("\n") else ["\n"]) + ["sources:\n", text]
    _write(path, "".join(lines), found.names + [entry["name"]])


def remove_source(path: Path, name: str) -> None:
    """Remove the entry named `name` with the comment lines right above it."""
    found = _entries(path)
    if name not in found.names:
        raise DangoError(f"{path}: no source named {name!r}; `dango source list` shows the sources")
    start, end = found.spans[found.names.index(name)]
    lines = found.lines
    if end == found.spans[-1][1]:  # the last entry: drop the blank lines that separated it instead
        while start > 0 and not lines[start - 1].strip():
            start -= 1
    del lines[start:end]
    if len(found.names) == 1 and found.key_line is not None:
        lines[found.key_line] = "sources: []\n"  # an empty list, not a null
    _write(path, "".join(lines), [other for other in found.names if other != name])


def source_names(path: Path) -> list[str | None]:
    """The names of the entries, in order (None for an entry without one)."""
    return _entries(path).names


def set_env_values(env_file: Path, values: dict[str, str]) -> None:
    """Set `values` in `.env`, replacing lines of the same names and keeping the others. A new .env is
    readable by its owner only; an existing one keeps its mode."""
    from dotenv import set_key  # rewrites the file through a temporary one and a rename

    for name, value in values.items():
        set_key(env_file, name, value)
    env_file.chmod(0o600)


def _entries(path: Path) -> Entries:
    return _entries_of_text(path, path.read_text() if path.exists() else NEW_FILE)


def _entries_of_text(path: Path, text: str) -> Entries:
    lines = text.splitlines(keepends=True)
    try:
        document = YAML().load(text)
    except YAMLError as error:
        raise DangoError(
            f"{path}: not valid YAML, so it was left unchanged ({error}); `dango validate` says where"
        ) from None
    sources = document.get("sources") if isinstance(document, CommentedMap) else None
    if not isinstance(document, CommentedMap) or (sources is not None and not isinstance(sources, CommentedSeq)):
        raise DangoError(
            f"{path}: expected a mapping with a `sources:` list; fix the file (`dango validate` says where)"
        )
    key_line = document.lc.key("sources")[0] if "sources" in document else None
    if not sources:
        return Entries(lines, key_line, [], [], 2)
    if sources.fa.flow_style():
        raise DangoError(
            f"{path}: `sources:` is written as a [flow, list]; write it as a block list (`- name: ...`) first"
        )
    starts = [sources.lc.item(i)[0] for i in range(len(sources))]
    dash_column = lines[starts[0]].index("-")
    leads = [_comment_start(lines, start, dash_column) for start in starts]
    ends = leads[1:] + [_list_end(lines, starts[-1], dash_column)]
    names = [source.get("name") if isinstance(source, dict) else None for source in sources]
    return Entries(lines, key_line, names, list(zip(leads, ends, strict=True)), dash_column)


def _comment_start(lines: list[str], start: int, dash_column: int) -> int:
    while start > 0 and lines[start - 1].lstrip().startswith("#") and _indent(lines[start - 1]) >= dash_column:
        start -= 1
    return start


def _list_end(lines: list[str], last_start: int, dash_column: int) -> int:
    """The line after the last entry: the first line indented no deeper than the dashes, without the
    blank lines before it."""
    end = last_start + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > dash_column):
        end += 1
    while not lines[end - 1].strip():
        end -= 1
    return end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _entry_text(entry: dict, dash_column: int) -> str:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long value onto a second line
    yaml.Representer = NullRepresenter
    buffer = io.StringIO()
    yaml.dump([entry], buffer)
    # the dump's lines start with the two spaces of `offset`; the file's dashes are at `dash_column`
    lines = buffer.getvalue().splitlines(keepends=True)
    return "".join(" " * dash_column + line[2:] if line.strip() else line for line in lines)


def _write(path: Path, text: str, names: list[str | None]) -> None:
    """Write `text` if it reads back as the expected list of names (a splice that went wrong on an
    unusual layout refuses instead of damaging the file)."""
    if _entries_of_text(path, text).names != names:
        raise DangoError(f"{path}: could not edit this file's layout safely, so it was left unchanged; edit it by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
