"""Search benchmark: generated articles on PostgreSQL, timing articles.search.search_page().

    DATABASE_URL=postgres://... .venv/bin/python -m bench.search --articles 100000
    make bench-search     (or as part of `make bench`: its own database, see the Makefile)

Generates the articles once (bulk inserts in batches, then one UPDATE for the
search vectors) in sections named "Bench …", reuses them on later runs with the
same count, and times one- and two-word queries through the same code as the
/search/ page: search_page() for the first page, with bylines, tags and
snippets. Prints the median and 95th percentile in milliseconds, and the
load average, since a busy machine slows every figure. `--runs N`
repeats the measurement and also prints the median of the runs' medians.
`--setup` creates the database when it is missing and migrates it.

Word frequencies follow Zipf's law over a generated vocabulary whose commonest
words are English stop words, as in real prose. Query words are drawn the way
readers search (names and content words, not "the"), log-uniformly over
vocabulary ranks 100 to 20,000; the commonest words are timed separately.

`--armenian N` (by default a tenth of --articles) adds N Armenian stories
(language "hy", indexed with hy_simple) whose words of an Armenian-letter
vocabulary carry case and plural endings; their queries, one word in some
form with its ending, are timed on the Armenian edition (prefix matching).
"""

import argparse
import os
import random
import statistics
import sys
import time
from bisect import bisect
from itertools import accumulate

if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    sys.exit("The search benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
# In-process queries only: no client address is read.
os.environ.setdefault("TRUSTED_PROXY_COUNT", "0")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import search  # noqa: E402
from articles.models import Article, ArticleAuthor  # noqa: E402
from articles.search.index import vector_sql  # noqa: E402
from authors.models import Author  # noqa: E402
from categories.models import Category  # noqa: E402

STOP_WORDS = (  # noqa: SIM905 -- 130 words read better as prose
    "the of and to a in is that for it as was with be by on not he i this are or his "
    "from at which but have an they you were her she there been one all we their has "
    "would when if so no will more can who said what up its about into than them only "
    "other new some could these two may first then do any like my now over such our "
    "man me even most made after also did many before must through back years where much "
    "your way well down should because each just those people how too little state good "
    "very make world still own see men work long get here between both life being under"
).split()
SYLLABLES = [c + v for c in "bdfghklmnprstvzy" for v in ("a", "e", "i", "o", "u", "ar", "an")]
ARMENIAN_SYLLABLES = [c + v for c in "բգդզթլխծկհղճմյնշչպջռսվտրցփքֆ" for v in "աեէըիո"]
# Endings Armenian words get in the generated prose (none, most often).
ARMENIAN_ENDINGS = ("", "", "", "ի", "ում", "ից", "ը", "ով", "ներ", "ների", "ները")
VOCABULARY_SIZE = 20_000
SEED = 8


def vocabulary(rng, syllables=SYLLABLES, stop_words=STOP_WORDS):
    words, seen = list(stop_words), set(stop_words)
    while len(words) < VOCABULARY_SIZE:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Prose:
    """Words drawn by Zipf's law (s = 1) over the vocabulary."""

    def __init__(self, rng, words, endings=("",)):
        self.rng, self.words, self.endings = rng, words, endings
        self.cumulative = list(accumulate(1 / rank for rank in range(1, len(words) + 1)))

    def words_(self, n):
        total = self.cumulative[-1]
        return [
            self.words[bisect(self.cumulative, self.rng.random() * total)]
            + self.rng.choice(self.endings)
            for _ in range(n)
        ]

    def sentence(self, n):
        text = " ".join(self.words_(n))
        return text[:1].upper() + text[1:] + "."


def generate(count, rng, words, *, language="en", prefix="bench-", endings=("",), fill=True):
    prose = Prose(rng, words, endings)
    sections = [
        Category.objects.get_or_create(slug=f"bench-{n}", defaults={"name": f"Bench {n}"})[0]
        for n in range(10)
    ]
    authors = [
        Author.objects.get_or_create(
            slug=f"bench-author-{n}",
            defaults={"name": " ".join(w.capitalize() for w in rng.sample(words[200:], 2))},
        )[0]
        for n in range(200)
    ]
    now = timezone.now()
    batch_size = 2000
    start = time.perf_counter()
    for offset in range(0, count, batch_size):
        batch = []
        for n in range(offset, min(offset + batch_size, count)):
            paragraphs = "".join(
                f"<p>{' '.join(prose.sentence(rng.randint(8, 20)) for _ in range(4))}</p>"
                for _ in range(4)
            )
            batch.append(
                Article(
                    title=prose.sentence(rng.randint(5, 10))[:-1],
                    slug=f"{prefix}{n}",
                    language=language,
                    dek=prose.sentence(rng.randint(14, 24)),
                    body=paragraphs,
                    category=sections[n % len(sections)],
                    status=Article.Status.PUBLISHED,
                    publish_at=now - timezone.timedelta(minutes=rng.randint(1, 60 * 24 * 3650)),
                )
            )
        with transaction.atomic():
            created = Article.objects.bulk_create(batch)
            ArticleAuthor.objects.bulk_create(
                ArticleAuthor(article=article, author=rng.choice(authors)) for article in created
            )
        print(f"\r  inserted {min(offset + batch_size, count)}/{count}", end="", flush=True)
    print(f"  ({time.perf_counter() - start:.1f} s)")
    if fill:
        fill_vectors()


def fill_vectors():
    # Maintaining the GIN index row by row would cost minutes; building it
    # afterwards, as after a restore, costs seconds.
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")  # compiling costs more than it saves here
        cursor.execute("DROP INDEX IF EXISTS article_search_vector_gin")
        cursor.execute(vector_sql("x.slug LIKE 'bench-%%'"))
        filled = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(
            "CREATE INDEX article_search_vector_gin ON articles_article USING gin (search_vector)"
        )
        # The UPDATE left a dead copy of every row; a table grown by saves has none.
        cursor.execute("VACUUM FULL ANALYZE articles_article")
    print(
        f"  search vectors filled in one UPDATE ({filled - start:.1f} s), "
        f"GIN index built and table vacuumed ({time.perf_counter() - filled:.1f} s)"
    )


def analyze():
    # Statistics as autovacuum keeps them on a live site (bylines and authors
    # too: the typo fallback's plan depends on them); a server with autovacuum
    # off, or one that has not got round to a fresh bulk load, has none.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def create_database():
    """Create the database named by DATABASE_URL when it is missing, then migrate it."""
    import psycopg
    from django.core.management import call_command
    from psycopg import sql

    params = connection.get_connection_params()
    name = params.pop("dbname")
    params = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")
    call_command("migrate", verbosity=0)


ARMENIAN_PREFIX = "bench-hy-"


def remove_bench_articles():
    Article.objects.filter(slug__startswith="bench-").delete()


def timed(query, edition="en"):
    start = time.perf_counter()
    # As SearchView asks, for the edition of its address.
    page = search.search_page(query, page=1, per_page=20, edition=edition)
    return (time.perf_counter() - start) * 1000, page.count


def report(label, samples):
    times = sorted(t for t, _ in samples)
    hits = sorted(h for _, h in samples)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(
        f"{label:<24} n={len(times):<4} median {statistics.median(times):7.1f} ms   "
        f"p95 {p95:7.1f} ms   max {times[-1]:7.1f} ms   median hits {statistics.median(hits):.0f}"
    )
    return statistics.median(times)


def load():
    return "load average " + " ".join(f"{n:.2f}" for n in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument(
        "--armenian", type=int, default=None, help="Armenian articles (a tenth of --articles)"
    )
    parser.add_argument("--queries", type=int, default=200, help="per kind (one word, two words)")
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate articles")
    parser.add_argument("--clean", action="store_true", help="remove the bench articles and exit")
    parser.add_argument("--force", action="store_true", help="run on a database with content")
    parser.add_argument("--refill", action="store_true", help="recompute the vectors first")
    parser.add_argument("--runs", type=int, default=1, help="repeat the measurement")
    parser.add_argument("--setup", action="store_true", help="create and migrate the database")
    args = parser.parse_args(argv)
    if args.setup:
        create_database()

    if args.clean:
        remove_bench_articles()
        print("Bench articles removed.")
        return
    others = Article.objects.exclude(slug__startswith="bench-").count()
    if others and not args.force:
        sys.exit(
            f"This database holds {others} articles that are not the benchmark's: use a "
            "database of its own (or --force to add 100,000 articles to it anyway)."
        )
    rng = random.Random(SEED)  # noqa: S311 -- reproducible data, not secrets
    words = vocabulary(rng)
    armenian_words = vocabulary(random.Random(SEED + 2), ARMENIAN_SYLLABLES, ())  # noqa: S311
    armenian = args.articles // 10 if args.armenian is None else args.armenian
    bench = Article.objects.filter(slug__startswith="bench-")
    existing = bench.exclude(slug__startswith=ARMENIAN_PREFIX).count()
    existing_armenian = bench.filter(slug__startswith=ARMENIAN_PREFIX).count()
    if args.regenerate or existing != args.articles:
        if existing or existing_armenian:
            print(f"Removing {existing + existing_armenian} bench articles…", flush=True)
            remove_bench_articles()
        existing_armenian = 0
        print(f"Generating {args.articles} articles…")
        generate(args.articles, rng, words, fill=False)
    else:
        print(f"Reusing {existing} bench articles.")
    if existing_armenian and existing_armenian == armenian:
        print(f"Reusing {existing_armenian} Armenian bench articles.")
    if existing_armenian != armenian:
        bench.filter(slug__startswith=ARMENIAN_PREFIX).delete()
        print(f"Generating {armenian} Armenian articles…")
        generate(
            armenian,
            random.Random(SEED + 3),  # noqa: S311
            armenian_words,
            language="hy",
            prefix=ARMENIAN_PREFIX,
            endings=ARMENIAN_ENDINGS,
            fill=False,
        )
    if args.regenerate or existing != args.articles or existing_armenian != armenian or args.refill:
        fill_vectors()
    analyze()
    total = Article.objects.count()
    print(f"{total} articles in the database; PostgreSQL {connection.pg_version}")

    query_rng = random.Random(SEED + 1)  # noqa: S311

    def content_word():
        # Log-uniform over ranks 100..20,000: some common, mostly rarer words and names.
        rank = int(10 ** query_rng.uniform(2, 4.3))
        return words[min(rank, len(words) - 1)]

    one = [content_word() for _ in range(args.queries)]
    # Armenian words with an ending, as readers type them: the stem is then a prefix.
    armenian_one = [
        armenian_words[min(int(10 ** query_rng.uniform(2, 4.3)), len(armenian_words) - 1)]
        + query_rng.choice(ARMENIAN_ENDINGS)
        for _ in range(args.queries if armenian else 0)
    ]
    two = [f"{content_word()} {content_word()}" for _ in range(args.queries)]
    common = [words[rank] for rank in range(100, 110)]
    for query in one[:5]:
        timed(query)  # warm caches and the connection
    medians = {}
    for run in range(1, args.runs + 1):
        print(f"Run {run} of {args.runs}, {load()}")
        medians.setdefault("one word", []).append(report("one word", [timed(q) for q in one]))
        medians.setdefault("two words", []).append(report("two words", [timed(q) for q in two]))
        report("one word, both", [timed(q) for q in one + two])
        medians.setdefault("very common word", []).append(
            report("very common word", [timed(q) for q in common])
        )
        medians.setdefault("typo (fallback)", []).append(
            report("typo (fallback)", [timed(q[:-1] + "x" + q[-1]) for q in one[:50]])
        )
        if armenian_one:
            medians.setdefault("Armenian word, hy", []).append(
                report("Armenian word, hy", [timed(q, "hy") for q in armenian_one])
            )
    print(f"Done, {load()}")
    if args.runs > 1:
        print("Median of the runs' medians:")
        for label, values in medians.items():
            print(
                f"  {label:<22} {statistics.median(values):7.1f} ms   (runs: "
                + ", ".join(f"{v:.1f}" for v in values)
                + ")"
            )
    target = max(statistics.median(medians["one word"]), statistics.median(medians["two words"]))
    print(
        f"Target: median under 50 ms for one- and two-word queries: "
        f"{'met' if target < 50 else 'NOT met'} ({target:.1f} ms)"
    )


if __name__ == "__main__":
    main()
