"""`source add verified`: a dlt verified source (Notion, Asana, GitHub ...) copied into custom_sources/
by dlt's own `dlt init` (runner/add/dlt_init.py, in a child), then registered as a dlt_native source.

dlt does not ship these sources: `dlt init` copies their code from the verified-sources repository
(dlt's on GitHub by default; `--location` names a mirror or a local copy, `--branch` a branch).
The secrets each needs are the placeholders dlt writes to .dlt/secrets.toml: they are listed with
where to set them.
"""

import json
import subprocess
from dataclasses import dataclass

from runner.config import environment, secret_refs
from runner.config.errors import DangoError
from runner.config.project import Project
from runner.sync import tools
from runner.validate import unreferenced

# dlt's DEFAULT_VERIFIED_SOURCES_REPO (dlt._workspace.cli), written out so `--help` never imports dlt.
DEFAULT_LOCATION = "https://github.com/dlt-hub/verified-sources.git"


@dataclass(frozen=True)
class Installed:
    functions: list[str]  # the @dlt.source functions of the package, in the order they are defined
    requirements: list[str]  # packages the source needs besides dlt
    placeholders: list[tuple[str, str]]  # (TOML key under [sources.<source>], its environment variable)


def check_free(project: Project, source: str) -> None:
    """DangoError when dlt init would write over files of custom_sources/."""
    for taken in (project.custom_sources / source, project.custom_sources / f"{source}_pipeline.py"):
        if taken.exists():
            raise DangoError(
                f"{project.relative(taken)} exists already; register that module in .dango/sources.yml "
                f"(source_module: {source}), or move it away to add the verified source again"
            )


def available(project: Project, location: str, branch: str = "") -> list[str]:
    """The verified sources of the repository at `location` (cloned for a URL); DangoError saying why not."""
    return run_dlt_init(project, {"location": location, "branch": branch}, "list the sources of")["sources"]


def install(project: Project, source: str, location: str, branch: str) -> Installed:
    """Run dlt init for `source` in the project; DangoError with dlt's reason when it cannot."""
    answer = run_dlt_init(
        project, {"source": source, "location": location, "branch": branch}, f"dlt init {source} from"
    )
    if project.secrets_file.is_file():
        project.secrets_file.chmod(0o600)  # dlt writes it readable by all; it holds secrets
    package = project.custom_sources / source
    return Installed(unreferenced.source_functions(package), answer["requirements"], placeholders(project, source))


def run_dlt_init(project: Project, request: dict, doing: str) -> dict:
    """runner.add.dlt_init's answer to `request`, in the project; DangoError with dlt's reason."""
    env = tools.tool_environment(project)
    env.setdefault("DLT_DATA_DIR", str(project.data / "dlt"))  # dlt's clone of a repository stays in the project
    done = subprocess.run(
        environment.runner_command("runner.add.dlt_init"),
        input=json.dumps(request),
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        answer = {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    if "error" in answer:
        raise DangoError(readable(f"{doing} {request['location']}: {answer['error']}", request["location"]))
    return answer


def readable(text: str, location: str) -> str:
    """`text` without the password the repository's URL may carry (https://user:token@host/...)."""
    found = secret_refs.URL_PASSWORD.match(location)
    return text.replace(found.group("password"), "***") if found else text


def placeholders(project: Project, source: str) -> list[tuple[str, str]]:
    """The values dlt init left to fill in under [sources.<source>] of .dlt/secrets.toml."""
    document = environment.read_toml(project.secrets_file) or {}
    section = (document.get("sources") or {}).get(source) or {}
    found = []
    stack: list[tuple[tuple[str, ...], dict]] = [((source,), section)]
    while stack:
        path, table = stack.pop()
        for key, value in table.items():
            if isinstance(value, dict):
                stack.append(((*path, key), value))
            elif value == environment.DLT_PLACEHOLDER:
                found.append((".".join((*path[1:], key)), "__".join(("SOURCES", *path, key)).upper()))
    return sorted(found)


def secrets_hint(project: Project, source: str, installed: Installed) -> list[str]:
    """Lines telling what to set before the first sync, and where."""
    lines = []
    if installed.placeholders:
        lines.append(f"set its secrets before the first sync (dlt init left {environment.DLT_PLACEHOLDER!r} for each):")
        lines += [
            f"  {key} under [sources.{source}] in .dlt/secrets.toml, or {variable}=... in .env (then delete that line)"
            for key, variable in installed.placeholders
        ]
    if installed.requirements:
        lines.append(
            f"it needs {', '.join(installed.requirements)}: add each, pinned (package==version), to "
            "requirements.txt and run `make setup`"
        )
    readme = project.custom_sources / source / "README.md"
    if readme.is_file():
        lines.append(f"its documentation: {project.relative(readme)}")
    return lines
