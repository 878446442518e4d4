"""`dango source remove NAME [--drop-data]`: take a source out of .dango/sources.yml, and with
--drop-data, drop what it left behind.

What a source leaves: its dataset `raw_<name>` (and dlt's `raw_<name>_staging`) in the warehouse,
which holds its tables and the dlt state saved with every load; its dlt working folder
data/pipelines/<name> (the local copy of the state, pending load packages); its generated staging
models in dbt/models/staging. Its logs and run history stay: they are the record of what ran.

Without --drop-data, only the entry goes (runner/config/sources_edit.py keeps the rest of the file
byte for byte), and the report says what was kept and the command that drops it. With --drop-data,
everything goes after a confirmation, except staging files the user edited. The leftovers are found
by the name alone, so the data of a source already removed from sources.yml can be dropped the same
way. The source's own lock is taken first, as a sync of it does, so a running sync of the source
ends before anything changes; the drop itself holds the warehouse's write lock.
"""

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from runner import warehouse
from runner.config import dataset_names, sources_edit
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.config.sources_yml import DATASET_PREFIX
from runner.sync import child
from runner.transform import staging
from runner.warehouse.base import WarehouseBusy

NAME = re.compile(r"[a-z0-9_]+")  # sources.yml's own rule for a name (schema/sources.schema.json)


@dataclass
class Leftovers:
    """What a source left behind."""

    datasets: dict[str, list[str]] = field(default_factory=dict)  # dataset -> its tables, dlt's too
    working_dir: Path | None = None  # data/pipelines/<name>, when it exists
    staging_files: list[str] = field(default_factory=list)  # its files in dbt/models/staging
    unread: str = ""  # why the warehouse could not be read, "" when it was

    def empty(self) -> bool:
        return not (self.datasets or self.working_dir or self.staging_files or self.unread)


def remove(project: Project, name: str, drop_data: bool, yes: bool, lock_timeout: float) -> int:
    if not NAME.fullmatch(name):
        raise DangoError(f"{name!r} is not a source name: names are lowercase letters, digits and underscores.")
    registered = name in sources_edit.source_names(project.sources_file)
    target = warehouse.for_project(project)
    if drop_data:
        return drop(project, target, name, registered, yes, lock_timeout)
    if not registered:
        left = leftovers(project, target, name)
        hint = (
            f" Its data is still there: `bin/dango source remove {name} --drop-data` drops it."
            if not left.empty()
            else ""
        )
        raise DangoError(f"no source named {name!r} in .dango/sources.yml (`bin/dango source list` shows them).{hint}")
    with source_locks(project, target, name, lock_timeout):
        sources_edit.remove_source(project.sources_file, name)
    print(f"source remove: removed {name} from .dango/sources.yml")
    left = leftovers(project, target, name)
    if left.empty():
        return 0
    print("kept:")
    for line in describe(project, target, name, left):
        print(f"  {line}")
    print(f"drop them with: bin/dango source remove {name} --drop-data")
    return 0


def drop(project: Project, target, name: str, registered: bool, yes: bool, lock_timeout: float) -> int:
    """Drop the source's datasets, working folder and generated models, then its entry."""
    from runner.sync.state import cancelled, confirm, refresh_read_copy

    purpose = f"dango source remove {name}"
    with source_locks(project, target, name, lock_timeout), target.write_lock(lock_timeout, purpose, announce):
        left = leftovers(project, target, name)
        if not registered and left.empty():
            raise DangoError(
                f"no source named {name!r} in .dango/sources.yml, and nothing of it in {target.describe()}, "
                f"{project.relative(project.pipelines_dir)} or {project.relative(staging.staging_dir(project))}: "
                "nothing to remove. Check the name (`bin/dango source list`)."
            )
        if left.unread:
            raise DangoError(f"cannot read {target.describe()}, so nothing was dropped: {left.unread}")
        what = describe(project, target, name, left)
        if not what:
            question = f"source {name}: remove it from .dango/sources.yml (it left no data)?"
        else:
            entry = "remove it from .dango/sources.yml and drop" if registered else "drop what is left of it"
            question = f"source {name}: {entry}:\n" + "\n".join(f"  {line}" for line in what)
        if not confirm(question, yes):
            return cancelled()
        for dataset in left.datasets:
            target.execute(f'drop schema if exists "{dataset}" cascade')
        if left.working_dir:
            shutil.rmtree(left.working_dir)
        deleted, kept = staging.delete_generated(project, left.staging_files)
        if registered:
            sources_edit.remove_source(project.sources_file, name)
    if left.datasets:
        refresh_read_copy(target, lock_timeout)
    done = [f"dropped {dataset}" for dataset in left.datasets]
    done += [f"deleted {project.relative(left.working_dir)}"] if left.working_dir else []
    done += deleted + (["removed it from .dango/sources.yml"] if registered else [])
    print(f"source remove: {name}")
    for line in done + kept:
        print(f"  {line}")
    return 0


def leftovers(project: Project, target, name: str) -> Leftovers:
    """What the source left; a warehouse that cannot be read now is said, not waited for."""
    found = Leftovers()
    dataset = DATASET_PREFIX + name
    own = set(dataset_names.datasets(dataset, target.type))
    try:
        tables = target.catalog(dataset).tables
        found.datasets = {d: sorted(tables[d]) for d in sorted(own & set(tables))}
    except (WarehouseBusy, DangoError) as error:
        found.unread = str(error)
    working_dir = project.pipelines_dir / name
    found.working_dir = working_dir if working_dir.exists() else None
    folder = staging.staging_dir(project)
    declared = staging.declared_tables(folder / staging.dbt_sources_file(name))
    in_warehouse = [table for tables in found.datasets.values() for table in tables]
    files = [staging.model_file(name, table) for table in sorted({*declared, *in_warehouse})]
    files.append(staging.dbt_sources_file(name))
    found.staging_files = [filename for filename in files if (folder / filename).exists()]
    return found


def describe(project: Project, target, name: str, left: Leftovers) -> list[str]:
    lines = []
    for dataset, tables in left.datasets.items():
        shown = [table for table in tables if not table.startswith("_dlt_")]
        if dataset.endswith(staging.DLT_STAGING_SUFFIX) and DATASET_PREFIX + name != dataset:
            lines.append(f"{dataset} in {target.describe()}, dlt's scratch dataset for merge and replace loads")
            continue
        lines.append(f"{dataset} in {target.describe()} (tables: {', '.join(shown) or 'none but dlt state'})")
    if left.unread:
        lines.append(f"whatever {DATASET_PREFIX}{name} holds in {target.describe()} (not readable now: {left.unread})")
    if left.working_dir:
        lines.append(f"its dlt state and working folder {project.relative(left.working_dir)}")
    if left.staging_files:
        folder = project.relative(staging.staging_dir(project))
        lines.append(f"its staging files in {folder}: {', '.join(left.staging_files)}")
    return lines


def source_locks(project: Project, target, name: str, timeout: float):
    """The source's own locks, as a sync of it holds them: a running sync of it ends first."""
    return child.source_locks(project, target, name, timeout, f"dango source remove {name}", announce)


def announce(holder: str) -> None:
    print(f"waiting for {holder} to finish", flush=True)
