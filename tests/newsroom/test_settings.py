import os
import subprocess
import sys

from tests.conftest import PROJECT_DIR


def run_manage(*args, unset=(), **env):
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", *unset}}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_mode_starts_without_secret_key():
    result = run_manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="p" * 10 + "-production-like-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="news.example.com",
        SITE_URL="https://news.example.com",
        SECURE_SSL_REDIRECT="true",
        TRUSTED_PROXY_COUNT="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "p" * 50}


def test_refuses_to_start_behind_a_proxy_without_a_proxy_count():
    """X-Forwarded-Proto trusted means a proxy: without TRUSTED_PROXY_COUNT every client
    would share its address (one client locks a user out for all, throttles site-wide)."""
    result = run_manage(
        "check", unset={"TRUSTED_PROXY_COUNT", "USE_X_FORWARDED_PROTO"}, **PRODUCTION
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT is not set" in result.stderr


def test_a_stated_proxy_count_or_no_proxy_starts():
    for env in (
        {"TRUSTED_PROXY_COUNT": "1"},
        {"TRUSTED_PROXY_COUNT": "0"},
        {"USE_X_FORWARDED_PROTO": "false"},
    ):
        result = run_manage("check", unset={"TRUSTED_PROXY_COUNT"}, **PRODUCTION, **env)
        assert result.returncode == 0, (env, result.stderr)


def test_no_missing_migrations():
    result = run_manage("makemigrations", "--check", "--dry-run", DEBUG="true")
    assert result.returncode == 0, result.stdout + result.stderr
