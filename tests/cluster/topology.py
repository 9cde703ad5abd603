"""The several-machine topology of `make cluster`, each "host" a Linux network namespace.

A bridge (10.231.0.1/24 on this machine) joins namespaces that each run what one
machine would: a PostgreSQL primary and a streaming replica (initdb'd data
directories of their own under RUN_DIR, never the machine's own clusters), Redis,
two gunicorn hosts, Varnish in front of them, two Celery worker hosts and one beat
host (plus a standby beat: redbeat's lock lets one of them send). Everything is
started here, as root, and `down()` removes all of it, also what a crashed earlier
run left behind.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RUN_DIR = Path("/tmp/newsroom-cluster")  # noqa: S108 - root-only, removed by down()
PREFIX = "nrc"
BRIDGE = f"{PREFIX}-br0"
NET = "10.231.0"
HOSTS = {
    "db1": 11,
    "db2": 12,
    "redis": 13,
    "web1": 21,
    "web2": 22,
    "edge": 30,
    "work1": 41,
    "work2": 42,
    "beat": 43,
}
PRIMARY_PORT, REPLICA_PORT, REDIS_PORT, WEB_PORT, EDGE_PORT = 5441, 5442, 6390, 8000, 8080
DB_NAME = "newsroom"


def addr(host):
    return f"{NET}.{HOSTS[host]}"


def ns(host):
    return f"{PREFIX}-{host}"


PRIMARY_URL = f"postgres://postgres@{addr('db1')}:{PRIMARY_PORT}/{DB_NAME}"
REPLICA_URL = f"postgres://postgres@{addr('db2')}:{REPLICA_PORT}/{DB_NAME}"
# The page cache in one Redis database, broker and beat's lock in another: a test
# clearing the cache must not drop queued tasks.
CACHE_REDIS_URL = f"redis://{addr('redis')}:{REDIS_PORT}/0"
BROKER_URL = f"redis://{addr('redis')}:{REDIS_PORT}/1"
EDGE_URL = f"http://{addr('edge')}:{EDGE_PORT}"
REPLICA_MAX_LAG = 3.0
REPLICA_CHECK_SECONDS = 0.5
SWEEP_SECONDS = 5

# What every host of the site runs with (and the test process, which writes as an
# editor's request would). Production-like: DEBUG off, pool on, purges to Varnish.
SITE_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "cluster-test-key-" + "x" * 40,
    "ALLOWED_HOSTS": f"{addr('edge')},news.example.com",
    "SITE_URL": EDGE_URL,
    "DATABASE_URL": PRIMARY_URL,
    "DATABASE_REPLICA_URL": REPLICA_URL,
    "DATABASE_POOL": "true",
    "REPLICA_MAX_LAG": str(REPLICA_MAX_LAG),
    "REPLICA_CHECK_SECONDS": str(REPLICA_CHECK_SECONDS),
    "REDIS_URL": CACHE_REDIS_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "CELERY_RESULT_BACKEND": BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "EDGE_PURGE": "varnish",
    "VARNISH_PURGE_URLS": EDGE_URL,
    "TRUSTED_PROXY_COUNT": "1",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "STATIC_MANIFEST": "false",
    "WHITENOISE_USE_FINDERS": "true",
    "TWO_FACTOR_REQUIRED": "false",
    "THROTTLE_ENABLED": "false",
    "LOGIN_LOCKOUT": "false",
    "PUBLISH_SWEEP_SECONDS": str(SWEEP_SECONDS),
    "SHARING_STALE_AFTER": "5",
    "SHARING_RETRY_BASE": "1",
    "BEAT_LOCK_TIMEOUT": "10",
    "BEAT_MAX_LOOP_INTERVAL": "2",
    "MEDIA_ROOT": str(RUN_DIR / "media"),
    "LOG_LEVEL": "WARNING",
}


def pg_bin():
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: p.parts)
    if not versions:
        return None
    return versions[-1].parent


def missing():
    """Why the topology cannot be built here, or None."""
    if sys.platform != "linux":
        return "needs Linux network namespaces"
    if os.geteuid() != 0:
        return "needs root (network namespaces, a bridge, PostgreSQL run as postgres)"
    for tool in ("ip", "redis-server", "runuser"):
        if not shutil.which(tool):
            return f"needs {tool}"
    if not (shutil.which("varnishd") or Path("/usr/sbin/varnishd").exists()):
        return "needs varnishd (make varnish)"
    if pg_bin() is None:
        return "needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)"
    return None


def sh(*args, check=True, **kwargs):
    done = subprocess.run(
        [str(a) for a in args], check=False, capture_output=True, text=True, **kwargs
    )
    if check and done.returncode:
        raise RuntimeError(f"{' '.join(map(str, args))} failed: {done.stderr.strip()}")
    return done


def wait_until(predicate, what, timeout=60, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


class Cluster:
    def __init__(self):
        self.procs = {}  # name -> Popen
        self.logs = RUN_DIR / "logs"
        self.pg = pg_bin()

    # -- network ---------------------------------------------------------------

    def network_up(self):
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        sh("ip", "addr", "add", f"{NET}.1/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        for host in HOSTS:
            veth = f"{PREFIX}v-{host}"
            sh("ip", "netns", "add", ns(host))
            sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns(host))
            sh("ip", "link", "set", veth, "master", BRIDGE, "up")
            sh("ip", "-n", ns(host), "addr", "add", f"{addr(host)}/24", "dev", "eth0")
            sh("ip", "-n", ns(host), "link", "set", "eth0", "up")
            sh("ip", "-n", ns(host), "link", "set", "lo", "up")

    # -- processes -------------------------------------------------------------

    def start(self, name, host, argv, env=None, user=None):
        """Run `argv` inside `host`'s namespace (as `user`), logging to logs/<name>.log."""
        command = ["ip", "netns", "exec", ns(host)]
        if user:
            command += ["runuser", "-u", user, "--"]
        command += [str(a) for a in argv]
        log = (self.logs / f"{name}.log").open("a")
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/root"}
        full_env.update(env or {})
        self.procs[name] = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self.procs[name]

    def site(self, name, host, argv, **extra):
        return self.start(name, host, argv, env={**SITE_ENV, **extra})

    def kill_host(self, host):
        """SIGKILL every process of `host`, as a machine that loses power."""
        pids = sh("ip", "netns", "pids", ns(host), check=False).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        wait_until(
            lambda: not sh("ip", "netns", "pids", ns(host), check=False).stdout.split(),
            f"every process of {host} to die",
            timeout=20,
        )
        for name, proc in self.procs.items():
            if proc.poll() is None and name.startswith(host):
                proc.wait(timeout=5)

    def log(self, name):
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # -- PostgreSQL ------------------------------------------------------------

    def pg_dir(self, host):
        return RUN_DIR / host

    def start_postgres(self, host, port):
        sock = RUN_DIR / f"{host}-socket"
        sock.mkdir(exist_ok=True)
        shutil.chown(sock, "postgres", "postgres")
        self.start(
            host,
            host,
            [
                self.pg / "postgres",
                "-D",
                self.pg_dir(host),
                "-c",
                f"port={port}",
                "-c",
                f"listen_addresses={addr(host)}",
                "-c",
                f"unix_socket_directories={sock}",
                # A throw-away cluster: durability is not what is tested.
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
                "-c",
                "shared_buffers=32MB",
            ],
            user="postgres",
        )
        wait_until(
            lambda: (
                sh(
                    "pg_isready", "-q", "-U", "postgres", "-h", addr(host), "-p", port, check=False
                ).returncode
                == 0
            ),
            f"PostgreSQL on {host}",
        )

    def stop_postgres(self, host):
        sh(
            "runuser",
            "-u",
            "postgres",
            "--",
            self.pg / "pg_ctl",
            "-D",
            self.pg_dir(host),
            "stop",
            "-m",
            "fast",
            "-w",
            "-t",
            "30",
        )
        self.procs[host].wait(timeout=30)

    def postgres_up(self):
        primary = self.pg_dir("db1")
        primary.mkdir(mode=0o700)
        shutil.chown(primary, "postgres", "postgres")
        sh(
            "runuser",
            "-u",
            "postgres",
            "--",
            self.pg / "initdb",
            "-D",
            primary,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {NET}.0/24 trust\nhost replication all {NET}.0/24 trust\n")
        self.start_postgres("db1", PRIMARY_PORT)
        sh("psql", "-h", addr("db1"), "-p", PRIMARY_PORT, "-U", "postgres", "-qc", "SELECT 1")
        sh(
            "psql",
            "-h",
            addr("db1"),
            "-p",
            PRIMARY_PORT,
            "-U",
            "postgres",
            "-qc",
            f"CREATE DATABASE {DB_NAME}",
        )
        replica = self.pg_dir("db2")
        replica.mkdir(mode=0o700)
        shutil.chown(replica, "postgres", "postgres")
        sh(
            "runuser",
            "-u",
            "postgres",
            "--",
            self.pg / "pg_basebackup",
            "-h",
            addr("db1"),
            "-p",
            PRIMARY_PORT,
            "-U",
            "postgres",
            "-D",
            replica,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        self.start_postgres("db2", REPLICA_PORT)

    def sql(self, host, statement):
        port = PRIMARY_PORT if host == "db1" else REPLICA_PORT
        return sh(
            "psql",
            "-h",
            addr(host),
            "-p",
            port,
            "-U",
            "postgres",
            "-d",
            DB_NAME,
            "-Atqc",
            statement,
            timeout=30,
        ).stdout.strip()

    # -- Redis -----------------------------------------------------------------

    def start_redis(self):
        data = RUN_DIR / "redis"
        data.mkdir(exist_ok=True)
        # Append-only file: a restarted Redis comes back with its queues (what the
        # README recommends for the broker).
        self.start(
            "redis",
            "redis",
            [
                "redis-server",
                "--bind",
                addr("redis"),
                "--port",
                REDIS_PORT,
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--dir",
                data,
                "--protected-mode",
                "no",
            ],
        )
        wait_until(lambda: self.redis_ping(), "Redis")

    def redis_ping(self):
        return (
            sh(
                "redis-cli", "-h", addr("redis"), "-p", REDIS_PORT, "ping", check=False, timeout=5
            ).stdout.strip()
            == "PONG"
        )

    def stop_redis(self):
        self.procs["redis"].send_signal(signal.SIGTERM)
        self.procs["redis"].wait(timeout=30)

    # -- the site --------------------------------------------------------------

    def start_web(self, host):
        self.site(
            host,
            host,
            [BIN / "gunicorn", "newsroom.wsgi", "-c", "newsroom/gunicorn.conf.py"],
            BIND=f"{addr(host)}:{WEB_PORT}",
            WEB_CONCURRENCY="2",
            GUNICORN_ACCESS_LOG="",
            GUNICORN_GRACEFUL_TIMEOUT="2",
            FORWARDED_ALLOW_IPS=addr("edge"),
            DATABASE_POOL_MAX_SIZE="3",
        )

    def web_alive(self, host):
        import httpx

        response = httpx.get(
            f"http://{addr(host)}:{WEB_PORT}/healthz/live",
            headers={"Host": "news.example.com"},
            timeout=2,
        )
        return response.status_code == 200

    def supervised(self, name, host, command):
        """Run `command` again whenever it exits, as systemd's Restart=always does for
        the units in deploy/systemd/ (a worker that lost Redis, a beat that lost its lock)."""
        self.site(name, host, ["sh", "-c", f"while true; do {command}; sleep 1; done"])

    def start_worker(self, host):
        self.supervised(
            host,
            host,
            f"{BIN / 'celery'} -A newsroom worker --concurrency=2 --loglevel=INFO "
            f"--without-gossip --without-mingle -n {host}@cluster",
        )

    def start_beat(self, name, host):
        self.supervised(
            name,
            host,
            f"{BIN / 'celery'} -A newsroom beat -S redbeat.RedBeatScheduler "
            f"--loglevel=INFO --pidfile= -s {RUN_DIR / name}-schedule",
        )

    def edge_up(self):
        varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
        vcl_dir = RUN_DIR / "vcl"
        vcl_dir.mkdir()
        default = (PROJECT_DIR / "deploy" / "varnish" / "default.vcl").read_text()
        # The site's hosts send purges from the cluster's network.
        default = default.replace("acl purgers {\n", f'acl purgers {{\n    "{NET}.0"/24;\n', 1)
        (vcl_dir / "default.vcl").write_text(default)
        shutil.copy(PROJECT_DIR / "deploy" / "varnish" / "cluster.vcl", vcl_dir / "cluster.vcl")
        self.start(
            "edge",
            "edge",
            [
                varnishd,
                "-F",
                "-a",
                f"{addr('edge')}:{EDGE_PORT}",
                "-T",
                "none",
                "-f",
                vcl_dir / "cluster.vcl",
                "-n",
                RUN_DIR / "varnish",
                "-s",
                "malloc,64m",
                "-p",
                "default_grace=1",
            ],
        )

    def migrate(self):
        env = {**os.environ, **SITE_ENV}
        sh(sys.executable, "manage.py", "migrate", "--noinput", "-v0", cwd=PROJECT_DIR, env=env)

    def up(self):
        down()
        RUN_DIR.mkdir(parents=True)
        self.logs.mkdir()
        (RUN_DIR / "media").mkdir()
        self.network_up()
        self.postgres_up()
        self.start_redis()
        self.migrate()
        for host in ("web1", "web2"):
            self.start_web(host)
        for host in ("work1", "work2"):
            self.start_worker(host)
        self.start_beat("beat", "beat")
        self.start_beat("work2-beat", "work2")  # the standby
        self.edge_up()
        for host in ("web1", "web2"):
            wait_until(lambda h=host: self.web_alive(h), f"gunicorn on {host}", timeout=90)
        wait_until(self.edge_alive, "Varnish", timeout=60)

    def edge_alive(self):
        import httpx

        return httpx.get(f"{EDGE_URL}/healthz/live", timeout=2).status_code == 200

    def running(self, name):
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def heal(self):
        """Start again whatever a test stopped or killed, and resume WAL replay."""
        if not self.running("db1"):
            self.start_postgres("db1", PRIMARY_PORT)
        if not self.running("db2"):
            self.start_postgres("db2", REPLICA_PORT)
        wait_until(lambda: self.sql("db2", "SELECT pg_is_in_recovery()") == "t", "the replica", 30)
        if self.sql("db2", "SELECT pg_is_wal_replay_paused()") == "t":
            self.sql("db2", "SELECT pg_wal_replay_resume()")
        if not self.running("redis"):
            self.start_redis()
        for host in ("web1", "web2"):
            if not self.running(host):
                self.start_web(host)
        for host in ("work1", "work2"):
            if not self.running(host):
                self.start_worker(host)
        for name, host in (("beat", "beat"), ("work2-beat", "work2")):
            if not self.running(name):
                self.start_beat(name, host)
        for host in ("web1", "web2"):
            wait_until(lambda h=host: self.web_alive(h), f"gunicorn on {host}", timeout=90)
        wait_until(self.edge_alive, "Varnish and a healthy backend", timeout=30)

    def teardown(self):
        down(self)


def down(cluster=None):
    """Stop and remove everything of a topology, this one's or a crashed run's."""
    procs = cluster.procs.values() if cluster else []
    for host in HOSTS:
        pids = sh("ip", "netns", "pids", ns(host), check=False).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
    # Processes started outside a namespace's pid list (runuser's children) by data dir.
    for host in ("db1", "db2"):
        pidfile = RUN_DIR / host / "postmaster.pid"
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
    for host in HOSTS:
        sh("ip", "netns", "del", ns(host), check=False)
        sh("ip", "link", "del", f"{PREFIX}v-{host}", check=False)
    sh("ip", "link", "del", BRIDGE, check=False)
    if RUN_DIR.exists():
        # Keep the logs of the last run for a look after a failure.
        logs = RUN_DIR / "logs"
        if logs.exists():
            kept = Path("/tmp/newsroom-cluster-logs")  # noqa: S108
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(logs, kept)
        shutil.rmtree(RUN_DIR, ignore_errors=True)
