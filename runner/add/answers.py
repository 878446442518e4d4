"""The answers `source add` collects, typed per source type, and `plan`: the one function that turns them
into the sources.yml entry and the secrets for .env. The wizard and the flags both fill these, with the
defaults defined here, so they cannot drift apart.

Secrets never reach the entry: it refers to them as `${NAME}`, NAME named like validate suggests
(`SHOP_PASSWORD`, runner/config/secret_refs.py), and the typed values go to .env.
"""

import re
from dataclasses import dataclass, field

from runner.config import secret_refs
from runner.sources.files import DEFAULT_GLOBS

# The TYPE words of `source add TYPE`, with what the wizard calls them.
KINDS = {
    "rest_api": "REST API",
    "sql_database": "SQL database",
    "files": "Files in a folder or bucket (CSV, JSON lines, Parquet)",
    "custom": "Custom Python source (custom_sources/<name>.py, written with dlt)",
    "verified": "dlt verified source (Notion, Asana, Zendesk, GitHub ...), with dlt init",
}
NAME = re.compile(r"^[a-z0-9_]+$")
NAME_MAX = 59  # sources.schema.json: raw_<name> stays within PostgreSQL's 63 characters

AUTH_KINDS = {
    "none": "none",
    "bearer": "bearer token (Authorization: Bearer ...)",
    "api_key": "API key in a header or query parameter",
    "http_basic": "user name and password (HTTP basic)",
}
API_KEY_NAME, API_KEY_LOCATION, API_KEY_LOCATIONS = "X-API-Key", "header", ("header", "query", "cookie")
# Each paginator of dlt's rest_api with the settings asked for it and their defaults; a default of
# None (total_path) means "stop at the first empty page". "auto" writes no paginator: dlt detects it.
PAGINATORS: dict[str, dict[str, str | int | None]] = {
    "auto": {},
    "single_page": {},
    "header_link": {},
    "json_link": {"next_url_path": "next"},
    "page_number": {"page_param": "page", "base_page": 1, "total_path": None},
    "offset": {"limit": 100, "limit_param": "limit", "offset_param": "offset", "total_path": None},
    "cursor": {"cursor_path": "cursors.next", "cursor_param": "cursor"},
}
# SQLAlchemy's dialect names (runner/sources/drivers.py picks the driver), with the default port.
DATABASES = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433, "sqlite": None}
DEFAULT_SCHEMAS = {"postgresql": "public"}
FORMATS = tuple(DEFAULT_GLOBS)


@dataclass(frozen=True)
class Auth:
    kind: str  # a key of AUTH_KINDS other than "none"
    secret: str  # the token, key or password as typed: written to .env only
    username: str = ""  # http_basic
    key_name: str = API_KEY_NAME  # api_key: the header or query parameter carrying it
    location: str = API_KEY_LOCATION  # api_key


@dataclass(frozen=True)
class Endpoint:
    path: str
    data_selector: str = ""  # empty: dlt finds the list of records itself


@dataclass(frozen=True)
class RestApi:
    base_url: str
    endpoints: tuple[Endpoint, ...]
    auth: Auth | None = None
    paginator: str = "auto"
    paginator_settings: dict[str, str | int | None] = field(default_factory=dict)  # all of PAGINATORS[paginator]
    primary_key: str = ""  # given: records are merged on it; empty: appended


@dataclass(frozen=True)
class SqlDatabase:
    kind: str  # a key of DATABASES
    path: str = ""  # sqlite: the file, relative to the project
    host: str = ""
    port: int | None = None
    database: str = ""
    username: str = ""
    password: str = ""  # as typed: written to .env only
    schema: str = ""
    tables: tuple[str, ...] = ()  # empty: every table of the schema


@dataclass(frozen=True)
class Files:
    folder: str
    format: str
    glob: str = ""  # empty: every file of the format
    table_name: str = ""  # empty: the source's name


@dataclass(frozen=True)
class Custom:
    """custom_sources/<name>.py with a function <name>: nothing more to ask."""


@dataclass(frozen=True)
class Verified:
    source: str  # the verified source's folder in the repository: notion
    location: str  # the verified-sources repository: a git URL or a local path
    branch: str = ""
    function: str = ""  # the @dlt.source function to register; found after dlt init when empty


Details = RestApi | SqlDatabase | Files | Custom | Verified


@dataclass(frozen=True)
class Answers:
    name: str
    details: Details


@dataclass(frozen=True)
class Plan:
    entry: dict  # for .dango/sources.yml
    secrets: dict[str, str]  # variable -> value, for .env


def name_problem(name: str, existing: list[str]) -> str | None:
    """Why `name` cannot be the new source's name, or None."""
    if not NAME.match(name):
        return f"{name!r} is not a source name: use lowercase letters, digits and underscores, such as my_api"
    if len(name) > NAME_MAX:
        return f"{name!r} is longer than {NAME_MAX} characters"
    if name in existing:
        return f"a source named {name!r} exists already in .dango/sources.yml; choose another name"
    return None


def plan(answers: Answers) -> Plan:
    """The entry and the secrets of `answers`: the one place both ways of `source add` build them."""
    details = answers.details
    secrets: dict[str, str] = {}
    native = isinstance(details, Custom | Verified)
    entry: dict = {"name": answers.name, "type": "dlt_native" if native else details_type(details)}
    if isinstance(details, RestApi):
        entry["rest_api"], secrets = rest_api_block(answers.name, details)
    elif isinstance(details, SqlDatabase):
        entry["sql_database"], secrets = sql_database_block(answers.name, details)
    elif isinstance(details, Files):
        entry["files"] = files_block(answers.name, details)
    else:
        function = answers.name if isinstance(details, Custom) else details.function
        module = answers.name if isinstance(details, Custom) else details.source
        entry["dlt_native"] = {"source_module": module, "source_function": function, "function_kwargs": {}}
    return Plan(entry, secrets)


def details_type(details: Details) -> str:
    return {RestApi: "rest_api", SqlDatabase: "sql_database", Files: "files"}[type(details)]


def reference(source: str, path: tuple[str, ...]) -> tuple[str, str]:
    """The variable for the secret at `path` of the source's entry, and the `${NAME}` standing for it."""
    variable = secret_refs.variable_for(source, path)
    return variable, "${" + variable + "}"


def rest_api_block(name: str, api: RestApi) -> tuple[dict, dict[str, str]]:
    client: dict = {"base_url": api.base_url}
    secrets: dict[str, str] = {}
    if api.auth:
        client["auth"], secrets = auth_block(name, api.auth)
    if api.paginator != "auto":
        settings = {**PAGINATORS[api.paginator], **api.paginator_settings}
        client["paginator"] = {"type": api.paginator, **settings} if settings else api.paginator
    block: dict = {"client": client}
    if api.primary_key:
        block["resource_defaults"] = {"primary_key": api.primary_key, "write_disposition": "merge"}
    block["resources"] = [resource(endpoint) for endpoint in api.endpoints]
    return block, secrets


def auth_block(name: str, auth: Auth) -> tuple[dict, dict[str, str]]:
    key = {"bearer": "token", "api_key": "api_key", "http_basic": "password"}[auth.kind]
    variable, ref = reference(name, ("rest_api", "client", "auth", key))
    block: dict = {"type": auth.kind}
    if auth.kind == "api_key":
        block |= {"name": auth.key_name, "location": auth.location}
    if auth.kind == "http_basic":
        block["username"] = auth.username
    block[key] = ref
    return block, {variable: auth.secret}


def resource_name(path: str) -> str:
    """A resource (table) name from an endpoint path: `v1/orders` -> v1_orders."""
    return re.sub(r"[^a-z0-9_]+", "_", path.strip("/").lower()).strip("_") or "items"


def resource(endpoint: Endpoint) -> str | dict:
    """A bare path when dlt's defaults do (the path is a fine table name), else name and endpoint."""
    name = resource_name(endpoint.path)
    if name == endpoint.path and not endpoint.data_selector:
        return endpoint.path
    spec: dict = {"path": endpoint.path}
    if endpoint.data_selector:
        spec["data_selector"] = endpoint.data_selector
    return {"name": name, "endpoint": spec}


def sql_database_block(name: str, sql: SqlDatabase) -> tuple[dict, dict[str, str]]:
    secrets = {}
    if sql.kind == "sqlite":
        credentials: str | dict = f"sqlite:///{sql.path}"
    else:
        credentials = {"drivername": sql.kind, "host": sql.host}
        if sql.port:
            credentials["port"] = sql.port
        credentials |= {"database": sql.database, "username": sql.username}
        if sql.password:
            variable, credentials["password"] = reference(name, ("sql_database", "credentials", "password"))
            secrets[variable] = sql.password
    block: dict = {"credentials": credentials}
    if sql.schema:
        block["schema"] = sql.schema
    if sql.tables:
        block["table_names"] = list(sql.tables)
    return block, secrets


def files_block(name: str, files: Files) -> dict:
    block = {"bucket_url": files.folder, "format": files.format}
    if files.glob and files.glob != DEFAULT_GLOBS[files.format]:
        block["file_glob"] = files.glob
    if files.table_name and files.table_name != name:
        block["table_name"] = files.table_name
    return block


def typed_setting(default: str | int | None, text: str) -> str | int | None:
    """A paginator setting typed as its default is: a number stays a number; empty text is None."""
    text = text.strip()
    if not text:
        return None
    return int(text) if isinstance(default, int) else text
