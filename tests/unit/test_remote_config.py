"""`.dango/remote.yml`: every mistake reported at once with its line, field and fix; paths made local."""

import json

import pytest

from runner.config.errors import DangoError
from runner.config.project import Project
from runner.config.remote_yml import load


def remote_yml(tmp_path, text: str) -> Project:
    (tmp_path / ".dango").mkdir(exist_ok=True)
    (tmp_path / ".dango" / "remote.yml").write_text(text)
    return Project(tmp_path)


def test_a_valid_file_with_local_paths(tmp_path):
    project = remote_yml(
        tmp_path,
        "host: deploy@analytics.example.com\nport: 2222\npath: /srv/analytics/\n"
        "identity_file: keys/deploy\nknown_hosts: ~/.ssh/known_hosts\npython: /usr/bin/python3.11\n",
    )
    remote = load(project)
    assert (remote.host, remote.port, remote.path) == ("deploy@analytics.example.com", 2222, "/srv/analytics")
    assert remote.identity_file == tmp_path / "keys" / "deploy"  # relative to the project root
    assert str(remote.known_hosts).endswith("/.ssh/known_hosts") and "~" not in str(remote.known_hosts)
    assert remote.ssh_config is None and remote.python == "/usr/bin/python3.11"


def test_every_problem_at_once(tmp_path):
    project = remote_yml(tmp_path, "host: me@server:22\nprot: 22\nport: '22'\npath: srv/x\n")
    with pytest.raises(DangoError) as error:
        load(project)
    lines = str(error.value).splitlines()
    assert lines[0].startswith(".dango/remote.yml:1: field 'host': 'me@server:22' is not allowed; use an SSH")
    assert lines[1] == ".dango/remote.yml:2: field 'prot': unknown key 'prot'; did you mean 'port'?"
    assert lines[2].startswith(".dango/remote.yml:3: field 'port': expected a whole number, got a string")
    assert "field 'path': 'srv/x' is not allowed; use the project's folder on the server, an absolute" in lines[3]
    assert lines[4] == "4 problems in .dango/remote.yml; nothing was done on the server."


def test_missing_field_and_missing_file(tmp_path):
    with pytest.raises(DangoError, match="missing required field 'path'; add `path:`"):
        load(remote_yml(tmp_path, "host: server\n"))
    (tmp_path / ".dango" / "remote.yml").unlink()
    with pytest.raises(DangoError) as error:
        load(Project(tmp_path))
    assert ".dango/remote.yml not found" in str(error.value)
    assert "\n  host: deploy@analytics.example.com\n  path: /srv/analytics\n" in str(error.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "-oProxyCommand=touch /tmp/pwned"),
        ("host", "-oProxyCommand=x@server"),
        ("host", "server;touch pwned"),
        ("host", "se$(id)rver"),
        ("path", "/srv/x;touch pwned"),
        ("path", "/srv/$(id)"),
        ("python", "-c import os"),
        ("python", "python3; touch pwned"),
    ],
)
def test_options_and_shell_characters_are_refused(tmp_path, field, value):
    values = {"host": "deploy@server", "path": "/srv/analytics", field: value}
    text = "".join(f"{key}: {json.dumps(val)}\n" for key, val in values.items())
    with pytest.raises(DangoError) as error:
        load(remote_yml(tmp_path, text))
    assert f".dango/remote.yml:{list(values).index(field) + 1}: field '{field}':" in str(error.value)
    assert "`ssh" not in str(error.value)  # no suggested command made of the bad value
