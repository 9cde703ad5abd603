"""Profile one page's rendering in-process, through the whole WSGI stack, under cProfile.

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        python -m bench.profile_article [--mode bypass|elsewhere|edited|cold|stack|hit] \\
            [--requests 300] [--path /...]

Uses the benchmark's settings (bench.settings: production settings, DEBUG off) and
its corpus (run `python -m bench.pages` once first). The requests go through
Django's WSGI handler as gunicorn's would, so every middleware counts:

- bypass: the page cache skipped (X-Bench-Bypass), fragments warm, as the
  benchmark's "bypass" row;
- cold: every cache empty (X-Bench-Cold as well, bench.middleware), as its "cold" row;
- elsewhere: a story's related stories built again, the rest of its page from the
  cache (X-Bench-Elsewhere as well), as its "elsewhere" row;
- edited: a story's own fragments built again, the shared blocks from the cache
  (X-Bench-Edited as well), as its "edited" row;
- stack: every middleware of the site around the floor's fixed page (X-Bench-Stack as
  well), as its "stack" row;
- hit: the page cache answers.

Prints the milliseconds per request and the functions that take them (cumulative
and own time, per request), and writes the raw profile (pstats) next to the text
under BENCH_RESULTS_DIR (bench/results).
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from datetime import datetime
from pathlib import Path

from bench import pages as bench_pages

HEADERS = {
    "bypass": {"HTTP_X_BENCH_BYPASS": "1"},
    "cold": {"HTTP_X_BENCH_BYPASS": "1", "HTTP_X_BENCH_COLD": "1"},
    "elsewhere": {"HTTP_X_BENCH_BYPASS": "1", "HTTP_X_BENCH_ELSEWHERE": "1"},
    "edited": {"HTTP_X_BENCH_BYPASS": "1", "HTTP_X_BENCH_EDITED": "1"},
    "stack": {"HTTP_X_BENCH_BYPASS": "1", "HTTP_X_BENCH_STACK": "1"},
    "hit": {},
}


def environ(path, extra):
    from io import BytesIO

    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **extra,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(HEADERS), default="bypass")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--page", default="article", help="home, article, category or feed")
    parser.add_argument("--path", help="an address instead of the benchmark's page")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--label", default="", help="added to the file names")
    args = parser.parse_args()

    config = bench_pages.configure()
    from django.core.handlers.wsgi import WSGIHandler

    path = args.path or bench_pages.pages(config["corpus"])[args.page]
    handler = WSGIHandler()
    extra = HEADERS[args.mode]
    statuses = {}

    def request():
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = status
            answer["cache"] = dict(headers).get("X-Cache")

        body = handler(environ(path, extra), start_response)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        statuses[(answer["status"], answer["cache"])] = (
            statuses.get((answer["status"], answer["cache"]), 0) + 1
        )

    for _ in range(20):  # warm: fragments stored, connections open, code imported
        request()
    statuses.clear()
    started = time.perf_counter()
    for _ in range(args.requests):
        request()
    plain = (time.perf_counter() - started) * 1000 / args.requests
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        request()
    profiler.disable()

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt * 1000 / args.requests
    print(
        f"{args.mode} {path}: {plain:.2f} ms per request without the profiler, "
        f"{total:.2f} ms under it ({args.requests} requests; answers {statuses})",
        file=out,
    )
    print(f"load average: {bench_pages.load_average()}", file=out)
    for order in ("cumulative", "tottime"):
        print(f"\n-- by {order} (ms per request) --", file=out)
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][3 if order == "cumulative" else 2])
        print(f"{'cum ms':>8} {'own ms':>8} {'calls':>7}  function", file=out)
        for (filename, line, name), (_cc, calls, own, cum, _callers) in rows[: args.top]:
            where = filename.replace(str(bench_pages.PROJECT_DIR) + "/", "")
            where = where.split("site-packages/")[-1]
            print(
                f"{cum * 1000 / args.requests:8.3f} {own * 1000 / args.requests:8.3f} "
                f"{calls / args.requests:7.1f}  {where}:{line}({name})",
                file=out,
            )
    text = out.getvalue()
    print(text)
    default = bench_pages.PROJECT_DIR / "bench" / "results"
    results = Path(os.environ.get("BENCH_RESULTS_DIR", default))
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    name = f"profile-{args.page if not args.path else 'path'}-{args.mode}{args.label}-{stamp}"
    stats.dump_stats(results / f"{name}.prof")
    (results / f"{name}.txt").write_text(text)
    print(f"Written to {results / name}.prof and .txt")


if __name__ == "__main__":
    main()
