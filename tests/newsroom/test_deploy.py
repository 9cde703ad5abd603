"""deploy/: the several-host VCL compiles, and the systemd units start what exists."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.workers import PROJECT_DIR

DEPLOY = PROJECT_DIR / "deploy"


def varnishd():
    return shutil.which("varnishd") or (
        "/usr/sbin/varnishd" if Path("/usr/sbin/varnishd").exists() else None
    )


@pytest.mark.skipif(varnishd() is None, reason="needs varnishd (make varnish)")
def test_the_cluster_vcl_compiles_with_its_director_and_probe():
    result = subprocess.run(
        [varnishd(), "-C", "-f", str(DEPLOY / "varnish" / "cluster.vcl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    compiled = result.stdout + result.stderr  # varnishd -C writes the C source to stderr
    # default.vcl is the one next to it (not /etc/varnish's), with its purge handling.
    assert "xkey.purge(req.http.xkey-purge)" in compiled
    assert "round_robin" in compiled


@pytest.mark.parametrize(
    "unit", ["newsroom-web.service", "newsroom-worker.service", "newsroom-beat.service"]
)
def test_a_systemd_unit_restarts_and_runs_what_the_project_has(unit):
    text = (DEPLOY / "systemd" / unit).read_text()
    assert "Restart=always" in text
    assert "EnvironmentFile=/etc/newsroom/newsroom.env" in text
    for module in re.findall(r"-S ([\w.]+)", text):
        package, name = module.rsplit(".", 1)
        assert hasattr(__import__(package, fromlist=[name]), name), module
    for path in re.findall(r"-c (newsroom/\S+)", text):
        assert (PROJECT_DIR / path).is_file(), path


def test_the_example_environment_names_only_known_settings():
    readme = (PROJECT_DIR / "README.md").read_text()
    names = re.findall(
        r"^([A-Z_]+)=", (DEPLOY / "systemd" / "newsroom.env.example").read_text(), re.M
    )
    assert names
    undocumented = [name for name in names if f"`{name}`" not in readme]
    assert not undocumented, undocumented
