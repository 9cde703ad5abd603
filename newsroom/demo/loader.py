"""Writing the demo content: idempotent, keyed by slug, state changes through services.

Running it again updates the demo rows in place (and moves their relative
times up to now) and never creates a second copy; rows whose slugs are not
demo slugs are never read or written.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from articles import editions, services
from articles.html import clean_html
from articles.models import Article, ArticleAuthor, Correction
from articles.signals import article_changed
from authors.models import Author
from categories.models import Category
from images import renditions
from images.models import Image
from widgets.models import BreakingNews

from . import images, stories, translations

IMAGE_CREDIT = "Photo: Newsroom demo"
# A demo picture is found again by its source line, one library image per demo story.
IMAGE_SOURCE = "Generated for the demo site ({slug})"
IMAGE_LICENCE = "Generated locally for the demo; free to use."
DEFAULT_CAPTION = "Illustration generated for the demo site."
BANNER_LIFETIME = timedelta(hours=6)
CORRECTION_DELAY = timedelta(hours=5)
# Ages shown to readers are in minutes at best ("40 minutes ago"), so a
# re-run within this window leaves publication times alone instead of
# re-publishing every demo article for a few seconds' drift.
TIME_TOLERANCE = timedelta(seconds=30)
# The seed lists several posts as "2 days ago"; a few seconds between them
# keeps the seed's order without changing any age a reader can see.
SAME_AGE_STEP = timedelta(seconds=10)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, created, changed):
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    @property
    def total(self):
        return self.created + self.updated + self.unchanged

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class Summary:
    articles: Tally = field(default_factory=Tally)
    categories: Tally = field(default_factory=Tally)
    authors: Tally = field(default_factory=Tally)
    images: int = 0
    banner: str = ""
    banner_expires_at: object = None

    def __str__(self):
        until = timezone.localtime(self.banner_expires_at).strftime("%Y-%m-%d %H:%M %Z")
        return (
            f"Demo content: {self.articles.total} articles ({self.articles}); "
            f"{self.categories.total} categories ({self.categories}); "
            f"{self.authors.total} authors ({self.authors}); "
            f"{self.images} images generated; breaking-news banner {self.banner} until {until}."
        )


@dataclass
class ArticleSpec:
    slug: str
    title: str
    category: Category
    authors: list
    tags: list
    body: str
    dek: str = ""
    dateline: str = ""
    state: str = stories.LIVE
    publish_at: object = None
    is_featured: bool = False
    caption: str = DEFAULT_CAPTION
    correction: str = ""
    language: str = ""  # the default edition when empty
    # A translation: the slug of the demo story it translates (and shares a picture with).
    translation_of: str = ""


def paragraphs_html(paragraphs):
    """Plain-text paragraphs as escaped <p> elements."""
    return "".join(f"<p>{escape(text)}</p>" for text in paragraphs)


def _file_name(slug, suffix=".jpg"):
    # Storage names stay ASCII (an Armenian slug gives none), and stable per slug.
    ascii_name = slugify(slug)[:60] or "image"
    return f"{ascii_name}-{hashlib.sha256(slug.encode()).hexdigest()[:8]}{suffix}"


def _has_file(field_file):
    return bool(field_file) and field_file.storage.exists(field_file.name)


def _close_enough(current, target):
    return current is not None and abs(current - target) <= TIME_TOLERANCE


class DemoLoader:
    def __init__(self, page, now=None):
        self.page = page
        self.now = now or timezone.now()
        self.summary = Summary()
        self.categories = {}
        self.authors = {}
        self.images = {}  # source line -> library Image

    @transaction.atomic
    def run(self):
        """Create or refresh every demo row; returns a Summary."""
        self.load_categories()
        self.load_authors()
        specs = self.article_specs()
        existing = {
            a.slug: a
            for a in Article.objects.filter(slug__in=[s.slug for s in specs]).prefetch_related(
                "bylines", "tags", "corrections"
            )
        }
        sources = [IMAGE_SOURCE.format(slug=spec.slug) for spec in specs]
        self.images = {image.source: image for image in Image.objects.filter(source__in=sources)}
        seed_article = None
        loaded = {}
        for spec in specs:
            article = self.upsert_article(spec, existing.get(spec.slug), loaded)
            loaded[spec.slug] = article
            if seed_article is None:
                seed_article = article
        self.load_banner(seed_article)
        return self.summary

    # -- sections and bylines ------------------------------------------------

    def load_categories(self):
        specs = list(stories.CATEGORIES)
        seed_slug = slugify(self.page.category, allow_unicode=True)
        if seed_slug not in {c["slug"] for c in specs}:
            specs.append({"slug": seed_slug, "name": self.page.category, "order": 100})
        existing = {c.slug: c for c in Category.objects.filter(slug__in=[c["slug"] for c in specs])}
        for spec in specs:  # parents come before their children in the list
            values = {
                "name": spec["name"],
                "description": spec.get("description", ""),
                "order": spec.get("order", 0),
                "parent_id": self.categories[spec["parent"]].pk if spec.get("parent") else None,
                "translations": translations.names_in_editions(
                    translations.SECTIONS.get(spec["slug"]), editions.codes()
                ),
            }
            category, created, changed = _upsert(
                Category, existing.get(spec["slug"]), spec["slug"], values
            )
            self.categories[category.slug] = category
            self.summary.categories.count(created, changed)

    def load_authors(self):
        specs = list(stories.AUTHORS)
        seed_slug = slugify(self.page.byline, allow_unicode=True)
        if seed_slug not in {a["slug"] for a in specs}:
            specs.append(
                {
                    "slug": seed_slug,
                    "name": self.page.byline,
                    "kind": stories.ORGANIZATION,
                    "initials": self.page.byline[:1],
                }
            )
        existing = {a.slug: a for a in Author.objects.filter(slug__in=[a["slug"] for a in specs])}
        for spec in specs:
            values = {
                "name": spec["name"],
                "kind": spec["kind"],
                "bio": spec.get("bio", ""),
                "website": spec.get("website", ""),
                "x_url": spec.get("x_url", ""),
                "mastodon_url": spec.get("mastodon_url", ""),
                "bluesky_url": spec.get("bluesky_url", ""),
                "translations": translations.names_in_editions(
                    translations.AUTHORS.get(spec["slug"]), editions.codes()
                ),
            }
            author, created, changed = _upsert(
                Author, existing.get(spec["slug"]), spec["slug"], values
            )
            if not _has_file(author.photo):
                name = _file_name(author.slug)
                author.photo.save(
                    name,
                    ContentFile(images.portrait(author.slug, spec["initials"]), name),
                    save=False,
                )
                author.save(update_fields=["photo", "updated_at"])
                self.summary.images += 1
                changed = True
            self.authors[author.slug] = author
            self.summary.authors.count(created, changed)
        self.byline = self.authors[seed_slug]

    # -- articles --------------------------------------------------------------

    def article_specs(self):
        """The seed article, then its Recent Posts, then the original stories."""
        page = self.page
        specs = [
            ArticleSpec(
                slug=slugify(page.title, allow_unicode=True),
                title=page.title,
                category=self.categories[slugify(page.category, allow_unicode=True)],
                authors=[self.byline],
                tags=stories.SEED_ARTICLE_TAGS,
                body=paragraphs_html(page.paragraphs),
                dateline=page.dateline,
                publish_at=self.now - stories.SEED_ARTICLE_AGE,
                is_featured=True,
                caption=stories.SEED_IMAGE_CAPTION,
            )
        ]
        seen_ages = Counter()
        for post in page.recent_posts:
            category_slug, tags = stories.RECENT_POSTS.get(
                post.title, (stories.RECENT_POST_DEFAULT_CATEGORY, [])
            )
            offset = SAME_AGE_STEP * seen_ages[post.age]
            seen_ages[post.age] += 1
            specs.append(
                ArticleSpec(
                    slug=slugify(post.title, allow_unicode=True),
                    title=post.title,
                    category=self.categories[category_slug],
                    authors=[self.byline],
                    tags=tags,
                    # The seed page gives only the opening words: keep its ellipsis.
                    dek=f"{post.excerpt}…",
                    body=(
                        f"<p>{escape(post.excerpt)}…</p>"
                        f"<p><em>The opening of a report by {escape(self.byline.name)}."
                        "</em></p>"
                    ),
                    dateline=post.dateline,
                    publish_at=self.now - post.age - offset,
                )
            )
        for story in stories.STORIES:
            state = story.get("state", stories.LIVE)
            specs.append(
                ArticleSpec(
                    slug=slugify(story["title"], allow_unicode=True),
                    title=story["title"],
                    category=self.categories[story["category"]],
                    authors=[self.authors[slug] for slug in story["authors"]],
                    tags=story["tags"],
                    body=paragraphs_html(story["paragraphs"]),
                    dek=story["dek"],
                    dateline=story["dateline"],
                    state=state,
                    publish_at=None if story["age"] is None else self.now - story["age"],
                    caption=story["caption"] or DEFAULT_CAPTION,
                    correction=story.get("correction", ""),
                    language=story.get("language", ""),
                )
            )
        return specs + self.translation_specs(specs)

    def translation_specs(self, specs):
        """The demo's translations of `specs` into the site's other editions (none on a
        one-edition site), each after its source."""
        if not editions.is_multilingual():
            return []
        sources = {spec.slug: spec for spec in specs}
        found = []
        for story in translations.TRANSLATIONS:
            source = sources.get(slugify(story["source"], allow_unicode=True))
            language = story["language"]
            if source is None or language not in editions.codes():
                continue
            if language == (source.language or editions.default()):
                continue
            found.append(
                ArticleSpec(
                    slug=slugify(story["title"], allow_unicode=True),
                    title=story["title"],
                    category=source.category,
                    authors=source.authors,
                    tags=story["tags"],
                    body=paragraphs_html(story["paragraphs"]),
                    dek=story["dek"],
                    dateline=story["dateline"],
                    publish_at=source.publish_at + translations.TRANSLATION_DELAY,
                    is_featured=source.is_featured,
                    caption=story["caption"],
                    language=language,
                    translation_of=source.slug,
                )
            )
        return found

    def upsert_article(self, spec, article, loaded=None):
        created = article is None
        values = {
            "title": spec.title,
            "dek": spec.dek,
            "body": clean_html(spec.body),
            "dateline": spec.dateline,
            "category_id": spec.category.pk,
            "is_featured": spec.is_featured,
        }
        if spec.language in editions.codes() and not spec.translation_of:
            values["language"] = spec.language
        if created and spec.translation_of:
            # Translated as an editor would: a draft linked to its source, then written over.
            article = services.translate(loaded[spec.translation_of], spec.language)
            article.slug = spec.slug
            for name, value in values.items():
                setattr(article, name, value)
            article.save(update_fields=[*values, "slug", "updated_at"])
            edited = False
        elif created:
            article = Article(slug=spec.slug, status=Article.Status.DRAFT, **values)
            article.save()
            edited = False
        else:
            edited = [name for name, value in values.items() if getattr(article, name) != value]
            if edited:
                for name in edited:
                    setattr(article, name, values[name])
                # An editor's form opened before this change must now be refused as stale.
                article.version += 1
                article.save(update_fields=[*edited, "version", "updated_at"])
        edited = bool(edited) | self.set_bylines(article, spec.authors, created)
        edited |= self.set_tags(article, spec.tags, created)
        article, moved = self.set_state(article, spec)
        edited |= self.set_image(article, spec)
        edited |= self.set_correction(article, spec)
        if edited and not created and not moved:
            # publish() announces its own changes; other edits are announced here
            # so that cached pages showing this article are refreshed.
            transaction.on_commit(
                lambda a=article: article_changed.send(sender=Article, article=a, reason="edited")
            )
        self.summary.articles.count(created, edited or moved)
        return article

    def set_bylines(self, article, authors, created):
        wanted = [author.pk for author in authors]
        if not created and [b.author_id for b in article.bylines.all()] == wanted:
            return False
        article.bylines.all().delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, author_id=pk, order=order)
            for order, pk in enumerate(wanted)
        )
        return not created

    def set_tags(self, article, names, created):
        if not created and {t.name for t in article.tags.all()} == set(names):
            return False
        article.tags.set(names)
        return not created

    def set_state(self, article, spec):
        """Publish, schedule or hold back `article` as the spec says; True when its state moved."""
        if spec.state == stories.DRAFT:
            if article.status == Article.Status.DRAFT:
                return article, False
            # No service returns an article to draft: it is a demo row being reset.
            article.status = Article.Status.DRAFT
            article.version += 1
            article.save(update_fields=["status", "version", "updated_at"])
            return article, True
        if article.status == Article.Status.PUBLISHED and _close_enough(
            article.publish_at, spec.publish_at
        ):
            return article, False
        if spec.state == stories.SCHEDULED:
            return services.schedule(article, spec.publish_at), True
        return services.publish(article, when=spec.publish_at), True

    def set_image(self, article, spec):
        """Give a non-draft story its demo picture, a library image; True when anything changed."""
        if spec.state == stories.DRAFT:
            return False
        if spec.translation_of:
            return self.set_translation_image(article, spec)
        source = IMAGE_SOURCE.format(slug=article.slug)
        image = self.images.get(source)
        values = {
            "title": spec.title[:200],
            "alt_text": images.describe(article.slug),
            "caption": spec.caption,
            "credit": IMAGE_CREDIT,
            "licence": IMAGE_LICENCE,
        }
        changed = False
        if image is None and article.featured_image_id:
            # A picture of an earlier demo, moved into the library by a migration.
            earlier = article.featured_image
            if earlier.credit == IMAGE_CREDIT and not earlier.source:
                image = self.images[source] = earlier
                image.source = source
                image.save(update_fields=["source", "updated_at"])
        if image is None or not _has_file(image.file):
            image = image or Image(source=source)
            name = _file_name(article.slug)
            data = images.article_image(article.slug)
            # A named ContentFile: Django measures width and height only of a file with a name.
            image.file.save(name, ContentFile(data, name), save=False)
            image.file_size = len(data)
            for field_name, value in values.items():
                setattr(image, field_name, value)
            image.save()
            self.images[source] = image
            # Renditions are cut after commit (in-process under `make run`).
            renditions.queue(image)
            self.summary.images += 1
            changed = True
        else:
            changed = _update(image, values)
        if article.featured_image_id != image.pk or article.featured_image_caption:
            article.featured_image = image
            article.featured_image_caption = ""  # the library image's caption is the story's
            article.save(update_fields=["featured_image", "featured_image_caption", "updated_at"])
            changed = True
        return changed

    def set_translation_image(self, article, spec):
        """A translation shows its source's picture, with a caption in its own language."""
        image = self.images.get(IMAGE_SOURCE.format(slug=spec.translation_of))
        wanted = (image.pk if image else None, spec.caption)
        if (article.featured_image_id, article.featured_image_caption) == wanted:
            return False
        article.featured_image_id, article.featured_image_caption = wanted
        article.save(update_fields=["featured_image", "featured_image_caption", "updated_at"])
        return True

    def set_correction(self, article, spec):
        if not spec.correction:
            return False
        when = article.publish_at + CORRECTION_DELAY
        note = next((c for c in article.corrections.all() if c.text == spec.correction), None)
        if note is None:
            note = Correction.objects.filter(article=article, text=spec.correction).first()
        if note is None:
            services.add_correction(article, spec.correction, when=when)
            return True
        if _close_enough(note.noted_at, when):
            return False
        # The note moves with the article's refreshed time, so it never predates it.
        Correction.objects.filter(pk=note.pk).update(noted_at=when)
        Article.objects.filter(pk=article.pk).update(content_updated_at=when)
        return True

    # -- banner ------------------------------------------------------------------

    def load_banner(self, article):
        values = {
            "url": article.get_absolute_url(),
            "is_active": True,
            "starts_at": self.now,
            "expires_at": self.now + BANNER_LIFETIME,
        }
        banner = BreakingNews.objects.filter(text=article.title).order_by("pk").first()
        if banner is None:
            BreakingNews.objects.create(text=article.title, **values)
            self.summary.banner = "created"
        else:
            BreakingNews.objects.filter(pk=banner.pk).update(**values)
            self.summary.banner = "refreshed"
        self.summary.banner_expires_at = values["expires_at"]


def _upsert(model, instance, slug, values):
    """(instance, created, changed): `instance` brought to `values`, created when missing."""
    if instance is None:
        return model.objects.create(slug=slug, **values), True, True
    return instance, False, _update(instance, values)


def _update(instance, values):
    """Bring `instance` to `values`, writing only the fields that differ; True when any did."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.save(update_fields=[*changed, "updated_at"])
    return bool(changed)


def load(page, now=None):
    """Load the demo content for the parsed seed `page`; returns a Summary."""
    return DemoLoader(page, now=now).run()
