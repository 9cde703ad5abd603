"""A real varnishd for the tests, with the project's VCL pointed at a given backend.

deploy/varnish/default.vcl names its backend 127.0.0.1:8000; the tests write a
copy with the live server's address instead, in a work directory of their own
that is removed afterwards. Besides the ordinary listen address, varnishd gets
a second one speaking the PROXY protocol, through which a test can present
itself as a client from another address (the purge ACL).
"""

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx

from bench.varnish import XKEY_PATHS, varnishd_path, vcl_for

# Seconds a stale object may still be served (also set by the VCL itself).
GRACE = 1
START_TIMEOUT = 20


def missing():
    """Why a real Varnish cannot run here, or None."""
    if varnishd_path() is None:
        return "needs varnishd (Debian's varnish: `make varnish` installs it)"
    if not any(glob.glob(pattern) for pattern in XKEY_PATHS):
        return "needs vmod xkey (Debian's varnish-modules: `make varnish` installs it)"
    return None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Varnish:
    """varnishd -F in `workdir`, in front of host:port; `stop()` ends it and removes workdir."""

    def __init__(self, workdir, backend_host, backend_port):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.proxy_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        vcl = self.workdir / "default.vcl"
        vcl.write_text(vcl_for(backend_port, host=backend_host))
        self.log_path = self.workdir / "varnishd.log"
        command = [
            varnishd_path(), "-F",
            "-a", f"127.0.0.1:{self.port}",
            "-a", f"proxied=127.0.0.1:{self.proxy_port},PROXY",
            "-f", str(vcl),
            "-n", str(self.workdir / "instance"),
            "-s", "malloc,64m",
            "-p", f"default_grace={GRACE}",
            # The ban lurker looks for banned objects often, not every 10 s.
            "-p", "ban_lurker_sleep=0.1",
        ]
        if os.geteuid() == 0:
            # As root varnishd drops to the `varnish` user, who cannot read a
            # pytest temporary directory (mode 0700): keep the starting user.
            command[2:2] = ["-j", "none"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"varnishd exited at start:\n{self.log()}")
            try:
                # Answered by the VCL alone: the backend is not asked.
                response = httpx.request(
                    "PURGE", self.url + "/", headers={"xkey-purge": "test-ready"},
                    timeout=1, trust_env=False,
                )
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"varnishd did not answer within {START_TIMEOUT}s:\n{self.log()}")

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def ban_all(self):
        response = httpx.request(
            "BAN", self.url + "/", headers={"X-Ban-All": "1"}, timeout=5, trust_env=False
        )
        response.raise_for_status()

    def proxied(self, raw_request, client_ip):
        """Send `raw_request` (bytes) as if from `client_ip`; the raw answer (bytes)."""
        header = f"PROXY TCP4 {client_ip} 127.0.0.1 40000 {self.port}\r\n".encode()
        with socket.create_connection(("127.0.0.1", self.proxy_port), timeout=5) as sock:
            sock.sendall(header + raw_request)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
            return b"".join(chunks)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)
