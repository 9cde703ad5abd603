"""Import speed and peak memory of `import_wordpress` on a generated export (`make bench-import`).

    DATABASE_URL=postgres://.../wp_real_bench .venv/bin/python -m bench.wxr_import --posts 50000

Writes a WXR file of `--posts` posts with `wordpress/bench.py`, drops and recreates
the database named by DATABASE_URL (it must be one of its own: everything in it is
lost), migrates it, then runs `manage.py import_wordpress --no-media` twice as a
child process: the first run imports everything, the second finds it unchanged.
Reports wall time and the child's peak resident memory (getrusage's ru_maxrss).
"""

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def recreate_database(url):
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def run(args, env):
    """Run manage.py with `args`; (seconds, peak RSS of that child in MB, output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 -- our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    # ru_maxrss is the largest child so far: only a larger peak than before is this one's.
    return took, max(peak, before) / 1024, done.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench.wxr_import needs DATABASE_URL=postgres://... (a database of its own)")

    from wordpress import bench as wxr

    env = dict(os.environ)
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("DEBUG", "false")
    env.setdefault("TRUSTED_PROXY_COUNT", "0")
    recreate_database(url)
    with tempfile.TemporaryDirectory() as directory:
        env.setdefault("MEDIA_ROOT", str(Path(directory) / "media"))
        run(["migrate", "--noinput", "-v0"], env)
        path = Path(directory) / f"bench-{args.posts}.xml"
        wxr.write(str(path), args.posts)
        size = path.stat().st_size / 1024 / 1024
        command = ["import_wordpress", str(path), "--no-media", "--no-progress"]
        print(  # noqa: T201
            f"import_wordpress, {args.posts} posts ({size:.0f} MB WXR), PostgreSQL, "
            "media not fetched",
            flush=True,
        )
        first, first_rss, output = run(command, env)
        print(output, flush=True)  # noqa: T201
        print(  # noqa: T201
            f"  first run (everything created): {first / 60:.1f} min ({first:.0f} s), "
            f"peak RSS {first_rss:.0f} MB",
            flush=True,
        )
        second, second_rss, _ = run(command, env)
        print(  # noqa: T201
            f"  second run (everything unchanged): {second / 60:.1f} min ({second:.0f} s), "
            f"peak RSS of the two runs {second_rss:.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
