"""The story page beside Wagtail's: the project and a Wagtail site serving the same stories.

    DATABASE_URL=postgres://... REDIS_URL=redis://... make bench-wagtail

`make bench-wagtail` makes the Wagtail reference's own virtualenv (.venv-wagtail, from
bench/wagtail_site/requirements.txt: Wagtail from PyPI, never a project requirement),
then runs this module, which:

- makes sure the benchmark's corpus exists (bench/pages.py: BENCH_ARTICLES stories,
  2,000 by default) and copies it into the reference's database, DATABASE_URL's
  name with "_wagtail" added (bench/wagtail_site/load.py, in its virtualenv);
- starts, on free ports of 127.0.0.1, with the project's gunicorn settings and the
  same WEB_CONCURRENCY: the project's benchmark server (bench.settings), the
  floor (a bare Django, bench/floor_settings.py) and the Wagtail reference;
- measures with wrk, in BENCH_ROUNDS rounds (3) of one run each: the floor, the
  Wagtail story page as it serves it (no page cache: Wagtail renders every request,
  its own caches warm) and with every cache empty ("wagtail cold", X-Bench-Cold), and
  the project's same story with the page cache bypassed ("bypass": fragments
  warm), as after an edit elsewhere ("elsewhere"), as after an edit of the story
  itself ("edited") and with every cache empty ("cold"), as bench/pages.py defines
  them.

Prints each mode's median over the rounds with its ratio to the floor and to the
Wagtail page as served in the same round, and writes JSON to BENCH_RESULTS_DIR.

Environment: as bench/pages.py (BENCH_ARTICLES, BENCH_DURATION, BENCH_THREADS,
BENCH_CONNECTIONS, WEB_CONCURRENCY, BENCH_RESULTS_DIR), plus BENCH_ROUNDS and
WAGTAIL_PYTHON (.venv-wagtail/bin/python).
"""

import html
import json
import os
import statistics
import subprocess
import sys
import urllib.request
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from bench import pages as bench

WAGTAIL_PYTHON = bench.PROJECT_DIR / ".venv-wagtail" / "bin" / "python"
WAGTAIL_SETTINGS = "bench.wagtail_site.settings"
# Measured in this order in each round; ratios are to the round's floor and Wagtail.
MODES = ("floor", "wagtail", "wagtail cold", "bypass", "elsewhere", "edited", "cold")


def wagtail_env(database_url):
    return {
        "WAGTAIL_DATABASE_URL": database_url,
        "WAGTAIL_REDIS_URL": os.environ["REDIS_URL"],
        "SOURCE_DATABASE_URL": os.environ["DATABASE_URL"],
        "DJANGO_SETTINGS_MODULE": WAGTAIL_SETTINGS,
    }


def in_wagtail(python, env, *args):
    """Run bench.wagtail_site.load in the reference's virtualenv; its standard output."""
    done = subprocess.run(  # noqa: S603 - fixed command
        [str(python), "-m", "bench.wagtail_site.load", *args],
        cwd=bench.PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        bench.fail(f"bench.wagtail_site.load {' '.join(args)} failed")
    return done.stdout


def _page(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1
    with bench._local.open(request, timeout=30) as response:
        return response.read().decode()


def same_story(site, wagtail, headers, slug):
    """{"project": bytes, "wagtail": bytes} of the two pages, once both are seen to show
    the story: its headline, its body's pictures and its four related stories."""
    from articles.models import Article

    story = Article.objects.get(slug=slug)
    ours, theirs = _page(site, headers), _page(wagtail)
    pictures = story.body.count("<img")
    checks = {
        "headline": [html.escape(story.title) in page for page in (ours, theirs)],
        "body pictures": [
            ours.count('alt="A picture of the story"'),
            theirs.count('class="richtext-image'),
        ],
        "related": [page.count('class="related"') for page in (ours, theirs)],
    }
    if checks != {"headline": [True] * 2, "body pictures": [pictures] * 2, "related": [1] * 2}:
        bench.fail(f"the two pages do not show the same story {slug!r}: {checks}")
    return {"project": len(ours.encode()), "wagtail": len(theirs.encode())}


def main():
    python = Path(os.environ.get("WAGTAIL_PYTHON", WAGTAIL_PYTHON))
    if not python.exists():
        bench.fail(f"no {python}: `make bench-wagtail` makes the reference's virtualenv")
    config = bench.configure()
    with ExitStack() as running:
        run(config, python, running)


def run(config, python, running):
    count = int(os.environ.get("BENCH_ARTICLES", 2000))
    duration = max(1, int(os.environ.get("BENCH_DURATION", 5)))
    rounds = max(1, int(os.environ.get("BENCH_ROUNDS", 3)))
    load = {
        "duration": duration,
        "threads": int(os.environ.get("BENCH_THREADS", 2)),
        "connections": int(os.environ.get("BENCH_CONNECTIONS", 16)),
    }
    results_dir = Path(os.environ.get("BENCH_RESULTS_DIR", bench.PROJECT_DIR / "bench" / "results"))
    print(f"Corpus: {count} articles (generated)")
    _total, took = bench.generate(count)
    if took:
        print(f"  generated in {took:.1f} s")
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    env = wagtail_env(bench._database_of_its_own(os.environ["DATABASE_URL"], "_wagtail"))
    print(in_wagtail(python, env).rstrip())

    path = bench.pages()["article"]
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    wagtail_path = f"/{slug}/"
    ours = bench.count_queries({"article": path}, config["bypass_header"])["article"]
    theirs = json.loads(in_wagtail(python, env, "--queries", wagtail_path))

    ports = {**config["ports"], "wagtail": bench.free_port()}
    servers = {
        "site": bench.start_gunicorn(
            "newsroom.wsgi", ports["site"], bench.SETTINGS_MODULE, "/robots.txt"
        ),
        "floor": bench.start_gunicorn(
            "bench.floor_wsgi", ports["floor"], bench.FLOOR_SETTINGS_MODULE, "/"
        ),
        "wagtail": bench.start_gunicorn(
            "bench.wagtail_site.wsgi",
            ports["wagtail"],
            WAGTAIL_SETTINGS,
            wagtail_path,
            python=python,
            env=env,
        ),
    }
    for server in servers.values():
        running.callback(bench.stop_server, server)
    site = f"http://127.0.0.1:{ports['site']}{path}"
    wagtail = f"http://127.0.0.1:{ports['wagtail']}{wagtail_path}"
    bypass = [f"{config['bypass_header']}: 1"]
    cold = [f"{bench.COLD_HEADER}: 1"]
    asked = {
        "floor": (f"http://127.0.0.1:{ports['floor']}/", []),
        "wagtail": (wagtail, []),
        "wagtail cold": (wagtail, cold),
        "bypass": (site, bypass),
        "elsewhere": (site, [*bypass, f"{bench.ELSEWHERE_HEADER}: 1"]),
        "edited": (site, [*bypass, f"{bench.EDITED_HEADER}: 1"]),
        "cold": (site, [*bypass, *cold]),
    }
    queries = {
        "floor": 0,
        "wagtail": theirs["served"],
        "wagtail cold": theirs["cold"],
        "bypass": ours["bypass"],
        "elsewhere": ours["elsewhere"],
        "edited": ours["edited"],
        "cold": ours["cold"],
    }
    sizes = same_story(site, wagtail, {config["bypass_header"]: "1"}, slug)
    for url, headers in asked.values():
        bench.wrk(url, **{**load, "duration": 1}, headers=headers)

    measured = {mode: [] for mode in MODES}
    loadavg = {"start": bench.load_average()}
    for _ in range(rounds):
        found = {
            mode: bench.wrk(url, **load, headers=headers) for mode, (url, headers) in asked.items()
        }
        for mode, result in found.items():
            measured[mode].append(
                {
                    **result,
                    "of_floor": result["rps"] / found["floor"]["rps"],
                    "of_wagtail": result["rps"] / found["wagtail"]["rps"],
                }
            )
    loadavg["end"] = bench.load_average()

    lines = [
        f"Story page {path} (project) and {wagtail_path} (Wagtail reference), "
        f"{rounds} rounds of wrk {load['threads']} threads × {load['connections']} connections "
        f"× {duration} s; medians over the rounds:",
        "",
        f"{'measured':<13} {'req/s':>7} {'min–max':>13} {'p50 ms':>7} {'errors':>7} "
        f"{'queries':>8} {'of floor':>9} {'of Wagtail':>11}",
    ]
    summary = {}
    for mode in MODES:
        runs = measured[mode]
        rps = [r["rps"] for r in runs]
        row = {
            "rps": statistics.median(rps),
            "rps_min": min(rps),
            "rps_max": max(rps),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "queries": queries[mode],
            "of_floor": statistics.median(r["of_floor"] for r in runs),
            "of_wagtail": statistics.median(r["of_wagtail"] for r in runs),
        }
        summary[mode] = row
        lines.append(
            f"{mode:<13} {row['rps']:>7.0f} {row['rps_min']:>6.0f}–{row['rps_max']:<6.0f} "
            f"{row['p50_ms']:>7.2f} {row['errors']:>7} {row['queries']:>8} "
            f"{row['of_floor']:>8.1%} {row['of_wagtail']:>10.2f}×"
        )
    lines += [
        "",
        f"Page sizes: project {sizes['project']} bytes, Wagtail {sizes['wagtail']} bytes.",
        f"load average (1, 5, 15 min): {loadavg['start']} at the start, "
        f"{loadavg['end']} at the end",
    ]
    text = "\n".join(lines)
    print()
    print(text)
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    out = results_dir / f"wagtail-{count}-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "articles": count,
                "paths": {"project": path, "wagtail": wagtail_path},
                "rounds": rounds,
                "load": load,
                "summary": summary,
                "runs": measured,
                "sizes": sizes,
                "load_average": loadavg,
                "text": text,
            },
            indent=2,
        )
    )
    print(f"Results written to {out}")


if __name__ == "__main__":
    main()
