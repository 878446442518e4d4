"""`dango remote sync|status|logs`: the same commands, run on the server over ssh.

Each runs `<path>/current/bin/dango --project-dir <path>/current COMMAND ...` there, the stable path
cron and systemd call too, shows its output as it comes and exits with its exit code.
"""

import shlex

from runner.config.remote_yml import Remote
from runner.remote import ssh


def run(remote: Remote, command: list[str], header: bool = False) -> int:
    """Run `bin/dango COMMAND` in the server's current release; `header` first names that release."""
    current = f"{remote.path}/current"
    dango = shlex.quote(f"{current}/bin/dango")
    missing = f"dango: error: nothing is deployed in {remote.path} on {remote.host} yet; run `bin/dango remote push`."
    script = f"if [ ! -x {dango} ]; then echo {shlex.quote(missing)} >&2; exit 2; fi; "
    if header:
        release = f'"$(readlink {shlex.quote(current)})"'
        script += f"echo {shlex.quote(f'server: {remote}, release ')}{release} >&2; "
    script += f"exec {dango} --project-dir {shlex.quote(current)} {shlex.join(command)}"
    return ssh.stream(remote, script)
