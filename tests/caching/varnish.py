"""A real varnishd for the tests, with the project's VCL pointed at a given backend.

deploy/varnish/default.vcl names its backend 127.0.0.1:8000; the tests write a
copy with the live server's address instead, in a work directory of their own
that is removed afterwards. Besides the ordinary listen address, varnishd gets
a second one speaking the PROXY protocol, through which a test can present
itself as a client from another address (the purge ACL).
"""

import glob
import socket

import httpx

from bench import varnish as bench_varnish
from bench.varnish import XKEY_PATHS, varnishd_path

# Seconds a stale object may still be served (also set by the VCL itself).
GRACE = 1


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


class Varnish(bench_varnish.Varnish):
    """The benchmark's varnishd in `workdir`, in front of host:port, with a second
    listen address speaking the PROXY protocol."""

    def __init__(self, workdir, backend_host, backend_port):
        self.proxy_port = free_port()
        super().__init__(
            free_port(),
            backend_port,
            "malloc,64m",
            workdir=workdir,
            backend_host=backend_host,
            options=[
                "-a",
                f"proxied=127.0.0.1:{self.proxy_port},PROXY",
                "-p",
                f"default_grace={GRACE}",
                # The ban lurker looks for banned objects often, not every 10 s.
                "-p",
                "ban_lurker_sleep=0.1",
            ],
        )

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
