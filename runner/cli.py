"""`bin/dango`: the command line. One function per subcommand; user errors exit 2.

Exit codes: 0 success, 1 one or more sources failed (or validation found errors), 2 bad
configuration or usage.
"""

import argparse
import sys
from pathlib import Path

from runner import config, scaffold, unreferenced
from runner.errors import USAGE_EXIT_CODE, DangoError
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
    sources = config.load_sources(project)
    warn_unreferenced(project, sources)
    selected = sync.select(sources, args.names)
    if not selected:
        print("sync: no enabled sources in .dango/sources.yml; nothing to do")
        return 0
    return sync.sync(project, selected, args.lock_timeout)


def cmd_validate(args) -> int:
    """Check .dango/sources.yml without touching the warehouse. Example: bin/dango validate"""
    project = find_project(args.project_dir)
    sources = config.load_sources(project)
    warn_unreferenced(project, sources)
    print(f"{project.relative(project.sources_file)}: {len(sources)} source(s), no problems found")
    return 0


def cmd_source_list(args) -> int:
    """List the registered sources. Example: bin/dango source list"""
    project = find_project(args.project_dir)
    sources = config.load_sources(project)
    warn_unreferenced(project, sources)
    rows = [("NAME", "TYPE", "ENABLED", "MODULE:FUNCTION", "DESCRIPTION")]
    rows += [(s.name, s.type, "yes" if s.enabled else "no", f"{s.module}:{s.function}", s.description) for s in sources]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def warn_unreferenced(project, sources) -> None:
    text = unreferenced.warning(project, sources)
    if text:
        print(text, file=sys.stderr)


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
    sync.add_argument(
        "--lock-timeout",
        type=float,
        default=DEFAULT_LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for another run's warehouse lock (default: {DEFAULT_LOCK_TIMEOUT})",
    )
    sync.set_defaults(run=cmd_sync)

    validate = commands.add_parser(
        "validate", help=cmd_validate.__doc__, description=cmd_validate.__doc__, parents=[common]
    )
    validate.set_defaults(run=cmd_validate)

    source = commands.add_parser("source", help="work with sources: `source list`")
    source_commands = source.add_subparsers(dest="source_command", required=True, metavar="SUBCOMMAND")
    listing = source_commands.add_parser(
        "list", help=cmd_source_list.__doc__, description=cmd_source_list.__doc__, parents=[common]
    )
    listing.set_defaults(run=cmd_source_list)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    args.project_dir = getattr(args, "project_dir", None)
    try:
        return args.run(args)
    except DangoError as error:
        print(f"dango: error: {error}", file=sys.stderr)
        return USAGE_EXIT_CODE
    except KeyboardInterrupt:
        print("dango: interrupted", file=sys.stderr)
        return 130
