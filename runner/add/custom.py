"""custom_sources/<name>.py for a custom Python source, in the shape of the docs' Quick Start: one
`@dlt.source` function named like the source, one resource, and the standalone block to run it
without Dango. Its sample rows load as they are, so the first sync works before any edit."""

from runner.config.errors import DangoError
from runner.config.project import Project

TEMPLATE = '''\
"""{name}: a Dango source written with dlt. Replace the sample rows with your data."""

import dlt


@dlt.source
def {name}():
    """The {name} source: its tables load into raw_{name}."""

    @dlt.resource(name="items", write_disposition="replace")
    def get_items():
        # For an API (with `import requests` above):
        #   response = requests.get("https://api.example.com/items")
        #   response.raise_for_status()
        #   return response.json()["items"]
        # A secret comes from .env: os.environ["{upper}_API_KEY"], or an argument `api_key=dlt.secrets.value`.
        return [{{"id": 1, "name": "first item"}}, {{"id": 2, "name": "second item"}}]

    return [get_items()]


if __name__ == "__main__":
    # Test locally, without Dango: bin/dango python custom_sources/{name}.py
    pipeline = dlt.pipeline(pipeline_name="test_pipeline", destination="duckdb", dataset_name="test")
    load_info = pipeline.run({name}())
    print(load_info)
'''


def check_free(project: Project, name: str) -> None:
    """DangoError when custom_sources/ has a module of that name already."""
    for taken in (project.custom_sources / f"{name}.py", project.custom_sources / name):
        if taken.exists():
            raise DangoError(
                f"{project.relative(taken)} exists already; choose another name, or register that module "
                f"in .dango/sources.yml (`bin/dango validate` prints the lines to add)"
            )


def write(project: Project, name: str) -> str:
    """Write the module; its path, relative to the project."""
    path = project.custom_sources / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x") as file:  # never over a file written meanwhile
        file.write(TEMPLATE.format(name=name, upper=name.upper()))
    return project.relative(path)
