"""A dbt project with packages: `transform` installs them first (dbt deps), once, and says so when it cannot."""

LOCAL_PACKAGE = {
    "dbt/local_utils/dbt_project.yml": "name: local_utils\nversion: '1.0'\nconfig-version: 2\nmacro-paths: [macros]\n",
    "dbt/local_utils/macros/greet.sql": "{% macro greet() %}'hello from a package'{% endmacro %}\n",
    "dbt/models/marts/greeting.sql": "select {{ local_utils.greet() }} as greeting\n",
}


def test_transform_installs_the_packages_once_and_stops_when_it_cannot(project):
    for path, text in LOCAL_PACKAGE.items():
        project.write(path, text)
    project.write("dbt/packages.yml", "packages:\n  - local: local_utils\n")  # a package dbt deps installs offline

    first = project.dango("transform", check=0)
    assert "dbt deps: installing the packages of dbt/packages.yml" in first.stdout, first.stdout
    assert project.query("select greeting from main.greeting") == [("hello from a package",)]
    again = project.dango("transform", check=0)
    assert "dbt deps" not in again.stdout  # installed already: not again

    project.write("dbt/packages.yml", "packages:\n  - local: nowhere\n")  # changed: installed anew, and fails
    failed = project.dango("transform", check=1)
    assert "dbt deps could not install the packages of dbt/packages.yml" in failed.stderr, failed.stderr
    assert "No dbt_project.yml found" in failed.stderr and "dbt build:" in failed.stdout
    assert "Running with dbt" not in failed.stdout  # dbt build itself never started
