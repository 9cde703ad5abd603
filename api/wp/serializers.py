"""WordPress's shapes (the REST API handbook's "view" and "embed" contexts) of stories,
sections, tags, bylines and pictures.

Every serializer reads what the view loaded (api.wp.loading) and the public ids of
the batch from its context (`ids`: {(Model, pk): id}); none of them queries.
"""

import mimetypes

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import slugify
from rest_framework import serializers
from taggit.models import Tag

from articles.models import Article
from authors.models import Author
from categories.models import Category
from images.models import Image

from ..ids import NATIVE_ID_OFFSET
from ..params import as_naive_local, as_naive_utc

CURIES = [{"name": "wp", "href": "https://api.w.org/{rel}", "templated": True}]


def absolute(path):
    """An address on the public site (links are built from SITE_URL, never the Host)."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path


def rest_url(route=""):
    """WordPress's rest_url(): the API root with `route` (e.g. "wp/v2/posts/7")."""
    return absolute(reverse("wp:index")) + route.lstrip("/")


def rendered(html):
    return {"rendered": html}


def paragraph(text):
    """WordPress's wpautop()'d excerpt of plain text."""
    return f"<p>{escape(text)}</p>\n" if text else ""


class WordPressSerializer(serializers.Serializer):
    """Shared helpers: the public id of an object of the batch."""

    def public(self, model, pk):
        if pk is None:
            return 0
        return self.context["ids"][(model, pk)]


class PostSerializer(WordPressSerializer):
    id = serializers.SerializerMethodField()
    date = serializers.SerializerMethodField()
    date_gmt = serializers.SerializerMethodField()
    guid = serializers.SerializerMethodField()
    modified = serializers.SerializerMethodField()
    modified_gmt = serializers.SerializerMethodField()
    slug = serializers.CharField()
    status = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()
    excerpt = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    featured_media = serializers.SerializerMethodField()
    comment_status = serializers.SerializerMethodField()
    ping_status = serializers.SerializerMethodField()
    sticky = serializers.BooleanField(source="is_featured")
    template = serializers.SerializerMethodField()
    format = serializers.SerializerMethodField()
    meta = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    EMBED = (
        "id",
        "date",
        "slug",
        "type",
        "link",
        "title",
        "excerpt",
        "author",
        "featured_media",
        "_links",
    )

    def get_id(self, post):
        return self.public(Article, post.pk)

    def get_date(self, post):
        return as_naive_local(post.publish_at)

    def get_date_gmt(self, post):
        return as_naive_utc(post.publish_at)

    def get_guid(self, post):
        pid = self.get_id(post)
        # WordPress's guid is "<site>/?p=<id>"; that address still answers for an
        # imported story (wordpress.middleware); a story made here has its own page.
        if pid < NATIVE_ID_OFFSET:
            return rendered(f"{settings.SITE_URL}/?p={pid}")
        return rendered(absolute(post.get_absolute_url()))

    def get_modified(self, post):
        return as_naive_local(post.modified_at)

    def get_modified_gmt(self, post):
        return as_naive_utc(post.modified_at)

    def get_status(self, post):
        return "publish"

    def get_type(self, post):
        return "post"

    def get_link(self, post):
        return absolute(post.get_absolute_url())

    def get_title(self, post):
        return rendered(escape(post.title))

    def get_content(self, post):
        return {"rendered": post.body, "protected": False}

    def get_excerpt(self, post):
        return {"rendered": paragraph(post.excerpt), "protected": False}

    def get_author(self, post):
        authors = post.ordered_authors
        return self.public(Author, authors[0].pk) if authors else 0

    def get_featured_media(self, post):
        return self.public(Image, post.featured_image_id) if post.featured_image_id else 0

    def get_comment_status(self, post):
        return "closed"

    def get_ping_status(self, post):
        return "closed"

    def get_template(self, post):
        return ""

    def get_format(self, post):
        return "standard"

    def get_meta(self, post):
        return []

    def get_categories(self, post):
        return [self.public(Category, post.category_id)]

    def get_tags(self, post):
        return [self.public(Tag, tag.pk) for tag in post.tag_list]

    def get__links(self, post):
        pid = self.get_id(post)
        links = {
            "self": [{"href": rest_url(f"wp/v2/posts/{pid}")}],
            "collection": [{"href": rest_url("wp/v2/posts")}],
            "about": [{"href": rest_url("wp/v2/types/post")}],
        }
        if post.ordered_authors:
            links["author"] = [
                {"embeddable": True, "href": rest_url(f"wp/v2/users/{self.get_author(post)}")}
            ]
        if post.featured_image_id:
            links["wp:featuredmedia"] = [
                {
                    "embeddable": True,
                    "href": rest_url(f"wp/v2/media/{self.get_featured_media(post)}"),
                }
            ]
        links["wp:attachment"] = [{"href": rest_url(f"wp/v2/media?parent={pid}")}]
        links["wp:term"] = [
            {
                "taxonomy": "category",
                "embeddable": True,
                "href": rest_url(f"wp/v2/categories?post={pid}"),
            },
            {
                "taxonomy": "post_tag",
                "embeddable": True,
                "href": rest_url(f"wp/v2/tags?post={pid}"),
            },
        ]
        links["curies"] = CURIES
        return links


class TermSerializer(WordPressSerializer):
    """A section (taxonomy "category") or a tag ("post_tag")."""

    id = serializers.SerializerMethodField()
    count = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    name = serializers.CharField()
    slug = serializers.CharField()
    taxonomy = serializers.SerializerMethodField()
    parent = serializers.SerializerMethodField()
    meta = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    EMBED = ("id", "link", "name", "slug", "taxonomy", "_links")

    def model(self, term):
        return Category if isinstance(term, Category) else Tag

    def get_id(self, term):
        return self.public(self.model(term), term.pk)

    def get_count(self, term):
        return getattr(term, "live_count", 0)

    def get_description(self, term):
        return getattr(term, "description", "")

    def get_link(self, term):
        if isinstance(term, Category):
            return absolute(term.get_absolute_url())
        return absolute(reverse("articles:tag", kwargs={"slug": term.slug}))

    def get_taxonomy(self, term):
        return "category" if isinstance(term, Category) else "post_tag"

    def get_parent(self, term):
        return self.public(Category, term.parent_id) if getattr(term, "parent_id", None) else 0

    def get_meta(self, term):
        return []

    def to_representation(self, term):
        data = super().to_representation(term)
        if not isinstance(term, Category):
            data.pop("parent")  # tags have no hierarchy in WordPress either
        return data

    def get__links(self, term):
        route = "categories" if isinstance(term, Category) else "tags"
        tid = self.get_id(term)
        links = {
            "self": [{"href": rest_url(f"wp/v2/{route}/{tid}")}],
            "collection": [{"href": rest_url(f"wp/v2/{route}")}],
            "about": [{"href": rest_url(f"wp/v2/taxonomies/{self.get_taxonomy(term)}")}],
        }
        if getattr(term, "parent_id", None):
            links["up"] = [
                {"embeddable": True, "href": rest_url(f"wp/v2/categories/{self.get_parent(term)}")}
            ]
        links["wp:post_type"] = [{"href": rest_url(f"wp/v2/posts?{route}={tid}")}]
        links["curies"] = CURIES
        return links


class UserSerializer(WordPressSerializer):
    """A byline, as WordPress shows a user who has published posts."""

    id = serializers.SerializerMethodField()
    name = serializers.CharField()
    url = serializers.CharField(source="website")
    description = serializers.CharField(source="bio")
    link = serializers.SerializerMethodField()
    slug = serializers.CharField()
    avatar_urls = serializers.SerializerMethodField()
    meta = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    EMBED = ("id", "name", "url", "description", "link", "slug", "avatar_urls", "_links")

    def get_id(self, author):
        return self.public(Author, author.pk)

    def get_link(self, author):
        return absolute(author.get_absolute_url())

    def get_avatar_urls(self, author):
        if not author.photo:
            return {}
        url = absolute(author.photo.url)
        return {"24": url, "48": url, "96": url}

    def get_meta(self, author):
        return []

    def get__links(self, author):
        return {
            "self": [{"href": rest_url(f"wp/v2/users/{self.get_id(author)}")}],
            "collection": [{"href": rest_url("wp/v2/users")}],
        }


class MediaSerializer(WordPressSerializer):
    """A picture of the library, as WordPress shows an attachment."""

    id = serializers.SerializerMethodField()
    date = serializers.SerializerMethodField()
    date_gmt = serializers.SerializerMethodField()
    guid = serializers.SerializerMethodField()
    modified = serializers.SerializerMethodField()
    modified_gmt = serializers.SerializerMethodField()
    slug = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    comment_status = serializers.SerializerMethodField()
    ping_status = serializers.SerializerMethodField()
    template = serializers.SerializerMethodField()
    meta = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    caption = serializers.SerializerMethodField()
    alt_text = serializers.CharField()
    media_type = serializers.SerializerMethodField()
    mime_type = serializers.SerializerMethodField()
    media_details = serializers.SerializerMethodField()
    post = serializers.SerializerMethodField()
    source_url = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    EMBED = (
        "id",
        "date",
        "slug",
        "type",
        "link",
        "title",
        "author",
        "caption",
        "alt_text",
        "media_type",
        "mime_type",
        "media_details",
        "source_url",
        "_links",
    )

    def get_id(self, image):
        return self.public(Image, image.pk)

    def get_date(self, image):
        return as_naive_local(image.created_at)

    def get_date_gmt(self, image):
        return as_naive_utc(image.created_at)

    def get_guid(self, image):
        return rendered(self.get_source_url(image))

    def get_modified(self, image):
        return as_naive_local(image.updated_at)

    def get_modified_gmt(self, image):
        return as_naive_utc(image.updated_at)

    def get_slug(self, image):
        return slugify(image.title, allow_unicode=True) or f"image-{image.pk}"

    def get_status(self, image):
        return "inherit"

    def get_type(self, image):
        return "attachment"

    def get_link(self, image):
        # No attachment pages here: the file is the picture's address.
        return self.get_source_url(image)

    def get_title(self, image):
        return rendered(escape(image.title))

    def get_author(self, image):
        return 0

    def get_comment_status(self, image):
        return "closed"

    def get_ping_status(self, image):
        return "closed"

    def get_template(self, image):
        return ""

    def get_meta(self, image):
        return []

    def get_description(self, image):
        return rendered(paragraph(image.caption))

    def get_caption(self, image):
        return rendered(paragraph(image.caption))

    def get_media_type(self, image):
        return "image"

    def get_mime_type(self, image):
        return mimetypes.guess_type(image.file.name)[0] or "application/octet-stream"

    def get_media_details(self, image):
        sizes = {}
        for r in image.renditions.all():
            name = f"{r.ratio.replace(':', 'x')}-{r.width}-{r.format}"
            sizes[name] = {
                "file": r.file.name.rsplit("/", 1)[-1],
                "width": r.width,
                "height": r.height,
                "mime_type": f"image/{r.format}",
                "source_url": absolute(r.file.url),
            }
        sizes["full"] = {
            "file": image.file.name.rsplit("/", 1)[-1],
            "width": image.width,
            "height": image.height,
            "mime_type": self.get_mime_type(image),
            "source_url": self.get_source_url(image),
        }
        return {
            "width": image.width,
            "height": image.height,
            "file": image.file.name,
            "filesize": image.file_size,
            "sizes": sizes,
            "image_meta": {"caption": image.caption, "credit": image.credit, "title": image.title},
        }

    def get_post(self, image):
        return None

    def get_source_url(self, image):
        return absolute(image.file.url)

    def get__links(self, image):
        return {
            "self": [{"href": rest_url(f"wp/v2/media/{self.get_id(image)}")}],
            "collection": [{"href": rest_url("wp/v2/media")}],
            "about": [{"href": rest_url("wp/v2/types/attachment")}],
        }


def embed(serializer_class, obj, context):
    """An object in the "embed" context: the fields WordPress embeds, in its order."""
    data = serializer_class(obj, context=context).data
    return {name: data[name] for name in serializer_class.EMBED if name in data}
