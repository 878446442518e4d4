"""Build data/docs/: the overview, a page per source and per raw table, and dbt's documentation.

The site is written to a fresh folder and swapped in whole, so a browser or `--serve` never sees
half a site, and the pages of a source removed from sources.yml go with it.
"""

import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

from runner import warehouse
from runner.config import environment
from runner.config.project import Project
from runner.config.sources_yml import Source
from runner.docs import dbt_docs, freshness, history, pages, plots, tables
from runner.report import status
from runner.sync import history as run_history

RECENT_RUNS = 30


@dataclass(frozen=True)
class Built:
    index: Path
    seconds: float
    dbt_seconds: float  # of `seconds`, the time dbt docs generate ran (beside Dango's plots)
    dbt_error: str


def site_folder(project: Project) -> Path:
    return project.data / "docs"


def build(project: Project, sources: list[Source], max_age: str, lock_timeout: float) -> Built:
    """Build the site; `max_age` (`26h`) marks sources stale as `dango status --max-age` does."""
    started = time.perf_counter()
    status.parse_age(max_age)  # a bad age fails before anything is built
    plots.ensure_installed()
    site = site_folder(project)
    work = site.with_name(f".docs-building-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        dbt = _write(project, sources, max_age, lock_timeout, work)
        _swap(work, site)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Built(site / "index.html", time.perf_counter() - started, dbt.seconds, dbt.error)


def _write(project: Project, sources: list[Source], max_age: str, timeout: float, work: Path) -> dbt_docs.DbtDocs:
    redact = environment.redactor(project)
    target = warehouse.for_project(project)
    entries = run_history.runs(project)
    fresh = freshness.rows(sources, entries, time.time(), status.parse_age(max_age), project.root)
    rows = [_redacted(row, redact) for row in fresh]
    runs = history.by_source(entries)
    datasets = {source.dataset for source in sources}

    def draw() -> dict[str, str]:
        return {name: plots.history_svg(mine) for name, mine in runs.items()}

    raw, dbt, svgs = _read_warehouse(project, target, datasets, timeout, redact, work, draw)
    common = {"built": pages.when(time.time()), "dbt_page": dbt.page}
    tables_of = {source.name: [t for t in raw if t.dataset == source.dataset] for source in sources}
    pages.render(
        "index.html",
        work / "index.html",
        title="Sources",
        root="",
        rows=rows,
        tables_of=tables_of,
        failed=sum(row.last_status not in ("ok", "never run") for row in rows),
        stale=sum(row.stale for row in rows),
        max_age=max_age,
        dbt_error=dbt.error,
        **common,
    )
    for row in rows:
        mine = runs.get(row.name, [])
        recent = [_redacted(run, redact) for run in reversed(mine[-RECENT_RUNS:])]
        pages.render(
            "source.html",
            work / "sources" / f"{row.name}.html",
            title=row.name,
            root="../",
            row=row,
            svg=svgs.get(row.name, ""),
            tables=tables_of[row.name],
            recent=recent,
            logs_present={run.log for run in recent if run.log and (project.root / run.log).is_file()},
            **common,
        )
    source_of = {source.dataset: source.name for source in sources}
    for table in raw:
        pages.render(
            "table.html",
            work / "tables" / f"{table.key}.html",
            title=table.key,
            root="../",
            table=table,
            source=source_of[table.dataset],
            source_id=dbt.source_ids.get(table.key, ""),
            downstream=dbt.downstream.get(table.key, []),
            **common,
        )
    return dbt


def _read_warehouse(project: Project, target, datasets: set[str], timeout: float, redact, work: Path, draw):
    """Every read of the warehouse the site makes, under one guard (the place to point at a read
    copy of it): the raw tables here, dbt's catalog in dbt's process; `draw()` runs while dbt reads."""
    failed = dbt_docs.install_packages(project, target, redact)
    with dbt_docs.guard(project, target, timeout):
        raw = tables.read_tables(target, datasets, redact)
        running = dbt_docs.DbtDocs(error=failed) if failed else dbt_docs.start(project, target)
        try:
            drawn = draw()
        finally:
            dbt = dbt_docs.finish(running, work, redact)
    return raw, dbt, drawn


def _redacted(item, redact):
    """A row or run whose error line passed through the redactor (runs.jsonl is redacted when written;
    this covers a secret added to .env since)."""
    return replace(item, error=redact(item.error)) if item.error else item


def _swap(work: Path, site: Path) -> None:
    old = site.with_name(f".docs-old-{os.getpid()}")
    if site.exists():
        site.rename(old)
    work.rename(site)
    shutil.rmtree(old, ignore_errors=True)
