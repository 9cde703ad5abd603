"""`make run` writes a git-ignored .env that manage.py reads; tests never read one."""

import os
import subprocess
import sys

from tests.workers import PROJECT_DIR

SHOW = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"


def manage(env_file, *args, pytest_running=False, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "PYTEST_VERSION", "PYTEST_CURRENT_TEST"}
    }
    base.update(env, NEWSROOM_ENV_FILE=str(env_file))
    if pytest_running:
        base["PYTEST_VERSION"] = "9"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def make_env_file(path):
    done = subprocess.run(
        ["make", "-s", f"ENV_FILE={path}", str(path)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return path


def test_make_run_writes_a_private_env_file_with_a_generated_key_once(tmp_path):
    path = make_env_file(tmp_path / ".env")
    text = path.read_text()
    assert "DEBUG=true" in text
    key = next(line for line in text.splitlines() if line.startswith("SECRET_KEY="))
    assert len(key.split("=", 1)[1]) >= 50
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    make_env_file(path)
    assert path.read_text() == text  # kept, not regenerated
    assert make_env_file(tmp_path / "other.env").read_text() != text  # random per file


def test_manage_py_reads_it_so_commands_work_after_make_run(tmp_path):
    path = make_env_file(tmp_path / ".env")
    key = next(line for line in path.read_text().splitlines() if line.startswith("SECRET_KEY="))
    result = manage(path, "shell", "-c", SHOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True", key.split("=", 1)[1]]


def test_the_shell_environment_wins_over_the_file(tmp_path):
    path = make_env_file(tmp_path / ".env")
    result = manage(path, "shell", "-c", SHOW, SECRET_KEY="k" * 60)
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "k" * 60]


def test_tests_never_read_a_developers_env_file(tmp_path):
    path = make_env_file(tmp_path / ".env")
    result = manage(path, "check", pytest_running=True, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
