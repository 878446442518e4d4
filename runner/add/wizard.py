"""`source add` at a terminal: the questions, with questionary (prompt_toolkit), each checked as it is
answered. The name comes first, so a name in use is refused before anything else is asked; then the
type, then only that type's questions, with the defaults of runner/add/answers.py. An address that
does not answer, or a database that does not connect, is said at its question with the choice to fix
it. Ctrl-C raises KeyboardInterrupt out of any question (`unsafe_ask`), before anything is written.
"""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import questionary
from questionary import Choice

from runner.add import answers as a
from runner.add import probe
from runner.config.errors import DangoError


def ask(root: Path, existing: list[str], default_location: str) -> a.Answers:
    """Every answer, asked at the terminal."""
    name = text("Name of the new source (its tables go to raw_<name>):", check=lambda n: a.name_problem(n, existing))
    kind = select("What kind of source?", a.KINDS)
    details: a.Details
    if kind == "rest_api":
        details = rest_api(name)
    elif kind == "sql_database":
        details = sql_database(root, name)
    elif kind == "files":
        details = files(root, name)
    elif kind == "verified":
        details = verified_source(root, name, default_location)
    else:
        details = a.Custom()
    return a.Answers(name, details)


def text(message: str, default: str = "", check: Callable[[str], str | None] | None = None) -> str:
    """A line of text, stripped; `check` returns why an answer is refused (shown under the question)."""

    def validate(answer: str) -> bool | str:
        return (check(answer.strip()) if check else None) or True

    return questionary.text(message, default=default, validate=validate).unsafe_ask().strip()


def required(what: str) -> Callable[[str], str | None]:
    return lambda answer: None if answer else f"{what} is needed"


def secret(message: str) -> str:
    return questionary.password(message, validate=lambda s: bool(s) or "type it (nothing is shown)").unsafe_ask()


def select(message: str, choices: dict[str, str], default: str | None = None) -> str:
    options = [Choice(title, value=value) for value, title in choices.items()]
    return questionary.select(message, choices=options, default=default).unsafe_ask()


def fix_or_keep(problem: str, keep: str) -> bool:
    """True to ask again, False to keep the answer as it is."""
    return select(problem, {"fix": "Type it again", "keep": keep}) == "fix"


def rest_api(name: str) -> a.RestApi:
    base_url, reachable = "", False
    while not reachable:
        base_url = text("Base URL of the API:", default=base_url, check=probe.url_problem)
        problem = probe.unreachable(base_url)
        reachable = not problem
        if problem and not fix_or_keep(problem, "Keep it (the API is not reachable from here)"):
            break
    paths = text(
        "Endpoint paths below the base URL, separated by commas (such as orders, customers):",
        check=required("an endpoint path"),
    )
    endpoints = tuple(
        a.Endpoint(path, text(f"JSON path to the records of {path} (empty: dlt finds the list itself):"))
        for path in (part.strip() for part in paths.split(","))
        if path
    )
    while True:
        auth = ask_auth(name)
        problem = probe.refused(base_url, endpoints[0].path, auth) if reachable and endpoints else None
        if not problem or not fix_or_keep(problem, "Keep them"):
            break
    paginator = select("How do pages follow each other?", {kind: kind for kind in a.PAGINATORS}, default="auto")
    settings = {
        key: a.typed_setting(default, text(f"{paginator} paginator: {key}:", default=show(default)))
        for key, default in a.PAGINATORS[paginator].items()
    }
    primary_key = text("Primary key of the records (they are then merged on it; empty: rows are appended):")
    return a.RestApi(base_url, endpoints, auth, paginator, settings, primary_key)


def show(default: str | int | None) -> str:
    return "" if default is None else str(default)


def ask_auth(name: str) -> a.Auth | None:
    kind = select("How does the API authenticate?", a.AUTH_KINDS)
    if kind == "none":
        return None
    key = {"bearer": "token", "api_key": "api_key", "http_basic": "password"}[kind]
    variable, _ = a.reference(name, ("rest_api", "client", "auth", key))
    if kind == "http_basic":
        username = text("User name:", check=required("a user name"))
        return a.Auth(kind, secret(f"Password (saved in .env as {variable}, not in sources.yml):"), username=username)
    if kind == "api_key":
        key_name = text("Header or query parameter carrying the key:", default=a.API_KEY_NAME)
        location = select("Where is it sent?", {where: where for where in a.API_KEY_LOCATIONS})
        value = secret(f"API key (saved in .env as {variable}, not in sources.yml):")
        return a.Auth(kind, value, key_name=key_name, location=location)
    return a.Auth(kind, secret(f"Token (saved in .env as {variable}, not in sources.yml):"))


def verified_source(root: Path, name: str, location: str) -> a.Verified:
    """The repository, read by dlt (cloned for a URL), then the source picked from its list."""
    from runner.add import verified
    from runner.config.project import Project

    while True:
        location = text("Verified-sources repository (a git URL or a local path):", default=location)
        try:
            found = verified.available(Project(root), location)
            if found:
                break
            raise DangoError(f"no verified source in {location}: dlt looks for sources/<name>/ and <name>_pipeline.py")
        except DangoError as error:
            if not fix_or_keep(str(error), "Stop here"):
                raise
    source = questionary.select(
        "Verified source:",
        choices=found,
        default=name if name in found else None,
        use_search_filter=True,
        use_jk_keys=False,
    ).unsafe_ask()
    return a.Verified(source, location)


def sql_database(root: Path, name: str) -> a.SqlDatabase:
    kind = None
    while True:
        kind = select("Which database?", {kind: kind for kind in a.DATABASES}, default=kind)
        connection = ask_connection(kind, root, name)
        offer_drivers(kind, root)
        try:
            found = probe.tables(connection, root)
            problem = "" if found else f"no tables in {connection.schema or 'the default schema'} of that database"
        except DangoError as error:
            problem = str(error)
        if not problem:
            picked = questionary.checkbox(
                "Tables to load (space to pick, enter to go on):",
                choices=found,
                validate=lambda chosen: bool(chosen) or "pick at least one table",
            ).unsafe_ask()
            return replace(connection, tables=tuple(picked))
        if not fix_or_keep(problem, "Keep it, and type the table names myself"):
            names = text("Tables, separated by commas (empty: every table):")
            return replace(connection, tables=tuple(t.strip() for t in names.split(",") if t.strip()))


def offer_drivers(kind: str, root: Path) -> None:
    """Listing tables needs SQLAlchemy and the database's driver: offer to install what is missing
    (into .venv, as `make setup EXTRAS=...`; plain `make setup` would once sources.yml names the kind)."""
    from runner.config import extras

    missing = probe.missing_extras(kind)
    words = " ".join(missing)
    choices = {"install": f'Install them now (make setup EXTRAS="{words}")', "skip": "Not now"}
    if missing and select(f'Listing the tables needs the packages of EXTRAS="{words}":', choices) == "install":
        extras.install(missing, root)


def ask_connection(kind: str, root: Path, name: str) -> a.SqlDatabase:
    if kind == "sqlite":

        def missing(path: str) -> str | None:
            return None if path and (root / path).is_file() else f"no file {path!r} in {root}"

        return a.SqlDatabase("sqlite", path=text("SQLite file, relative to the project:", check=missing))
    host = text("Host:", default="localhost", check=required("a host"))
    port = text("Port:", default=str(a.DATABASES[kind]), check=lambda p: None if p.isdigit() else "a port number")
    database = text("Database:", check=required("a database name"))
    username = text("User:", check=required("a user name"))
    variable, _ = a.reference(name, ("sql_database", "credentials", "password"))
    password = questionary.password(f"Password (saved in .env as {variable}; empty: none):").unsafe_ask()
    schema = text("Schema (empty: the connection's default):", default=a.DEFAULT_SCHEMAS.get(kind, ""))
    return a.SqlDatabase(kind, "", host, int(port), database, username, password, schema)


def table_problem(table: str) -> str | None:
    return None if a.NAME.match(table) else "lowercase letters, digits and underscores, such as orders"


def files(root: Path, name: str) -> a.Files:
    def folder_problem(folder: str) -> str | None:
        if not folder:
            return "a folder is needed"
        return None if "://" in folder or (root / folder).is_dir() else f"no folder {folder!r} in {root}"

    while True:
        folder = text("Folder of the files (relative to the project), or s3://bucket/path:", check=folder_problem)
        file_format = select("Format of the files?", {f: f for f in a.FORMATS})
        glob = text("Which files:", default=a.DEFAULT_GLOBS[file_format])
        local = "://" not in folder
        if not local or any((root / folder).glob(glob)):
            break
        if not fix_or_keep(f"no file matches {glob} in {folder} yet", "Keep it (files will come later)"):
            break
    table_name = text("Table the rows go to:", default=name, check=table_problem)
    return a.Files(folder, file_format, glob, table_name)
