"""A varnishd for the benchmark: the project's VCL in front of the benchmarked server.

deploy/varnish/default.vcl names its backend 127.0.0.1:8000; a copy with the
benchmarked gunicorn's port is written to a temporary work directory, which
also holds varnishd's own (-n) and is removed when it stops.
"""

import glob
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
VCL_PATH = PROJECT_DIR / "deploy" / "varnish" / "default.vcl"
# Debian's varnish-modules puts vmods under the multiarch directory.
XKEY_PATHS = (
    "/usr/lib/varnish/vmods/libvmod_xkey.so",
    "/usr/lib/*/varnish/vmods/libvmod_xkey.so",
)
START_TIMEOUT = 30
# Straight to 127.0.0.1, never through an HTTP proxy from the environment.
_local = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def varnishd_path():
    found = shutil.which("varnishd")
    if found:
        return found
    return "/usr/sbin/varnishd" if os.access("/usr/sbin/varnishd", os.X_OK) else None


def missing():
    """Why Varnish cannot be measured here, or None."""
    if varnishd_path() is None:
        return "varnishd is not installed (Debian: apt-get install varnish varnish-modules)"
    if not any(glob.glob(pattern) for pattern in XKEY_PATHS):
        return "vmod xkey is not installed (Debian: apt-get install varnish-modules)"
    if not VCL_PATH.exists():
        return f"{VCL_PATH.relative_to(PROJECT_DIR)} is missing"
    return None


def vcl_for(port, host="127.0.0.1", source=VCL_PATH):
    """The project's VCL with its `default` backend at host:port."""
    text = source.read_text()
    pattern = re.compile(
        r'(backend default \{[^}]*?\.host = ")[^"]*(";[^}]*?\.port = ")[^"]*(";)', re.S
    )
    text, count = pattern.subn(rf"\g<1>{host}\g<2>{port}\g<3>", text)
    if count != 1:
        raise RuntimeError(f"no `backend default` with .host and .port in {source}")
    return text


class Varnish:
    """varnishd -F on 127.0.0.1:`port` in front of `backend_host`:`backend_port`, in
    `workdir` (a new temporary one by default), with more varnishd `options`;
    `stop()` ends it and removes the work directory. The tests use it too."""

    def __init__(
        self,
        port,
        backend_port,
        storage="malloc,256m",
        *,
        workdir=None,
        backend_host="127.0.0.1",
        options=(),
    ):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="bench-varnish-"))
        vcl = self.workdir / "default.vcl"
        vcl.write_text(vcl_for(backend_port, host=backend_host))
        self.log_path = self.workdir / "varnishd.log"
        command = [
            varnishd_path(),
            "-F",
            "-a",
            f"127.0.0.1:{port}",
            "-f",
            str(vcl),
            "-n",
            str(self.workdir / "instance"),
            "-s",
            storage,
            *options,
        ]
        if os.geteuid() == 0:
            # As root varnishd hands its work to the `varnish` user, who cannot
            # read a private temporary directory: keep the starting user.
            command[2:2] = ["-j", "none"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed command
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
            # Answered by the VCL alone: the backend is not asked.
            request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
                self.url + "/", method="PURGE", headers={"xkey-purge": "bench-ready"}
            )
            try:
                with _local.open(request, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"varnishd did not answer within {START_TIMEOUT} s:\n{self.log()}")

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)
