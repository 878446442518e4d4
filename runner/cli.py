"""`bin/dango`: the command line. One function per subcommand; user errors exit 2.

Exit codes: 0 success, 1 one or more sources failed (or validation found errors), 2 bad
configuration or usage. `seed` and `run` exit with dbt's code, which follows the same rule.
"""

import argparse
import sys
from pathlib import Path

from runner import config, remote_cli, scaffold, unreferenced
from runner.errors import USAGE_EXIT_CODE, DangoError
from runner.lock import LockTimeout
from runner.project import find_project

DEFAULT_LOCK_TIMEOUT = 600


def cmd_init(args) -> int:
    """Create a new, empty project. Example: bin/dango init ~/analytics"""
    written = scaffold.init(Path(args.dir))
    root = Path(args.dir).expanduser().resolve()
    print(f"created a Dango project in {root}")
    for path in written:
        print(f"  {path.relative_to(root)}")
    print("next: add a source in custom_sources/, register it in .dango/sources.yml, then `bin/dango sync`")
    return 0


def cmd_sync(args) -> int:
    """Load sources into the warehouse. Example: bin/dango sync my_api"""
    from runner import sync

    project = find_project(args.project_dir)
    sources = config.load_sources(project, remember_valid=True)
    warn_unreferenced(project, sources)
    selected = sync.select(sources, args.names)
    if not selected:
        print("sync: no enabled sources in .dango/sources.yml; nothing to do")
        return 0
    return sync.sync(project, selected, args.lock_timeout, args.timeout, args.jobs or sync.DEFAULT_JOBS)


def cmd_validate(args) -> int:
    """Check sources.yml and custom_sources/ without writing the warehouse. Example: bin/dango validate --json"""
    from runner import validate

    return validate.validate(find_project(args.project_dir), args.json)


def cmd_source_list(args) -> int:
    """List the sources, when each last loaded and how its last sync went. Example: bin/dango source list"""
    from runner import source_list

    project = find_project(args.project_dir)
    sources = config.load_sources(project)
    warn_unreferenced(project, sources)
    source_list.show(project, sources)
    return 0


def warn_unreferenced(project, sources) -> None:
    text = unreferenced.warning(project, sources)
    if text:
        print(text, file=sys.stderr)


def cmd_generate(args) -> int:
    """Write dbt staging models for the warehouse's tables. Example: bin/dango generate my_api"""
    from runner import staging, sync

    project = find_project(args.project_dir)
    sources = config.load_sources(project)
    selected = sync.select(sources, args.names) if args.names else sources
    staging.generate(project, selected, args.lock_timeout, registered=None if args.names else sources)
    return 0


def cmd_seed(args) -> int:
    """Load dbt/seeds/*.csv into the warehouse (dbt seed). Example: bin/dango seed --full-refresh"""
    from runner import dbt

    return dbt.run(find_project(args.project_dir), "seed", args.dbt_args, args.lock_timeout)


def cmd_run(args) -> int:
    """Build seeds, models and tests (dbt build); other options go to dbt. Example: bin/dango run --select marts"""
    from runner import dbt

    return dbt.run(find_project(args.project_dir), "build", args.dbt_args, args.lock_timeout)


def cmd_status(args) -> int:
    """Show each source's last run and last success. Example: bin/dango status --max-age 26h"""
    import json
    import time

    from runner import history, status

    project = find_project(args.project_dir)
    table = status.rows(config.load_sources(project), history.runs(project), time.time())
    print(json.dumps(table, indent=2) if args.json else "\n".join(status.render(table)))
    if args.max_age is None:
        return 0
    stale = status.stale(table, status.parse_age(args.max_age))
    if stale:
        print(f"stale: no success within {args.max_age} for {', '.join(stale)}", file=sys.stderr)
    return 1 if stale else 0


def cmd_migrate_warehouse(args) -> int:
    """Copy the raw data and dlt state of data/warehouse.duckdb to the warehouse sources.yml names.
    Example: bin/dango migrate-warehouse --to postgres"""
    from runner import migrate

    return migrate.migrate(find_project(args.project_dir), args.to, args.source_file)


def cmd_schedule(args) -> int:
    """Print (or --install) a systemd timer or crontab line. Example: bin/dango schedule --cron --at 02:30"""
    from runner import schedule

    project = find_project(args.project_dir)
    if args.source:
        from runner import sync

        sync.select(config.load_sources(project), [args.source])  # an unknown name is an error now, not at 2 a.m.
    transform = not args.no_transform
    if args.cron:
        line = schedule.cron_line(project, args.source, args.at, transform)
        if args.install:
            schedule.install_cron(line)
            print(f"installed in your crontab:\n{line}")
        else:
            print(line)
        return 0
    units = schedule.systemd_units(project, args.source, args.at, transform)
    if args.install:
        folder = Path(args.unit_dir).expanduser()
        for path in schedule.install_systemd(units, folder):
            print(f"wrote {path}")
        timer = next(name for name in units if name.endswith(".timer"))
        print(f"enable it with: systemctl --user daemon-reload && systemctl --user enable --now {timer}")
        return 0
    for filename, text in units.items():
        print(f"# {filename}\n{text}")
    return 0


def add_lock_timeout(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--lock-timeout",
        type=float,
        default=DEFAULT_LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for another run's warehouse lock (default: {DEFAULT_LOCK_TIMEOUT})",
    )


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--project-dir",
        default=argparse.SUPPRESS,
        help="the project root (default: $DANGO_PROJECT_DIR, else the nearest folder above with .dango/sources.yml)",
    )
    top = argparse.ArgumentParser(prog="dango", description=__doc__.splitlines()[0], parents=[common])
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help=cmd_init.__doc__, description=cmd_init.__doc__)
    init.add_argument("dir", help="folder for the new project (created if missing)")
    init.set_defaults(run=cmd_init)

    sync = commands.add_parser("sync", help=cmd_sync.__doc__, description=cmd_sync.__doc__, parents=[common])
    sync.add_argument("names", nargs="*", metavar="NAME", help="sources to sync (default: every enabled source)")
    add_lock_timeout(sync)
    sync.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="sources to run at the same time (default: twice the cores, at most 8); on a DuckDB file, loads "
        "take turns",
    )
    sync.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop any source that runs longer (default: each source's `timeout:`, else `defaults: timeout:`, "
        f"else {config.DEFAULTS['timeout']})",
    )
    sync.set_defaults(run=cmd_sync)

    validate = commands.add_parser(
        "validate", help=cmd_validate.__doc__, description=cmd_validate.__doc__, parents=[common]
    )
    validate.add_argument("--json", action="store_true", help="print the problems as JSON, for CI")
    validate.set_defaults(run=cmd_validate)

    source = commands.add_parser("source", help="work with sources: `source list`")
    source_commands = source.add_subparsers(dest="source_command", required=True, metavar="SUBCOMMAND")
    listing = source_commands.add_parser(
        "list", help=cmd_source_list.__doc__, description=cmd_source_list.__doc__, parents=[common]
    )
    listing.set_defaults(run=cmd_source_list)

    generate = commands.add_parser(
        "generate", help=cmd_generate.__doc__, description=cmd_generate.__doc__, parents=[common]
    )
    generate.add_argument("names", nargs="*", metavar="NAME", help="sources to generate (default: every source)")
    add_lock_timeout(generate)
    generate.set_defaults(run=cmd_generate)

    # allow_abbrev=False: an option dbt knows must never be taken for an abbreviation of Dango's.
    for name, function in (("seed", cmd_seed), ("run", cmd_run)):
        dbt_command = commands.add_parser(
            name,
            help=function.__doc__,
            description=f"{function.__doc__}. Options Dango does not know go to dbt; `--` ends Dango's options.",
            usage=f"dango {name} [--project-dir DIR] [--lock-timeout SECONDS] [DBT OPTION ...]",
            parents=[common],
            allow_abbrev=False,
        )
        add_lock_timeout(dbt_command)
        dbt_command.set_defaults(run=function, dbt_args=[])

    status = commands.add_parser("status", help=cmd_status.__doc__, description=cmd_status.__doc__, parents=[common])
    status.add_argument(
        "--max-age", metavar="AGE", help="exit 1 if an enabled source has not succeeded within AGE (26h)"
    )
    status.add_argument("--json", action="store_true", help="print the table as JSON")
    status.set_defaults(run=cmd_status)

    schedule = commands.add_parser(
        "schedule", help=cmd_schedule.__doc__, description=cmd_schedule.__doc__, parents=[common]
    )
    schedule.add_argument("--cron", action="store_true", help="a crontab line instead of systemd units")
    schedule.add_argument("--source", metavar="NAME", help="sync this source only (default: every enabled source)")
    schedule.add_argument("--at", default="02:00", metavar="HH:MM", help="time of day to run (default: 02:00)")
    schedule.add_argument("--no-transform", action="store_true", help="sync only; skip `bin/dango run` (dbt build)")
    schedule.add_argument("--install", action="store_true", help="write the units (or the crontab line)")
    schedule.add_argument(
        "--unit-dir",
        default="~/.config/systemd/user",
        metavar="DIR",
        help="where --install writes systemd units (default: ~/.config/systemd/user)",
    )
    schedule.set_defaults(run=cmd_schedule)

    migrate = commands.add_parser(
        "migrate-warehouse",
        help=cmd_migrate_warehouse.__doc__.splitlines()[0],
        description=cmd_migrate_warehouse.__doc__,
        parents=[common],
    )
    migrate.add_argument(
        "--to", required=True, choices=["postgres", "motherduck"], help="the engine sources.yml's warehouse now is"
    )
    migrate.add_argument(
        "--from",
        dest="source_file",
        default="data/warehouse.duckdb",
        metavar="PATH",
        help="the DuckDB file to copy from, relative to the project (default: data/warehouse.duckdb)",
    )
    migrate.set_defaults(run=cmd_migrate_warehouse)

    remote_cli.add_commands(commands, common)
    return top


def main(argv=None) -> int:
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra and not hasattr(args, "dbt_args"):
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        from runner import dbt

        args.dbt_args = dbt.passthrough(extra)
    args.project_dir = getattr(args, "project_dir", None)
    try:
        return args.run(args)
    except DangoError as error:
        print(f"dango: error: {error}", file=sys.stderr)
        return USAGE_EXIT_CODE
    except LockTimeout as error:
        print(f"dango: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dango: interrupted", file=sys.stderr)
        return 130
