"""The topology for the failure tests: built once per run, torn down even on failure.

Only `make cluster` (CLUSTER_TESTS=1, with the settings of tests/cluster/topology.py in
the environment) runs these; elsewhere they are skipped with the reason. The test
process is an editor's machine on the cluster's network: it writes through the
services to the primary, purges Varnish, queues tasks on the cluster's Redis.
"""

import json
import logging
import os

import pytest

from tests.conftest import ARTIFACTS_DIR

from . import topology

FIGURES = {}
# One line per request of the load would bury what matters in a failure's report.
logging.getLogger("httpx").setLevel(logging.WARNING)


def skip_reason():
    if not os.environ.get("CLUSTER_TESTS"):
        return "several-machine failure tests: run `make cluster` (as root on Linux)"
    return topology.missing()


@pytest.fixture(scope="session")
def cluster():
    cluster = topology.Cluster()
    try:
        cluster.up()
    except BaseException:
        for name in cluster.procs:
            print(f"--- {name}\n{cluster.log(name)}")
        cluster.teardown()
        raise
    try:
        yield cluster
    finally:
        cluster.teardown()


@pytest.fixture(scope="session")
def django_db_setup(cluster, django_db_blocker):
    """The cluster's own database (migrated by the topology), not a test database."""
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            connection.close()
    yield


@pytest.fixture(autouse=True)
def _orm(django_db_setup, django_db_blocker, cluster):
    from newsroom import db_router

    db_router.forget_health()
    with django_db_blocker.unblock():
        yield
    # Whatever a test stopped, the next one finds running.
    cluster.heal()
    from django.db import connections

    connections.close_all()


@pytest.fixture
def figures(request):
    """Record a test's figures: printed at the end of the run and saved as JSON."""
    found = FIGURES.setdefault(request.node.name, {})
    return found


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("cluster failure tests: figures")
    for test, values in FIGURES.items():
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        terminalreporter.write_line(f"{test}: {shown}")
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    (ARTIFACTS_DIR / "cluster-figures.json").write_text(json.dumps(FIGURES, indent=2))
