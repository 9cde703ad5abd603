import pytest

from newsroom.celery import app, ping


def test_celery_is_configured_for_safe_redelivery():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit


def test_tasks_run_in_process_without_a_broker():
    assert ping.delay().get(timeout=5) == "pong"


@pytest.mark.worker
def test_a_real_worker_consumes_from_redis_and_returns_a_result(celery_worker_process):
    result = ping.apply_async(queue=celery_worker_process)
    assert result.get(timeout=30) == "pong"
