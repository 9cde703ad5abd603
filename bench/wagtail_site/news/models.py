"""The reference site's stories, written as a Wagtail site would write them."""

from django.db import models
from django.db.models import Count
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

RELATED_COUNT = 4
RELATED_TAGS = 3
RECENT_COUNT = 5


class Section(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)

    def __str__(self):
        return self.name


class HomePage(Page):
    subpage_types = ["news.ArticlePage"]


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "news.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticlePage(Page):
    dek = models.TextField(blank=True)
    excerpt = models.TextField(blank=True)
    body = RichTextField()
    lead_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="stories")
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)

    parent_page_types = ["news.HomePage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tags = list(self.tags.all())
        context.update(
            tags=tags,
            authors=[line.author for line in self.bylines.select_related("author")],
            related=self.related(tags),
            recent=(
                ArticlePage.objects.live()
                .exclude(pk=self.pk)
                .order_by("-first_published_at")
                .only("title", "url_path", "first_published_at")[:RECENT_COUNT]
            ),
            sections=Section.objects.order_by("name"),
        )
        return context

    def related(self, tags):
        """Live stories sharing the most of its first tags, then of its section; newest first."""
        tag_ids = [tag.pk for tag in tags[:RELATED_TAGS]]
        stories = list(
            ArticlePage.objects.live()
            .filter(tagged_items__tag_id__in=tag_ids)
            .exclude(pk=self.pk)
            .annotate(shared=Count("tagged_items"))
            .order_by("-shared", "-first_published_at")
            .select_related("section")
            .only("title", "url_path", "first_published_at", "section__name", "section__slug")[
                :RELATED_COUNT
            ]
        )
        if len(stories) < RELATED_COUNT:
            stories += list(
                ArticlePage.objects.live()
                .filter(section_id=self.section_id)
                .exclude(pk__in=[self.pk, *(story.pk for story in stories)])
                .order_by("-first_published_at")
                .select_related("section")
                .only("title", "url_path", "first_published_at", "section__name", "section__slug")[
                    : RELATED_COUNT - len(stories)
                ]
            )
        return stories


class Byline(Orderable):
    page = ParentalKey(ArticlePage, related_name="bylines", on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")
