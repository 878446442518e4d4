"""`python -m runner.add.dlt_init`: dlt's own `dlt init SOURCE duckdb`, run in a child whose working
folder is the project, for `source add verified`.

Reads {"source", "location", "branch"} as JSON on stdin; without "source", only lists the
repository's verified sources: {"sources": [...]}. It is dlt's machinery unchanged
(`init_pipeline_at_destination`, which `dlt init` runs), pointed at Dango's folders: the source's
package and dlt's example script `<source>_pipeline.py` go to custom_sources/, the placeholders of
its secrets to .dlt/secrets.toml, dlt's file index to .dlt/.sources. It writes no requirements.txt
(Dango's pins hold dlt's version) and answers dlt's questions with their defaults. dlt's own
messages are silenced (they advise `pip install -U dlt`); the answer is one JSON object on stdout:
{"requirements": [...], "doc": "..."} or {"error": "..."}.
"""

import json
import os
import sys


def main() -> int:
    request = json.load(sys.stdin)
    try:
        if request.get("source"):
            answer = init(request["source"], request["location"], request["branch"])
        else:
            answer = {"sources": listed(request["location"], request["branch"])}
    except Exception as error:  # dlt's errors of a repository or a source: said to the user as they are
        text = str(error).strip().splitlines()
        answer = {"error": f"{type(error).__name__}: {text[0]}" if text else type(error).__name__}
    print(json.dumps(answer))
    return 0


def listed(location: str, branch: str) -> list[str]:
    """The verified sources of the repository at `location`."""
    from dlt._workspace.cli import _pipeline_files as files_ops

    return files_ops.get_sources_names(repository(location, branch), source_type="verified")


def repository(location: str, branch: str):
    """dlt's storage of the repository's sources/ folder, cloned (or updated) first for a URL."""
    from dlt._workspace.cli import _init_command as dlt_init
    from dlt._workspace.cli import echo as fmt

    with fmt.suppress_echo():
        return dlt_init._clone_and_get_verified_sources_storage(location, branch or None)  # type: ignore[arg-type]


def init(source: str, location: str, branch: str) -> dict:
    """dlt init of `source` from `location` (its `branch`, else the default one)."""
    from dlt._workspace.cli import _init_command as dlt_init
    from dlt._workspace.cli import _pipeline_files as files_ops
    from dlt._workspace.cli import echo as fmt

    storage = repository(location, branch)
    known = files_ops.get_sources_names(storage, source_type="verified")
    if source not in known:
        return {"error": f"no verified source {source!r} there; it has: {', '.join(known) or 'none'}"}
    configuration = files_ops.get_verified_source_configuration(storage, source)
    with fmt.suppress_echo(), fmt.always_choose(True, None, always_confirm=True):
        dlt_init.init_pipeline_at_destination(
            source,
            "duckdb",
            location,
            branch or None,  # type: ignore[arg-type]
            destination_storage_path=os.getcwd(),
            settings_dir=".dlt",
            sources_dir="custom_sources",
            target_dependency_system="requirements.txt",  # never write one: Dango pins dlt
        )
    needed = [str(r) for r in configuration.requirements.parsed_requirements if r.name != "dlt"]
    return {"requirements": needed, "doc": configuration.doc}


if __name__ == "__main__":
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")  # and dlt writes `false` to .dlt/config.toml
    sys.exit(main())
