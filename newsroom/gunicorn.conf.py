"""gunicorn settings for `make serve` (and `make bench`); each can be overridden by its variable.

Workers are processes (sync by default): a page render is CPU-bound Python,
so one worker per core plus one to cover a worker waiting on PostgreSQL or
Redis keeps the cores busy without paying for context switches.
GUNICORN_THREADS > 1 switches to threaded workers, for slow clients without
a buffering proxy in front.
"""

import multiprocessing
import os

host = os.environ.get("HOST", "127.0.0.1")
port = os.environ.get("PORT", "8000")
bind = os.environ.get("BIND", f"{host}:{port}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Recycling workers bounds the memory a slow leak can take.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 500))
# "-" logs each request to stdout; empty turns the access log off (benchmarks).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Load the application once in the master: workers share its memory and a
# broken configuration fails at start, not on the first request.
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
