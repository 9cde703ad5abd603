"""Start, find, stop and kill real Celery worker processes for the worker tests."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

from newsroom.celery import app as celery_app

PROJECT_DIR = Path(__file__).resolve().parents[1]


def node_name(queue):
    return f"{queue}@{os.uname().nodename}"


def worker_pid(queue):
    """The pid of the worker on `queue` (ask while it is idle: a busy solo worker cannot answer)."""
    stats = celery_app.control.inspect(destination=[node_name(queue)], timeout=5).stats() or {}
    return stats[node_name(queue)]["pid"]


def kill(pid, timeout=30):
    """SIGKILL a worker, as the OOM killer or a lost machine would, and wait until it is dead."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in ("Z", "X"):  # dead; its parent reaps it later
            return
        time.sleep(0.1)
    raise AssertionError(f"worker {pid} survived SIGKILL")


def start_worker(queue, timeout=60):
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}"
            f"/{db['NAME']}"
        )
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    # Follow-up tasks the worker sends (go-live side effects, retries) must come
    # back to this worker, not to a default queue nobody consumes in tests.
    env["SIDE_EFFECTS_QUEUE"] = queue
    # The worker reads its own settings: keep its retry back-off test-sized.
    env["SHARING_RETRY_BASE"] = "1"
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full one
    # would block the worker.
    log_path = Path(tempfile.gettempdir()) / f"celery-{queue}.log"
    with log_path.open("w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [
                celery,
                "-A",
                "newsroom",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{queue}@%h",
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log_path.read_text()}")
        if celery_app.control.ping(destination=[node_name(queue)], timeout=1):
            return proc
    proc.kill()
    raise RuntimeError(f"celery worker did not answer a ping within {timeout} s")


def stop_worker(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
