"""With read replicas, every purge is repeated once the replicas have surely replayed it."""

from unittest.mock import patch

from caching import purges, tasks


def test_a_purge_is_repeated_after_the_replicas_allowed_lag(settings):
    settings.REPLICA_DATABASES = ["replica1"]
    settings.REPLICA_MAX_LAG = 5.0
    settings.REPLICA_CHECK_SECONDS = 1.0
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with patch.object(tasks.purge_again, "apply_async") as later:
        purges.purge(["article:7", "home"])
    later.assert_called_once_with((["article:7", "home"],), countdown=5.0)


def test_without_replicas_a_purge_is_not_repeated(settings):
    settings.REPLICA_DATABASES = []
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with patch.object(tasks.purge_again, "apply_async") as later:
        purges.purge(["article:7"])
    later.assert_not_called()


def test_the_repeated_purge_drops_the_store_and_the_edge():
    with (
        patch("caching.store.purge") as store_purge,
        patch("caching.purges.send_to_edge") as edge_purge,
    ):
        tasks.purge_again(["article:7"])
    store_purge.assert_called_once_with({"article:7"})
    edge_purge.assert_called_once_with(["article:7"])
