"""Django templates or Jinja2 for the article's main fragment: the same output, timed.

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        PYTHONPATH=<a folder with jinja2> python -m bench.jinja_article [--renders 2000]

Jinja2 is not a requirement of the project: install it anywhere on the path for
this measurement (e.g. `pip install --target /tmp/jinja jinja2`). The story is the
benchmark's article (run `python -m bench.pages` once first). Its row, pictures,
bylines, tags and body are loaded once as the view loads them
(ArticleDetailView.prepare); then the fragment is rendered again and again:

- django: templates/articles/includes/article_main.html through render_to_string
  with the request, as the view does (context processors included);
- django, no request: the same without context processors;
- jinja2: bench/jinja/article_main.html, the same template written for Jinja2
  (its includes as macros, {% picture %} as a macro over the same
  images.renditions.picture(), Django's date, linebreaksbr and urlencode filters),
  autoescaping on, compiled once.

Both outputs are compared (whitespace between tags aside) before anything is
timed. Prints microseconds per rendering (the best of --repeat runs) and writes
them under BENCH_RESULTS_DIR.
"""

import argparse
import os
import re
import sys
import timeit
from datetime import datetime
from pathlib import Path

from bench import pages as bench_pages

HERE = Path(__file__).resolve().parent


def jinja_environment():
    import jinja2
    from django.conf import settings
    from django.template import defaultfilters
    from django.urls import reverse
    from django.utils import dateformat
    from django.utils.timezone import localtime

    from images import renditions

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "jinja"),
        autoescape=True,
        auto_reload=False,
    )
    env.filters["date"] = lambda when, fmt: dateformat.format(localtime(when), fmt)
    env.filters["time"] = lambda when, fmt: dateformat.time_format(localtime(when), fmt)
    env.filters["linebreaksbr"] = lambda text: jinja2.utils.markupsafe.Markup(
        defaultfilters.linebreaksbr(text, autoescape=True)
    )
    env.filters["urlencode_all"] = lambda value: defaultfilters.urlencode(value, "")
    env.globals.update(
        url=lambda name, *args: reverse(name, args=args),
        picture_data=lambda image, ratio, sizes: renditions.picture(image, ratio, sizes=sizes),
        SITE_URL=settings.SITE_URL,
    )
    return env


def _normalised(html):
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    config = bench_pages.configure()
    import jinja2
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils.safestring import mark_safe

    from articles import bodyimages
    from articles.models import Article
    from articles.views import ArticleDetailView

    path = bench_pages.pages(config["corpus"])["article"]
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    article = Article.objects.story_at(slug)
    images = ArticleDetailView.prepare(article)
    body = mark_safe(bodyimages.render(article.body, images))  # noqa: S308 # nosec B308 B703
    request = RequestFactory().get(path, HTTP_HOST="127.0.0.1")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    context = {"article": article, "body": body, "editions": []}
    template = ArticleDetailView.MAIN_TEMPLATE

    env = jinja_environment()
    jinja_template = env.get_template("article_main.html")
    jinja_context = {**context, "body": jinja2.utils.markupsafe.Markup(str(body))}

    django_html = render_to_string(template, context, request=request)
    jinja_html = jinja_template.render(jinja_context)
    same = _normalised(django_html) == _normalised(jinja_html)
    if not same:
        a, b = _normalised(django_html), _normalised(jinja_html)
        at = next(
            (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        print("outputs differ at", at, repr(a[at - 80 : at + 80]), repr(b[at - 80 : at + 80]))

    runs = {
        "django": lambda: render_to_string(template, context, request=request),
        "django, no request": lambda: render_to_string(template, context),
        "jinja2": lambda: jinja_template.render(jinja_context),
    }
    results = {}
    for name, run in runs.items():
        best = min(timeit.repeat(run, number=args.renders, repeat=args.repeat))
        results[name] = best * 1e6 / args.renders
    lines = [
        f"article main fragment of {path} ({len(django_html):,} bytes, {Article.objects.count():,} "
        f"articles), best of {args.repeat} runs of {args.renders} renderings; outputs "
        f"{'the same' if same else 'DIFFERENT'} (whitespace between tags aside)",
        f"load average: {bench_pages.load_average()}",
    ]
    for name, micro in results.items():
        ratio = micro / results["django"]
        lines.append(f"  {name:<20} {micro:8.1f} µs per rendering ({ratio:.0%} of Django's)")
    text = "\n".join(lines)
    print(text)
    results_dir = Path(os.environ.get("BENCH_RESULTS_DIR", HERE / "results"))
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    out = results_dir / f"jinja-article-{stamp}.txt"
    out.write_text(text + "\n")
    print(f"Written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
