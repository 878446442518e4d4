"""The command line of `dango remote ...` (deploy to and run on a server) and `dango logs`.

One function per subcommand, as in runner/cli.py, which adds these with `add_commands`.
"""

import argparse

from runner import remote_config
from runner.project import find_project


def cmd_logs(args) -> int:
    """Show the end of each source's last run's log. Example: bin/dango logs --source my_api -n 100"""
    from runner import logs

    return logs.show(find_project(args.project_dir), args.source, args.lines)


def cmd_push(args) -> int:
    """Deploy the project to the server as a new release. Example: bin/dango remote push --dry-run"""
    from runner import push

    project = find_project(args.project_dir)
    return push.push(project, remote_config.load(project), args.dry_run, args.yes, args.allow_dirty)


def cmd_remote_sync(args) -> int:
    """Run `bin/dango sync` on the server. Example: bin/dango remote sync my_api"""
    command = ["sync", *args.names]
    for option in ("jobs", "timeout", "lock_timeout"):
        value = getattr(args, option)
        if value is not None:
            command += [f"--{option.replace('_', '-')}", str(value)]
    return on_server(args, command)


def cmd_remote_status(args) -> int:
    """Run `bin/dango status` on the server. Example: bin/dango remote status --max-age 26h"""
    command = ["status", *(["--max-age", args.max_age] if args.max_age else []), *(["--json"] if args.json else [])]
    return on_server(args, command, header=True)


def cmd_remote_logs(args) -> int:
    """Run `bin/dango logs` on the server. Example: bin/dango remote logs --source my_api"""
    command = ["logs", "-n", str(args.lines), *(arg for name in args.source for arg in ("--source", name))]
    return on_server(args, command)


def on_server(args, command: list[str], header: bool = False) -> int:
    from runner import remote

    return remote.run(remote_config.load(find_project(args.project_dir)), command, header)


def add_logs_options(parser: argparse.ArgumentParser) -> None:
    from runner.logs import DEFAULT_LINES

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


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    """Add `logs` and `remote` to the subcommands of the top-level parser."""
    logs = commands.add_parser("logs", help=cmd_logs.__doc__, description=cmd_logs.__doc__, parents=[common])
    add_logs_options(logs)
    logs.set_defaults(run=cmd_logs)

    remote = commands.add_parser(
        "remote", help="deploy to the server of .dango/remote.yml and run there: `remote push|sync|status|logs`"
    )
    remote_commands = remote.add_subparsers(dest="remote_command", required=True, metavar="SUBCOMMAND")

    def subcommand(name: str, function) -> argparse.ArgumentParser:
        parser = remote_commands.add_parser(name, help=function.__doc__, description=function.__doc__, parents=[common])
        parser.set_defaults(run=function)
        return parser

    push = subcommand("push", cmd_push)
    push.add_argument("--dry-run", action="store_true", help="list what would be copied and change nothing")
    push.add_argument("--yes", "-y", action="store_true", help="deploy without asking (CI, scripts)")
    push.add_argument(
        "--allow-dirty", action="store_true", help="push a git checkout with uncommitted changes to pushed files"
    )

    sync = subcommand("sync", cmd_remote_sync)
    sync.add_argument("names", nargs="*", metavar="NAME", help="sources to sync (default: every enabled source)")
    sync.add_argument("--jobs", "-j", type=int, metavar="N", help="as for `bin/dango sync`")
    sync.add_argument("--timeout", type=float, metavar="SECONDS", help="as for `bin/dango sync`")
    sync.add_argument("--lock-timeout", type=float, metavar="SECONDS", help="as for `bin/dango sync`")

    status = subcommand("status", cmd_remote_status)
    status.add_argument("--max-age", metavar="AGE", help="exit 1 if an enabled source has not succeeded within AGE")
    status.add_argument("--json", action="store_true", help="print the table as JSON")

    add_logs_options(subcommand("logs", cmd_remote_logs))
