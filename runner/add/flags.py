"""`source add TYPE --flag ...`: every answer of the wizard as a flag, for scripts and CI.

A flag the type needs and that is missing is an error naming it (exit 2), never a question. The
defaults are the wizard's (runner/add/answers.py), so both ways give the same entry.
"""

import argparse

from runner.add import answers as a
from runner.add.probe import url_problem
from runner.config.errors import DangoError


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source_type",
        nargs="?",
        choices=list(a.KINDS),
        metavar="TYPE",
        help="the source's type; given, every answer is a flag and nothing is asked (without it: the questions, "
        "at a terminal)",
    )
    parser.add_argument("--name", help="the source's name: lowercase letters, digits and underscores")
    api = parser.add_argument_group("rest_api")
    api.add_argument("--base-url", help="the API's address, such as https://api.example.com/v1/")
    api.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="PATH[=SELECTOR]",
        help="an endpoint path below the base URL (repeat for several), with the JSON path to its records: "
        "tickets=data",
    )
    api.add_argument("--auth", choices=list(a.AUTH_KINDS), default="none", help="how the API authenticates")
    api.add_argument("--token", help="the bearer token (written to .env, never to sources.yml)")
    api.add_argument("--api-key", help="the API key (written to .env)")
    api.add_argument("--key-name", default=a.API_KEY_NAME, help=f"the header or parameter (default: {a.API_KEY_NAME})")
    api.add_argument(
        "--key-location", choices=a.API_KEY_LOCATIONS, default=a.API_KEY_LOCATION, help="where the key is sent"
    )
    api.add_argument("--paginator", choices=list(a.PAGINATORS), default="auto", help="how pages follow each other")
    api.add_argument(
        "--paginator-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the paginator (repeat): "
        + "; ".join(f"{kind}: {', '.join(settings)}" for kind, settings in a.PAGINATORS.items() if settings),
    )
    api.add_argument("--primary-key", default="", help="the records' key: they are then merged on it")
    sql = parser.add_argument_group("sql_database")
    sql.add_argument("--kind", choices=list(a.DATABASES), help="the kind of database")
    sql.add_argument("--path", help="sqlite: the database file, relative to the project")
    sql.add_argument("--host", help="the database server, such as db.internal")
    sql.add_argument("--port", type=int, help="default: the kind's usual port")
    sql.add_argument("--database", help="the database's name")
    sql.add_argument("--username", help="also http_basic's user name")
    sql.add_argument("--password", help="also http_basic's password (written to .env, never to sources.yml)")
    sql.add_argument("--schema", help="default: public on PostgreSQL, the connection's default elsewhere")
    sql.add_argument("--table", action="append", default=[], help="a table to load (repeat; default: every table)")
    files = parser.add_argument_group("files")
    files.add_argument("--folder", help="a folder relative to the project, or s3://bucket/path")
    files.add_argument("--format", choices=a.FORMATS, help="the files' format")
    files.add_argument("--glob", default="", help="which files (default: *.FORMAT)")
    files.add_argument("--table-name", default="", help="the table (default: the source's name)")
    verified = parser.add_argument_group("verified")
    verified.add_argument("--source", help="the verified source, such as notion (its folder in the repository)")
    verified.add_argument(
        "--location", help="a git URL or local path of the verified-sources repository (default: dlt's, on GitHub)"
    )
    verified.add_argument("--branch", default="", help="a branch of that repository")
    verified.add_argument("--function", default="", help="the @dlt.source function to register (default: found)")
    parser.set_defaults(flag_defaults={action.dest: action.default for action in parser._actions})


# The flags each type takes (by argparse dest); another type's flag is an error, never ignored.
FLAGS_OF = {
    "rest_api": {"base_url", "resource", "auth", "token", "api_key", "key_name", "key_location", "paginator",
                 "paginator_option", "primary_key", "username", "password"},
    "sql_database": {"kind", "path", "host", "port", "database", "username", "password", "schema", "table"},
    "files": {"folder", "format", "glob", "table_name"},
    "verified": {"source", "location", "branch", "function"},
    "custom": set(),
}  # fmt: skip


def from_flags(args: argparse.Namespace, default_location: str) -> a.Answers:
    """The answers the flags give; DangoError naming the first flag the type needs and lacks."""
    kind = args.source_type
    refuse_others(args)
    details: a.Details
    if kind == "rest_api":
        details = rest_api(args)
    elif kind == "sql_database":
        details = sql_database(args)
    elif kind == "files":
        details = a.Files(need(args, "folder"), need(args, "format"), args.glob, args.table_name)
    elif kind == "verified":
        details = a.Verified(need(args, "source"), args.location or default_location, args.branch, args.function)
    else:
        details = a.Custom()
    return a.Answers(need(args, "name"), details)


def given(args: argparse.Namespace) -> list[str]:
    """The answer flags given on the command line, by argparse dest."""
    answers = {"name", *set().union(*FLAGS_OF.values())}
    return sorted(dest for dest in answers if getattr(args, dest) != args.flag_defaults[dest])


def refuse_others(args: argparse.Namespace) -> None:
    """DangoError for a flag given that belongs to another type (`files ... --table orders`)."""
    mine = FLAGS_OF[args.source_type]
    others = [dest for dest in given(args) if dest != "name" and dest not in mine]
    if others:
        takes = ", ".join(map(option, sorted(mine))) or "only --name"
        raise DangoError(
            f"source add {args.source_type}: {option(others[0])} is not one of its flags; it takes {takes}"
        )


def option(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def need(args: argparse.Namespace, flag: str):
    value = getattr(args, flag)
    if value in (None, "", []):
        raise DangoError(
            f"source add {args.source_type}: missing {option(flag)}; give it on the command line "
            f"(`bin/dango help source add` lists the flags), or run `bin/dango source add` at a terminal for questions"
        )
    return value


def rest_api(args: argparse.Namespace) -> a.RestApi:
    base_url = need(args, "base_url")
    problem = url_problem(base_url)
    if problem:
        raise DangoError(f"source add rest_api: --base-url {base_url!r}: {problem}")
    endpoints = tuple(a.Endpoint(*item.split("=", 1)) for item in need(args, "resource"))
    if not all(endpoint.path.strip("/") for endpoint in endpoints):
        raise DangoError(
            "source add rest_api: a --resource without a path; write PATH or PATH=SELECTOR, such as orders"
        )
    auth = None
    if args.auth == "bearer":
        auth = a.Auth("bearer", need(args, "token"))
    elif args.auth == "api_key":
        auth = a.Auth("api_key", need(args, "api_key"), key_name=args.key_name, location=args.key_location)
    elif args.auth == "http_basic":
        auth = a.Auth("http_basic", need(args, "password"), username=need(args, "username"))
    return a.RestApi(base_url, endpoints, auth, args.paginator, paginator_settings(args), args.primary_key)


def paginator_settings(args: argparse.Namespace) -> dict:
    defaults = a.PAGINATORS[args.paginator]
    settings = dict(defaults)
    for item in args.paginator_option:
        key, equals, value = item.partition("=")
        if not equals or key not in defaults:
            known = ", ".join(defaults) or "none"
            raise DangoError(
                f"source add rest_api: --paginator-option {item!r} is not a setting of the {args.paginator} "
                f"paginator; its settings: {known} (write KEY=VALUE)"
            )
        try:
            settings[key] = a.typed_setting(defaults[key], value)
        except ValueError:
            raise DangoError(
                f"source add rest_api: --paginator-option {key} takes a whole number, not {value!r}"
            ) from None
    return settings


def sql_database(args: argparse.Namespace) -> a.SqlDatabase:
    kind = need(args, "kind")
    schema = args.schema if args.schema is not None else a.DEFAULT_SCHEMAS.get(kind, "")
    if kind == "sqlite":
        return a.SqlDatabase("sqlite", path=need(args, "path"), schema=schema, tables=tuple(args.table))
    return a.SqlDatabase(
        kind,
        host=need(args, "host"),
        port=args.port or a.DATABASES[kind],
        database=need(args, "database"),
        username=need(args, "username"),
        password=args.password or "",
        schema=schema,
        tables=tuple(args.table),
    )
