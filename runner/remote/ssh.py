"""ssh and rsync to the server of .dango/remote.yml, with its host key always checked.

Every connection runs with BatchMode (nothing ever prompts: a cron job or CI fails instead of hanging)
and StrictHostKeyChecking=yes (an unknown or changed host key is an error, never accepted on the fly;
given on the command line, it wins over any ssh config). ssh exits 255 when ssh itself failed; any
other code is the remote command's, which the callers pass on.
"""

import shlex
import subprocess
import sys
from collections import deque

from runner.config.errors import DangoError
from runner.config.remote_yml import REMOTE_FILE, Remote

SSH_FAILED = 255
OPTIONS = {
    "BatchMode": "yes",
    "StrictHostKeyChecking": "yes",
    "ConnectTimeout": "30",
    # A long sync can print nothing for minutes; keepalives stop a firewall from dropping the connection.
    "ServerAliveInterval": "60",
}


def ssh_argv(remote: Remote, tty: bool = False) -> list[str]:
    """ssh with the options of remote.yml, ready for a destination and a command."""
    argv = ["ssh"]
    if remote.ssh_config:
        argv += ["-F", str(remote.ssh_config)]
    for name, value in OPTIONS.items():
        argv += ["-o", f"{name}={value}"]
    if remote.port:
        argv += ["-p", str(remote.port)]
    if remote.identity_file:
        argv += ["-i", str(remote.identity_file), "-o", "IdentitiesOnly=yes"]
    if remote.known_hosts:
        argv += ["-o", f'UserKnownHostsFile="{remote.known_hosts}"']
    if tty:
        argv.append("-t")
    return argv


def rsync_argv(remote: Remote) -> list[str]:
    return ["rsync", "-e", shlex.join(ssh_argv(remote))]


def run(remote: Remote, command: str) -> subprocess.CompletedProcess:
    """Run a shell command on the server and capture its output."""
    done = _run([*ssh_argv(remote), remote.host, command], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode == SSH_FAILED:
        raise failure(remote, done.stderr)
    return done


def stream(remote: Remote, command: str) -> int:
    """Run a shell command on the server with its output shown as it comes; its exit code.

    With a terminal at both ends, ssh gets one on the server too, so Ctrl-C reaches the remote command."""
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    argv = [*ssh_argv(remote, tty), remote.host, command]
    sys.stdout.flush()  # what this process printed goes before the remote output
    process = _popen(argv, stdin=None if tty else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tail: deque[str] = deque(maxlen=20)  # ssh's own complaint, if it fails, is in its last lines
    assert process.stderr is not None  # stderr=PIPE
    for line in process.stderr:
        sys.stderr.write(line)
        sys.stderr.flush()
        tail.append(line)
    code = process.wait()
    if code == SSH_FAILED:
        raise failure(remote, "".join(tail))
    return code


def rsync(remote: Remote, args: list[str]) -> str:
    """Run rsync over ssh; its standard output."""
    done = _run([*rsync_argv(remote), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        if _host_key_problem(done.stderr) or done.returncode == SSH_FAILED:
            raise failure(remote, done.stderr)
        raise DangoError(
            f"rsync to {remote} failed (exit {done.returncode}): {_last_line(done.stderr)}. Check that rsync is "
            "installed on the server and that its user may write the project's folder there; nothing was switched."
        )
    return done.stdout


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, check=False, **kwargs)
    except FileNotFoundError as error:
        raise _missing_tool(argv[0]) from error


def _popen(argv: list[str], **kwargs) -> subprocess.Popen:
    try:
        return subprocess.Popen(argv, **kwargs)
    except FileNotFoundError as error:
        raise _missing_tool(argv[0]) from error


def _missing_tool(name: str) -> DangoError:
    package = "openssh-client" if name == "ssh" else name
    return DangoError(
        f"`{name}` is not installed on this machine; install it (Debian/Ubuntu: apt-get install {package})."
    )


def failure(remote: Remote, stderr: str) -> DangoError:
    """ssh's failure as an error that says what to do, host keys first."""
    problem = _host_key_problem(stderr)
    if problem == "changed":
        return DangoError(
            f"{REMOTE_FILE}: field 'host': the host key of {remote.host} has CHANGED since it was added to "
            f"{_known_hosts(remote)}. Either the server was reinstalled or someone is intercepting the "
            "connection. Confirm the new key's fingerprint with the server's administrator (on the server: "
            "`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), then replace the old key: "
            f"`ssh-keygen -R {_known_hosts_name(remote)} -f {_known_hosts(remote)}` and `{_keyscan(remote)}`."
        )
    if problem == "unknown":
        return DangoError(
            f"{REMOTE_FILE}: field 'host': the host key of {remote.host} is not in {_known_hosts(remote)}, "
            "and Dango never accepts an unknown key. Check the key's fingerprint with the server's "
            "administrator (on the server: `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`; here: "
            f"`{_keyscan(remote, add=False)} | ssh-keygen -lf -`), then add it: `{_keyscan(remote)}`; or "
            f"connect once with `{shlex.join(_plain_ssh(remote))}` and answer yes."
        )
    reason = _last_line(stderr) or "ssh exited with code 255"
    fix = (
        "check the user in `host` and `identity_file`, and that the public key is in the server's "
        "~/.ssh/authorized_keys"
        if "Permission denied" in stderr
        else "check `host` and `port`"
    )
    return DangoError(
        f"{REMOTE_FILE}: field 'host': cannot connect to {remote.host} over ssh: {reason}. Fix: {fix}; "
        f"`{shlex.join([*ssh_argv(remote), remote.host, 'true'])}` must work from this machine."
    )


def _host_key_problem(stderr: str) -> str | None:
    if "REMOTE HOST IDENTIFICATION HAS CHANGED" in stderr:
        return "changed"
    if "Host key verification failed" in stderr or "No matching host key" in stderr:
        return "unknown"
    return None


def _known_hosts(remote: Remote) -> str:
    return shlex.quote(str(remote.known_hosts)) if remote.known_hosts else "~/.ssh/known_hosts"


def _known_hosts_name(remote: Remote) -> str:
    """How known_hosts names the server: `host`, or `[host]:port` for another port than 22."""
    name = remote.host.rsplit("@", 1)[-1]
    return shlex.quote(f"[{name}]:{remote.port}") if remote.port and remote.port != 22 else name


def _keyscan(remote: Remote, add: bool = True) -> str:
    name = remote.host.rsplit("@", 1)[-1]
    port = f"-p {remote.port} " if remote.port else ""
    return f"ssh-keyscan {port}{name}" + (f" >> {_known_hosts(remote)}" if add else "")


def _plain_ssh(remote: Remote) -> list[str]:
    """ssh as a person runs it to accept a key by hand (asking, unlike Dango's)."""
    argv = ["ssh"]
    if remote.ssh_config:
        argv += ["-F", str(remote.ssh_config)]
    if remote.port:
        argv += ["-p", str(remote.port)]
    if remote.identity_file:
        argv += ["-i", str(remote.identity_file)]
    if remote.known_hosts:
        argv += ["-o", f"UserKnownHostsFile={remote.known_hosts}"]
    return [*argv, remote.host, "true"]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
