"""A project made by `bin/dango init` works by itself, from its own root, as its README says.

One test walks one project through it all, because the project's own .venv (built by its first
`make sync`, with the package its requirements.txt pins) is what takes the time: about 40 s.
"""

import subprocess

from tests.conftest import REPO, Project, run_dango

# The docs' quick-start source with a package of its own, and the docs' standalone test at the end.
SOURCE = """
import dlt
import inflection

@dlt.source
def my_api():
    \"\"\"My custom API source\"\"\"

    @dlt.resource(name="items", write_disposition="replace")
    def get_items():
        return [{"id": i, "name": inflection.titleize(f"item_{i}")} for i in range(3)]

    return [get_items()]

if __name__ == "__main__":
    # Test locally
    import dlt
    pipeline = dlt.pipeline(
        pipeline_name="test_pipeline",
        destination="duckdb",
        dataset_name="test"
    )
    data = my_api()
    load_info = pipeline.run(data)
    print(load_info)
"""


def ran(argv, cwd, env) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], check=False, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def test_a_new_project_works_by_itself_and_upgrades(tmp_path, env):
    root = tmp_path / "analytics"
    run_dango("init", root, cwd=tmp_path, env=env, check=0)
    project = Project(root, env)
    project.write("requirements.txt", "inflection==0.5.1\n")  # a small pure-Python package of its own
    project.add_source("my_api", SOURCE)

    def make(target):
        return ran(["make", target], root, env)

    def own(*args, cwd=root):
        return ran([root / "bin" / "dango", *args], cwd, env)

    # make sync builds the project's own .venv, with its requirements.txt, then loads the source.
    synced = make("sync")
    assert "[my_api] ok" in synced.stdout and "items 3" in synced.stdout
    assert project.query("select name from raw_my_api.items order by id") == [("Item 0",), ("Item 1",), ("Item 2",)]
    assert (root / ".venv" / "bin" / "python").is_file()
    assert "validate: 0 errors" in make("validate").stdout
    assert "my_api" in make("sources").stdout
    assert "summary: ok" in make("transform").stdout
    made_all = make("all")
    assert "[my_api] ok" in made_all.stdout and "summary: ok" in made_all.stdout

    # `dango` on PATH runs the project's own bin/dango from any folder inside it.
    ran([REPO / "bin" / "dango", "install-command", "--dir", tmp_path / "home" / "bin"], tmp_path, env)
    on_path = {**env, "PATH": f"{tmp_path / 'home' / 'bin'}:{env['PATH']}"}
    assert "[my_api] ok" in ran(["dango", "sync"], root / "custom_sources", on_path).stdout
    where = ran(["dango", "python", "-c", "import runner; print(runner.DANGO_ROOT)"], root / "dbt", on_path)
    assert where.stdout.strip() == str(root)

    # The docs' standalone test, and what it leaves behind is ignored by git.
    standalone = own("python", "custom_sources/my_api.py")
    assert "is LOADED and contains no failed jobs" in standalone.stdout
    assert (root / "test_pipeline.duckdb").is_file(), standalone.stdout
    assert (root / "data" / "dlt" / "pipelines" / "test_pipeline").is_dir()  # not the machine's ~/.dlt
    ran(["git", "init", "-q"], root, env)
    ignored = ran(["git", "check-ignore", "test_pipeline.duckdb", ".venv", "data", "runner/cli.py"], root, env)
    assert ignored.stdout.split() == ["test_pipeline.duckdb", ".venv", "data"]  # Dango's copy is committed

    # dbt's and dlt's own commands, on the project's folders.
    assert "dango.staging.stg_my_api__items" in own("dbt", "ls").stdout
    info = own("dlt", "pipeline", "my_api", "info", cwd=root / "custom_sources")
    assert f"Found pipeline my_api in {root / 'data' / 'pipelines'}" in info.stdout

    # An older copy of Dango: one module changed, one gone since, one that no longer exists.
    (root / "runner" / "cli.py").write_text("# an older Dango\n")
    (root / "bin" / "requirements").unlink()
    (root / "runner" / "retired").mkdir()
    (root / "runner" / "retired" / "old.py").write_text("")
    (root / "runner" / "COMMIT").write_text("0123abc\n")
    upgraded = run_dango("upgrade", cwd=root, env=env, check=0)  # the newer Dango's bin/dango, run in the project
    assert "Dango 0.16.0 (commit 0123abc) -> 0.16.0 (commit " in upgraded.stdout
    for line in ("~ runner/cli.py", "+ bin/requirements", "- runner/retired/old.py"):
        assert f"  {line}\n" in upgraded.stdout
    assert (root / "runner" / "cli.py").read_bytes() == (REPO / "runner" / "cli.py").read_bytes()
    assert (root / "bin" / "requirements").stat().st_mode & 0o111
    assert not (root / "runner" / "retired").exists()
    assert "0123abc" not in own("--version").stdout
