"""A real OpenSSH server on 127.0.0.1, with host and client keys made for the test, for `dango remote`.

Nothing outside its folder is read or written on the client side: the client gets the generated key,
a known_hosts file holding the generated host key and an empty ssh config (ssh would otherwise read
the real ~/.ssh, which it finds from the password database, not $HOME). The server runs as the
current user, so the "server" side of a deployment is a folder on this machine.
"""

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import free_port

SSHD = Path("/usr/sbin/sshd")
TOOLS = ("ssh", "ssh-keygen", "rsync", "flock")


def missing_tools() -> list[str]:
    """What this machine lacks to run the server and Dango's client side; `.ci/run` installs them."""
    missing = [] if SSHD.is_file() else [str(SSHD)]
    return missing + [tool for tool in TOOLS if not shutil.which(tool)]


class SshServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.user = getpass.getuser()
        self.port = free_port()
        self.host_key = self._keygen("host_key")
        self.client_key = self._keygen("client_key")
        self.known_hosts = folder / "known_hosts"
        self.ssh_config = folder / "ssh_config"
        self._process = None

    def _keygen(self, name: str) -> Path:
        path = self.folder / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path], check=True)
        return path

    def start(self) -> "SshServer":
        authorized = self.folder / "authorized_keys"
        shutil.copyfile(self.client_key.with_suffix(".pub"), authorized)
        config = self.folder / "sshd_config"
        config.write_text(
            f"ListenAddress 127.0.0.1\nPort {self.port}\nHostKey {self.host_key}\n"
            f"AuthorizedKeysFile {authorized}\nPidFile {self.folder / 'sshd.pid'}\nAllowUsers {self.user}\n"
            "PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            # StrictModes would refuse keys under a temporary folder; PAM needs a system setup.
            "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
        )
        public_host_key = self.host_key.with_suffix(".pub").read_text().split()[:2]
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {' '.join(public_host_key)}\n")
        self.ssh_config.write_text("")
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
        log = (self.folder / "sshd.log").open("w")
        self._process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stderr=log)
        self._wait_for_port()
        return self

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.folder / 'sshd.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"sshd did not listen on port {self.port}: {(self.folder / 'sshd.log').read_text()}")

    def stop(self) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait(timeout=10)

    def remote_yml(self, path: Path, **fields) -> str:
        """A .dango/remote.yml for a deployment in `path` on this server."""
        settings = {
            "host": f"{self.user}@127.0.0.1",
            "port": self.port,
            "identity_file": str(self.client_key),
            "known_hosts": str(self.known_hosts),
            "ssh_config": str(self.ssh_config),
            "path": str(path),
            **fields,
        }
        return "".join(f"{key}: {value}\n" for key, value in settings.items())
