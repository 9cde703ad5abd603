"""Backup and restore benchmark: 100,000 articles and 10,000 library images on PostgreSQL.

    DATABASE_URL=postgres://.../newsroom_bench .venv/bin/python -m bench.backups
    make bench-backup     (its own database, see the Makefile)

Generates the articles as the search benchmark does (reused by later runs), and
`--images` library images: each a photo-like JPEG of about 110 KB plus four smaller
files standing for its renditions (files only, so the file count is a real site's).
Then times `backup` (pg_dump in one snapshot, every media file copied and hashed),
and `manage.py restore` of it into a new database and media root (checksums
checked, pg_restore, row counts compared, media written), and prints the figures
with the machine's load. The restore target is dropped afterwards; the backup is
deleted. Results are also written to bench/results/backup-<time>.txt.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

# Checks DATABASE_URL and sets Django up; project imports follow in the functions.
from bench import search

PROJECT_DIR = Path(__file__).resolve().parent.parent
RENDITION_WIDTHS = (320, 640, 960, 1280)


def photo(rng, width, height):
    """JPEG bytes with some texture, so the file is the size of a real photo's."""
    from PIL import Image as Picture
    from PIL import ImageFilter

    noise = Picture.effect_noise((width, height), 60).convert("RGB")
    base = Picture.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    picture = Picture.blend(base, noise, 0.5).filter(ImageFilter.GaussianBlur(2))
    out = BytesIO()
    picture.save(out, "JPEG", quality=82)
    return out.getvalue()


def generate_images(count, media_root, rng):
    from images.models import Image

    existing = Image.objects.filter(title__startswith="Bench image ").count()
    if existing == count and (media_root / "images" / "bench").is_dir():
        print(f"Reusing {existing} bench images.")
        return
    Image.objects.filter(title__startswith="Bench image ").delete()
    shutil.rmtree(media_root / "images" / "bench", ignore_errors=True)
    originals = [photo(rng, 1600, 900) for _ in range(8)]
    smaller = {w: [photo(rng, w, w * 9 // 16) for _ in range(4)] for w in RENDITION_WIDTHS}
    rows = []
    for n in range(count):
        name = f"images/bench/{n // 1000}/bench-{n}.jpg"
        data = originals[n % len(originals)]
        path = media_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        for width in RENDITION_WIDTHS:
            rendition = media_root / f"renditions/bench/{n}/bench-{n}-{width}.webp"
            rendition.parent.mkdir(parents=True, exist_ok=True)
            rendition.write_bytes(smaller[width][n % 4])
        rows.append(
            Image(
                file=name,
                width=1600,
                height=900,
                file_size=len(data),
                title=f"Bench image {n}",
                alt_text=f"Bench picture {n}",
            )
        )
        if len(rows) == 2000:
            Image.objects.bulk_create(rows)
            rows = []
            print(f"\r  images {n + 1}/{count}", end="", flush=True)
    Image.objects.bulk_create(rows)
    print()


def load():
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} CPUs"


def main(argv=None):
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage
    from django.db import connection
    from django.utils import timezone

    from articles.models import Article
    from backups import services
    from backups.destinations import FolderDestination
    from images.models import Image

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "bench-backups"))
    args = parser.parse_args(argv)
    search.create_database()
    work = Path(args.work_dir)
    media_root = work / "media"
    media_root.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT = str(media_root)
    rng = random.Random(search.SEED)  # noqa: S311 - reproducible data, not secrets
    existing = Article.objects.filter(slug__startswith="bench-").count()
    if existing != args.articles:
        Article.objects.filter(slug__startswith="bench-").delete()
        print(f"Generating {args.articles} articles…")
        search.generate(args.articles, rng, search.vocabulary(rng))
    else:
        print(f"Reusing {existing} bench articles.")
    generate_images(args.images, media_root, rng)
    files = sum(1 for p in media_root.rglob("*") if p.is_file())
    lines = [
        f"{Article.objects.count()} articles, {Image.objects.count()} images, "
        f"{files} media files; PostgreSQL {connection.pg_version}; {load()}"
    ]
    print(lines[0])

    backups_dir = work / "backups"
    shutil.rmtree(backups_dir, ignore_errors=True)
    start = time.perf_counter()
    manifest = services.make_backup(
        destination=FolderDestination(backups_dir), media=FileSystemStorage(media_root)
    )
    took = time.perf_counter() - start
    dump = manifest["files"][0]["size"]
    lines.append(
        f"backup: {took:.1f} s, {manifest['total_size'] / 1e6:.0f} MB "
        f"(database dump {dump / 1e6:.0f} MB, {manifest['media_count']} media files); {load()}"
    )
    print(lines[-1])

    target = f"{connection.settings_dict['NAME']}_restore"
    restored_media = work / "restored-media"
    shutil.rmtree(restored_media, ignore_errors=True)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{target}"')
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + target
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(restored_media),
        "CACHE_DIR": str(work / "cache"),
        "REDIS_URL": "",
    }
    start = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "restore", str(backups_dir / manifest["name"])],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"restore failed: {result.stderr}")
    lines.append(f"restore (checked, pg_restore, media written): {took:.1f} s; {load()}")
    print(lines[-1])
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    shutil.rmtree(restored_media, ignore_errors=True)
    shutil.rmtree(backups_dir, ignore_errors=True)

    results = PROJECT_DIR / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    (results / f"backup-{stamp}.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
