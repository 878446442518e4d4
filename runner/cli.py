"""Dango loads your data into one warehouse and keeps it fresh: each source is a Python function written
with dlt (an API, a database, files), loaded into a DuckDB file (or PostgreSQL, or MotherDuck), and dbt
builds staging and mart tables from what came in. Run it by hand, or every night from cron.

This module is the command line (`bin/dango COMMAND`): one function per command, each registered
with `@command` beside a function that adds its options. Every command returns its exit code; an
error a user can fix is a `DangoError` whose class carries the code (see runner/config/errors.py).
Commands import their package on call, so `bin/dango status` never pays for dlt or DuckDB.
"""

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

from runner.config.errors import DangoError
from runner.config.project import find_project

DEFAULT_LOCK_TIMEOUT = 600
Command = Callable[[argparse.Namespace], int]
Options = Callable[[argparse.ArgumentParser], None]
# (name, function, options, aliases, takes dbt's options): in the order `--help` lists them.
COMMANDS: list[tuple[str, Command, Options, tuple[str, ...], bool]] = []
# Commands that hand every argument after their name to another program, untouched (args.rest).
PASSTHROUGH = ("python", "dbt", "dlt")
EPILOG = """start: `dango init DIR` makes a project; `dango source add` adds a source (or write one in
custom_sources/ and register it in .dango/sources.yml), then `dango sync` loads it and `dango transform`
runs dbt. `dango help COMMAND` explains a command. Docs: docs/your-own-project.md and README.md in
Dango's folder."""
GROUPS = {
    "source": "work with sources: `source list|add|test|remove|drop`",
    "state": "see and change the incremental cursors dlt saved for a source: `state show|reset|set`",
    "remote": "deploy to the server of .dango/remote.yml and run there: `remote push|sync|status|logs`",
}


def command(name: str, options: Options = lambda parser: None, aliases: tuple[str, ...] = (), dbt: bool = False):
    """Register a command; `name` may be "group sub" (`source list`)."""

    def register(function: Command) -> Command:
        COMMANDS.append((name, function, options, aliases, dbt))
        return function

    return register


def add_lock_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=DEFAULT_LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for another run's warehouse lock (default: {DEFAULT_LOCK_TIMEOUT})",
    )


def positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds above zero (not 0, -1, nan or inf)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds, such as 1800")
    return seconds


def add_names(parser: argparse.ArgumentParser, what: str = "sync") -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"sources to {what} (default: every enabled source)")


def init_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", help="folder for the new project (created if missing)")


@command("init", init_options)
def cmd_init(args) -> int:
    """Create a new, empty project. Example: bin/dango init ~/analytics"""
    from runner.config import scaffold
    from runner.config.dango_copy import version

    written = scaffold.init(Path(args.dir))
    root = Path(args.dir).expanduser().resolve()
    print(f"created a Dango project in {root}")
    for path in written:
        print(f"  {path.relative_to(root)}")
    print(f"  bin/, runner/, schema/, Makefile: its own copy of Dango {version()}")
    print(
        f"next: cd {root}, add a source with `bin/dango source add` (or write one in custom_sources/ and register "
        "it in .dango/sources.yml), then `make sync` "
        "(the first run installs the project's .venv, a minute or two)"
    )
    return 0


def sync_options(parser: argparse.ArgumentParser) -> None:
    from runner.config.sources_yml import DEFAULTS

    add_names(parser)
    add_lock_timeout(parser)
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="sources to run at the same time (default: twice the cores, at most 8); on a DuckDB file, loads "
        "take turns",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help="stop any source that runs longer (default: each source's `timeout:`, else `defaults: timeout:`, "
        f"else {DEFAULTS['timeout']})",
    )
    add_sync_modes(parser)


def add_sync_modes(parser: argparse.ArgumentParser) -> None:
    """What one source's sync may do beyond loading what is new (docs/when-data-goes-wrong.md)."""
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="reload the source from scratch, tables and cursors; the old ones stay until the new load is complete",
    )
    parser.add_argument(
        "--resource",
        action="extend",
        nargs="+",
        default=[],
        metavar="R",
        help="only these resources (tables) of the one source named, such as: sync shop --resource orders; "
        "with --full-refresh or --since, refresh or backfill only these",
    )
    parser.add_argument("--since", metavar="X", help="backfill the window from X (the cursor's type) without moving it")
    parser.add_argument("--until", metavar="Y", help="end of the --since window, excluded (default: the saved cursor)")


@command("sync", sync_options)
def cmd_sync(args) -> int:
    """Load sources into the warehouse. Example: bin/dango sync my_api --full-refresh"""
    from runner.config.sources_yml import load_sources
    from runner.sync import options, orphans, parent

    wanted = options.SyncOptions(args.full_refresh, tuple(args.resource), args.since, args.until)
    options.check(wanted, args.names)
    project = find_project(args.project_dir)
    sources = load_sources(project, remember_valid=True)
    warn_unreferenced(project, sources)
    selected = parent.select(sources, args.names)
    if not selected:
        print("sync: no enabled sources in .dango/sources.yml; nothing to do")
        return 0
    jobs = args.jobs or parent.DEFAULT_JOBS
    new = orphans.first_runs(project, selected)
    code = parent.sync(project, selected, args.lock_timeout, args.timeout, jobs, wanted)
    orphans.report(project, sources, new, args.lock_timeout)
    return code


def validate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the problems as JSON, for CI")


@command("validate", validate_options)
def cmd_validate(args) -> int:
    """Check sources.yml and custom_sources/ without writing the warehouse. Example: bin/dango validate --json"""
    from runner.validate import checks

    return checks.validate(find_project(args.project_dir), args.json)


@command("source list")
def cmd_source_list(args) -> int:
    """List the sources, when each last loaded and how its last sync went. Example: bin/dango source list"""
    from runner.config.sources_yml import load_sources
    from runner.report import source_list

    project = find_project(args.project_dir)
    sources = load_sources(project)
    warn_unreferenced(project, sources)
    source_list.show(project, sources)
    return 0


def source_add_options(parser: argparse.ArgumentParser) -> None:
    from runner.add import flags

    flags.add_options(parser)


@command("source add", source_add_options)
def cmd_source_add(args) -> int:
    """Add a source to .dango/sources.yml: questions at a terminal, or every answer as a flag.
    Example: bin/dango source add rest_api --name shop --base-url https://api.example.com/ --resource orders"""
    from runner.add import command

    return command.add(find_project(args.project_dir), args)


def one_source(args):
    """The project and the source named by `args.name`: an unknown name is an error listing the known ones."""
    from runner.config.sources_yml import load_sources
    from runner.sync.parent import select

    project = find_project(args.project_dir)
    return project, select(load_sources(project), [args.name])[0]


def source_test_options(parser: argparse.ArgumentParser) -> None:
    from runner.sync.trial import DEFAULT_ROWS

    parser.add_argument("name", metavar="NAME", help="the source")
    parser.add_argument(
        "--rows",
        type=positive_rows,
        default=DEFAULT_ROWS,
        metavar="N",
        help=f"at most N rows per resource (default: {DEFAULT_ROWS})",
    )


def positive_rows(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of rows of 1 or more")
    return int(text)


@command("source test", source_test_options)
def cmd_source_test(args) -> int:
    """Run a source for real, a few rows per resource, into a throwaway DuckDB file, and show what it loads.
    Its tables, typed columns and first rows, or why it fails; the warehouse and data/ are never touched,
    and it runs beside a sync. Example: bin/dango source test shop --rows 5"""
    from runner.sync import trial

    project, source = one_source(args)
    return trial.try_source(project, source, args.rows)


def source_remove_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the source (registered, or one whose data is left)")
    parser.add_argument(
        "--drop-data",
        action="store_true",
        help="also drop its raw_NAME dataset, its dlt state and working folder, and its generated staging models",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="drop without asking (scripts)")
    add_lock_timeout(parser)


@command("source remove", source_remove_options)
def cmd_source_remove(args) -> int:
    """Remove a source from .dango/sources.yml; with --drop-data, its data, state and generated models too.
    Example: bin/dango source remove shop --drop-data"""
    from runner.sync import removal

    project = find_project(args.project_dir)
    return removal.remove(project, args.name, args.drop_data, args.yes, args.lock_timeout)


def change_options(parser: argparse.ArgumentParser, resource_help: str, required: bool = False) -> None:
    parser.add_argument("name", metavar="NAME", help="the source")
    parser.add_argument("--resource", action="append", default=[], required=required, metavar="R", help=resource_help)
    parser.add_argument("--yes", "-y", action="store_true", help="change without asking (scripts)")
    add_lock_timeout(parser)


def source_drop_options(parser: argparse.ArgumentParser) -> None:
    change_options(parser, "the resource to drop (repeat for several)", required=True)


@command("source drop", source_drop_options)
def cmd_source_drop(args) -> int:
    """Drop a resource's tables (child tables too), its saved state and its generated staging models.
    Example: bin/dango source drop shop --resource orders"""
    from runner.sync import state

    project, source = one_source(args)
    return state.drop_resource(project, source, args.resource, args.yes, args.lock_timeout)


def state_show_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the source")
    parser.add_argument("--json", action="store_true", help="print the cursors as JSON")
    add_lock_timeout(parser)


@command("state show", state_show_options)
def cmd_state_show(args) -> int:
    """Show each resource's incremental cursor, its last load, and where the state is kept.
    Example: bin/dango state show shop --json"""
    from runner.sync import state

    project, source = one_source(args)
    return state.show(project, source, args.json, args.lock_timeout)


def state_reset_options(parser: argparse.ArgumentParser) -> None:
    change_options(parser, "this resource only (repeat for several; default: every resource)")


@command("state reset", state_reset_options)
def cmd_state_reset(args) -> int:
    """Forget the saved cursors: the next sync starts from the initial values; the data stays.
    Example: bin/dango state reset shop --resource orders"""
    from runner.sync import state

    project, source = one_source(args)
    return state.reset(project, source, args.resource, args.yes, args.lock_timeout)


def state_set_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the source")
    parser.add_argument("--resource", required=True, metavar="R", help="the resource whose cursor moves")
    parser.add_argument("--cursor", required=True, metavar="VALUE", help="the new last value, typed like the cursor")
    parser.add_argument("--yes", "-y", action="store_true", help="change without asking (scripts)")
    add_lock_timeout(parser)


@command("state set", state_set_options)
def cmd_state_set(args) -> int:
    """Move a resource's saved cursor: the next sync asks for what follows VALUE.
    Example: bin/dango state set shop --resource orders --cursor 2024-02-01"""
    from runner.sync import state

    project, source = one_source(args)
    return state.set_cursor(project, source, args.resource, args.cursor, args.yes, args.lock_timeout)


def warn_unreferenced(project, sources) -> None:
    from runner.validate import unreferenced

    text = unreferenced.warning(project, sources)
    if text:
        print(text, file=sys.stderr)


def generate_options(parser: argparse.ArgumentParser) -> None:
    add_names(parser, "generate")
    add_lock_timeout(parser)


@command("generate", generate_options)
def cmd_generate(args) -> int:
    """Write dbt staging models for the warehouse's tables. Example: bin/dango generate my_api"""
    from runner.config.sources_yml import load_sources
    from runner.sync.parent import select
    from runner.transform import staging

    project = find_project(args.project_dir)
    sources = load_sources(project)
    selected = select(sources, args.names) if args.names else sources
    staging.generate(project, selected, args.lock_timeout, registered=None if args.names else sources)
    return 0


@command("seed", add_lock_timeout, dbt=True)
def cmd_seed(args) -> int:
    """Load dbt/seeds/*.csv into the warehouse (dbt seed). Example: bin/dango seed --full-refresh"""
    from runner.transform import dbt

    return dbt.run(find_project(args.project_dir), "seed", args.dbt_args, args.lock_timeout)


@command("transform", add_lock_timeout, aliases=("run",), dbt=True)
def cmd_transform(args) -> int:
    """Build seeds, models and tests (dbt build). Example: bin/dango transform --select marts"""
    from runner.transform import dbt

    return dbt.run(find_project(args.project_dir), "build", args.dbt_args, args.lock_timeout)


def query_options(parser: argparse.ArgumentParser) -> None:
    from runner.report.query import DEFAULT_LIMIT

    parser.add_argument("sql", metavar="SQL", help="the query, quoted as one argument")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--csv", dest="output", action="store_const", const="csv", help="print CSV, for scripts")
    output.add_argument("--json", dest="output", action="store_const", const="json", help="print JSON, for scripts")
    add_limit(parser, DEFAULT_LIMIT)


def add_limit(parser: argparse.ArgumentParser, default: int) -> None:
    parser.add_argument(
        "--limit", type=row_count, default=default, metavar="N", help=f"rows shown, 0 for all (default: {default})"
    )


def row_count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of rows (0 for all)")
    return int(text)


@command("query", query_options)
def cmd_query(args) -> int:
    """Print a query's result, read-only; never delays a sync. Example: bin/dango query "from raw_my_api.items\""""
    from runner import warehouse
    from runner.report import query

    return query.query(warehouse.for_project(find_project(args.project_dir)), args.sql, args.output, args.limit)


def shell_options(parser: argparse.ArgumentParser) -> None:
    from runner.report.query import DEFAULT_LIMIT

    add_limit(parser, DEFAULT_LIMIT)


@command("shell", shell_options)
def cmd_shell(args) -> int:
    """An interactive SQL prompt on the warehouse's read copy, read-only. Example: bin/dango shell"""
    from runner import warehouse
    from runner.report import shell

    return shell.shell(warehouse.for_project(find_project(args.project_dir)), args.limit)


def status_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-age", metavar="AGE", help="exit 1 if an enabled source has not succeeded within AGE (26h)"
    )
    parser.add_argument("--json", action="store_true", help="print the table as JSON")


@command("status", status_options)
def cmd_status(args) -> int:
    """Show each source's last run and last success. Example: bin/dango status --max-age 26h"""
    import json
    import time

    from runner.config.sources_yml import load_sources
    from runner.report import status
    from runner.sync import history

    project = find_project(args.project_dir)
    table = status.rows(load_sources(project), history.runs(project), time.time())
    print(json.dumps(table, indent=2) if args.json else "\n".join(status.render(table)))
    if args.max_age is None:
        return 0
    stale = status.stale(table, status.parse_age(args.max_age))
    if stale:
        print(f"stale: no success within {args.max_age} for {', '.join(stale)}", file=sys.stderr)
    return 1 if stale else 0


def docs_options(parser: argparse.ArgumentParser) -> None:
    add_lock_timeout(parser)
    parser.add_argument(
        "--max-age",
        metavar="AGE",
        help="mark sources with no success within AGE stale (default: sources.yml `docs: max_age:`, else 26h)",
    )
    parser.add_argument("--serve", action="store_true", help="then serve the site on 127.0.0.1 until Ctrl-C")
    parser.add_argument("--port", type=int, default=8000, help="the port of --serve (default: 8000)")
    parser.add_argument(
        "--after-all", action="store_true", help="build only if sources.yml says `docs: after_all: true` (make all)"
    )


@command("docs", docs_options)
def cmd_docs(args) -> int:
    """Build the browsable site in data/docs: sources, runs, tables, dbt models. Example: bin/dango docs --serve"""
    from runner.config.sources_yml import load_docs, load_sources
    from runner.docs import build, serve

    project = find_project(args.project_dir)
    settings = load_docs(project)
    if args.after_all and not settings["after_all"]:
        return 0
    max_age = str(args.max_age or settings["max_age"])
    built = build.build(project, load_sources(project), max_age, args.lock_timeout)
    print(
        f"docs: built {project.relative(built.index)} in {built.seconds:.1f}s (dbt docs generate "
        f"{built.dbt_seconds:.1f}s of it); open file://{built.index}"
    )
    if built.dbt_error:
        print(f"docs: dbt's documentation is missing: {built.dbt_error}", file=sys.stderr)
    if args.serve:
        serve.serve(project, args.port)
    return 1 if built.dbt_error else 0


def logs_options(parser: argparse.ArgumentParser) -> None:
    from runner.sync.logs import DEFAULT_LINES

    parser.add_argument(
        "--source", action="append", default=[], metavar="NAME", help="this source only (repeat for several)"
    )
    parser.add_argument(
        "-n",
        "--lines",
        type=int,
        default=DEFAULT_LINES,
        metavar="N",
        help=f"the last N lines of each log, 0 for all (default: {DEFAULT_LINES})",
    )


@command("logs", logs_options)
def cmd_logs(args) -> int:
    """Show the end of each source's last run's log. Example: bin/dango logs --source my_api -n 100"""
    from runner.sync import logs

    return logs.show(find_project(args.project_dir), args.source, args.lines)


def schedule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cron", action="store_true", help="a crontab line instead of systemd units")
    parser.add_argument("--source", metavar="NAME", help="sync this source only (default: every enabled source)")
    parser.add_argument("--at", default="02:00", metavar="HH:MM", help="time of day to run (default: 02:00)")
    parser.add_argument("--no-transform", action="store_true", help="sync only; skip `bin/dango transform`")
    parser.add_argument("--install", action="store_true", help="write the units (or the crontab line)")
    parser.add_argument(
        "--unit-dir",
        default="~/.config/systemd/user",
        metavar="DIR",
        help="where --install writes systemd units (default: ~/.config/systemd/user)",
    )


@command("schedule", schedule_options)
def cmd_schedule(args) -> int:
    """Print (or --install) a systemd timer or crontab line. Example: bin/dango schedule --cron --at 02:30"""
    from runner import schedule
    from runner.config.sources_yml import load_sources
    from runner.sync.parent import select

    project = find_project(args.project_dir)
    if args.source:
        select(load_sources(project), [args.source])  # an unknown name is an error now, not at 2 a.m.
    transform = not args.no_transform
    if args.cron:
        line = schedule.cron_line(project, args.source, args.at, transform)
        if args.install:
            stable = schedule.stable(project)
            schedule.install_cron(line, schedule.unit_name(stable, args.source, legacy=True), stable.root)
            print(f"installed in your crontab:\n{line}")
        else:
            print(line)
        return 0
    units = schedule.systemd_units(project, args.source, args.at, transform)
    if args.install:
        folder = Path(args.unit_dir).expanduser()
        stable = schedule.stable(project)
        legacy = schedule.unit_name(stable, args.source, legacy=True)
        for path in schedule.install_systemd(units, folder, legacy, stable.root):
            print(f"wrote {path}")
        timer = next(name for name in units if name.endswith(".timer"))
        print(f"enable it with: systemctl --user daemon-reload && systemctl --user enable --now {timer}")
        return 0
    for filename, text in units.items():
        print(f"# {filename}\n{text}")
    return 0


@command("upgrade")
def cmd_upgrade(args) -> int:
    """Replace the project's copy of Dango with this Dango's files.
    Run the newer Dango's bin/dango from the project. Example: ~/dango/bin/dango upgrade"""
    from runner.config import dango_copy

    return dango_copy.upgrade_and_report(find_project(args.project_dir))


def install_command_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default="~/.local/bin", help="where to write it (default: ~/.local/bin)")


@command("install-command", install_command_options)
def cmd_install_command(args) -> int:
    """Put a `dango` command on PATH that runs the bin/dango of the project you are in.
    Example: bin/dango install-command --dir ~/bin"""
    from runner.config import launcher

    path = launcher.install(Path(args.dir))
    print(f"wrote {path}: `dango` runs the bin/dango of the project you are in")
    if not launcher.on_path(path.parent):
        print(f'note: {path.parent} is not on your PATH; add `export PATH="{path.parent}:$PATH"` to ~/.profile')
    return 0


@command("python")
def cmd_python(args) -> int:
    """Run the project's Python, with .env and .dlt/ as a sync has them.
    Every argument goes to python. Example: bin/dango python custom_sources/my_api.py"""
    from runner.sync import tools

    return tools.python(find_project(args.project_dir), args.rest)


@command("dbt")
def cmd_dbt(args) -> int:
    """Run dbt's own command line on the project's dbt/ folder and warehouse.
    Every argument goes to dbt; a command that opens the warehouse holds its lock. Example: bin/dango dbt ls"""
    from runner.transform import dbt_cli

    return dbt_cli.run(find_project(args.project_dir), args.rest, DEFAULT_LOCK_TIMEOUT)


@command("dlt")
def cmd_dlt(args) -> int:
    """Run dlt's own command line in the project, on its pipelines in data/pipelines.
    Every argument goes to dlt. Example: bin/dango dlt pipeline my_api info"""
    from runner.sync import tools

    return tools.dlt(find_project(args.project_dir), args.rest, DEFAULT_LOCK_TIMEOUT)


def migrate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to", required=True, choices=["postgres", "motherduck"], help="the engine sources.yml's warehouse now is"
    )
    parser.add_argument(
        "--from",
        dest="source_file",
        default="data/warehouse.duckdb",
        metavar="PATH",
        help="the DuckDB file to copy from, relative to the project (default: data/warehouse.duckdb)",
    )


@command("migrate-warehouse", migrate_options)
def cmd_migrate_warehouse(args) -> int:
    """Copy the raw data and dlt state of data/warehouse.duckdb to the warehouse sources.yml names.
    Example: bin/dango migrate-warehouse --to postgres"""
    from runner.warehouse import migrate

    return migrate.migrate(find_project(args.project_dir), args.to, args.source_file)


def push_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="list what would be copied and change nothing")
    parser.add_argument("--yes", "-y", action="store_true", help="deploy without asking (CI, scripts)")
    parser.add_argument(
        "--allow-dirty", action="store_true", help="push a git checkout with uncommitted changes to pushed files"
    )


@command("remote push", push_options)
def cmd_remote_push(args) -> int:
    """Deploy the project to the server as a new release. Example: bin/dango remote push --dry-run"""
    from runner.config import remote_yml
    from runner.remote import push

    project = find_project(args.project_dir)
    return push.push(project, remote_yml.load(project), args.dry_run, args.yes, args.allow_dirty)


def remote_sync_options(parser: argparse.ArgumentParser) -> None:
    add_names(parser)
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="as for `bin/dango sync`")
    parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS", help="as for `bin/dango sync`")
    parser.add_argument("--lock-timeout", type=float, metavar="SECONDS", help="as for `bin/dango sync`")
    add_sync_modes(parser)


@command("remote sync", remote_sync_options)
def cmd_remote_sync(args) -> int:
    """Run `bin/dango sync` on the server. Example: bin/dango remote sync my_api"""
    command = ["sync", *args.names, *(["--full-refresh"] if args.full_refresh else [])]
    command += [arg for resource in args.resource for arg in ("--resource", resource)]
    for option in ("jobs", "timeout", "lock_timeout", "since", "until"):
        value = getattr(args, option)
        if value is not None:
            command += [f"--{option.replace('_', '-')}", str(value)]
    return on_server(args, command)


@command("remote status", status_options)
def cmd_remote_status(args) -> int:
    """Run `bin/dango status` on the server. Example: bin/dango remote status --max-age 26h"""
    command = ["status", *(["--max-age", args.max_age] if args.max_age else []), *(["--json"] if args.json else [])]
    return on_server(args, command, header=True)


@command("remote logs", logs_options)
def cmd_remote_logs(args) -> int:
    """Run `bin/dango logs` on the server. Example: bin/dango remote logs --source my_api"""
    command = ["logs", "-n", str(args.lines), *(arg for name in args.source for arg in ("--source", name))]
    return on_server(args, command)


def on_server(args, command: list[str], header: bool = False) -> int:
    from runner.config import remote_yml
    from runner.remote import on_server

    return on_server.run(remote_yml.load(find_project(args.project_dir)), command, header)


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--project-dir",
        default=argparse.SUPPRESS,
        help="the project root (default: $DANGO_PROJECT_DIR, else the nearest folder above with .dango/sources.yml)",
    )
    description = __doc__.split("\n\n")[0].replace("\n", " ")
    top = argparse.ArgumentParser(prog="dango", description=description, epilog=EPILOG, parents=[common])
    top.add_argument("--version", action=VersionAction, help="print Dango's version and the commit it came from")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for name, function, options, aliases, dbt in COMMANDS:
        group, _, sub = name.rpartition(" ")
        if group and group not in groups:
            holder = commands.add_parser(group, help=GROUPS[group])
            groups[group] = holder.add_subparsers(dest=f"{group}_command", required=True, metavar="SUBCOMMAND")
        doc = (function.__doc__ or "").strip()
        usage = None
        if dbt:
            doc = doc.replace(". Example", ". Options Dango does not know go to dbt; `--` ends Dango's. Example")
            usage = f"dango {sub} [--project-dir DIR] [--lock-timeout SECONDS] [DBT OPTION ...]"
        if name in PASSTHROUGH:
            usage = f"dango [--project-dir DIR] {name} [{name.upper()} ARGUMENT ...]"
        subparser = (groups[group] if group else commands).add_parser(
            sub,
            help=doc.splitlines()[0],
            description=doc,
            parents=[] if name in ("init", "install-command") else [common],
            aliases=list(aliases),
            usage=usage,
            # Never take an option dbt knows for an abbreviation of one of Dango's.
            allow_abbrev=not dbt,
            add_help=name not in PASSTHROUGH,  # `dango dbt --help` is dbt's
        )
        options(subparser)
        subparser.set_defaults(run=function, **({"dbt_args": []} if dbt else {}))
    return top


class VersionAction(argparse.Action):
    """--version, with the commit read only when asked for."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from runner.config.dango_copy import version

        print(f"dango {version()}")
        parser.exit()


def split_passthrough(argv: list[str]) -> tuple[list[str], list[str]]:
    """Dango's arguments up to a passthrough command's name, and the rest, for that program."""
    i = 0
    while i < len(argv):
        if argv[i] == "--project-dir":
            i += 2
        elif argv[i].startswith("--project-dir="):
            i += 1
        else:
            break
    if i < len(argv) and argv[i] in PASSTHROUGH:
        return argv[: i + 1], argv[i + 1 :]
    return argv, []


def main(argv=None) -> int:
    top = parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv in ([], ["help"]):
        top.print_help()
        return 0
    if argv[0] == "help" and argv[1:2] and argv[1] in PASSTHROUGH:
        doc = next(function.__doc__ for name, function, *_ in COMMANDS if name == argv[1])
        print(f"usage: dango [--project-dir DIR] {argv[1]} [ARGUMENT ...]\n\n{doc}")
        return 0
    if argv[0] == "help":
        argv = [*argv[1:], "--help"]
    argv, rest = split_passthrough(argv)
    args, extra = top.parse_known_args(argv)
    args.rest = rest
    if extra and not hasattr(args, "dbt_args"):
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        from runner.transform import dbt

        args.dbt_args = dbt.passthrough(extra)
    args.project_dir = getattr(args, "project_dir", None)
    try:
        return args.run(args)
    except DangoError as error:
        print(f"dango: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("dango: interrupted", file=sys.stderr)
        return 130
