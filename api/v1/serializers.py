"""The project's own shapes: stories with bylines, sections, tags, pictures with their
renditions, and corrections. Serializers read what the views loaded; none queries."""

from django.conf import settings
from rest_framework import serializers
from taggit.models import Tag

from articles.models import Article, Correction
from authors.models import Author
from categories.models import Category
from images.models import Image, Rendition


def absolute(url):
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


class SectionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "parent", "url"]

    def get_url(self, section) -> str:
        return absolute(section.get_absolute_url())


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "slug"]


class BylineSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Author
        fields = ["id", "name", "slug", "kind", "bio", "website", "url"]

    def get_url(self, author) -> str:
        return absolute(author.get_absolute_url())


class RenditionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Rendition
        fields = ["ratio", "width", "height", "format", "url"]

    def get_url(self, rendition) -> str:
        return absolute(rendition.file.url)


class ImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    renditions = RenditionSerializer(many=True, read_only=True)

    class Meta:
        model = Image
        fields = [
            "id",
            "title",
            "alt_text",
            "caption",
            "credit",
            "width",
            "height",
            "url",
            "renditions",
        ]

    def get_url(self, image) -> str:
        return absolute(image.file.url)


class CorrectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Correction
        fields = ["kind", "text", "noted_at"]


class StorySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="publish_at")
    modified_at = serializers.DateTimeField()
    section = SectionSerializer(source="category")
    bylines = BylineSerializer(source="ordered_authors", many=True)
    tags = TagSerializer(source="tag_list", many=True)
    image = ImageSerializer(source="featured_image", allow_null=True)
    image_caption = serializers.CharField(source="featured_caption")
    corrections = CorrectionSerializer(source="correction_list", many=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "slug",
            "url",
            "dek",
            "dateline",
            "body",
            "published_at",
            "modified_at",
            "section",
            "bylines",
            "tags",
            "image",
            "image_caption",
            "corrections",
        ]

    def get_url(self, story) -> str:
        return absolute(story.get_absolute_url())
