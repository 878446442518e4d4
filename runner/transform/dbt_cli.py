"""`dango dbt ...`: dbt's own command line against the project's dbt/ folder and warehouse.

dbt gets what `dango transform` gives it (runner/transform/dbt.py): the project's .venv, `.env`, the
warehouse's connection in the environment its profile reads, and the project and profiles folders
(as DBT_PROJECT_DIR and DBT_PROFILES_DIR, so an option given on the command line still wins). Every
command that opens the warehouse holds the warehouse write lock while dbt runs: a DuckDB file takes
one process at a time, and even `dbt compile` opens it for writing. Only commands that never connect
run unlocked. Its output is dbt's own, on the terminal, as a dbt user knows it.
"""

from runner import warehouse
from runner.config.project import Project
from runner.sync import process
from runner.transform import dbt

# dbt commands that read only the project's files (and `--help`, `--version`).
OFFLINE = {"ls", "list", "parse", "deps", "clean", "init", "--help", "-h", "--version", "-v", "help"}


def needs_lock(args: list[str]) -> bool:
    command = next((a for a in args if not a.startswith("-") or a in OFFLINE), "--help")
    return command not in OFFLINE and args[:2] != ["docs", "serve"]


def run(project: Project, args: list[str], lock_timeout: float) -> int:
    target = warehouse.for_project(project)
    env = dbt.dbt_environment(project, target)
    env["DBT_PROJECT_DIR"] = str(project.dbt_dir)
    env["DBT_PROFILES_DIR"] = str(project.dbt_dir)
    lock = target.write_lock(lock_timeout, "dango dbt " + " ".join(args), dbt.announce_wait)
    return process.run_tool([str(dbt.executable()), *args], project.root, env, lock if needs_lock(args) else None)
