"""Articles and the image library: body images, the alt-text rule, <picture>, query budgets."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html as lxml_html
from reversion.models import Version

from articles import bodyimages, services
from articles.models import Article, ArticleBodyImage
from articles.views import ArticleDetailView
from caching import fragments, schedule
from caching.purges import purge
from images import renditions
from tests.factories import ArticleFactory, CategoryFactory, ImageFactory

pytestmark = pytest.mark.django_db


def figure(image, alt="In the body"):
    return f'<figure class="image"><img src="{image.file.url}" alt="{alt}"></figure>'


def small_image(**kwargs):
    """A picture small enough that all its renditions are cut in a moment (320 and 330 wide)."""
    image = ImageFactory(file__width=330, file__height=186, **kwargs)
    renditions.generate(image)
    return image


def used_in_body(article):
    return set(ArticleBodyImage.objects.filter(article=article).values_list("image_id", flat=True))


# -- recognising library images in bodies ------------------------------------------------------


def test_file_name_is_read_from_a_library_url_and_only_from_one(settings):
    settings.SITE_URL = "https://news.example.com"
    assert bodyimages.file_name("/media/images/2025/03/a.jpg") == "images/2025/03/a.jpg"
    assert bodyimages.file_name("/media/images/a%20b.jpg?v=1") == "images/a b.jpg"
    assert bodyimages.file_name("https://news.example.com/media/images/a.jpg") == "images/a.jpg"
    assert bodyimages.file_name("https://elsewhere.example/media/images/a.jpg") is None
    assert bodyimages.file_name("/static/logo.png") is None
    assert bodyimages.file_name("") is None


def test_saving_an_article_records_the_library_images_of_its_body():
    first, second = ImageFactory(), ImageFactory()
    article = ArticleFactory(draft=True)
    article.body = figure(first) + "<p>Text</p>" + figure(second) + figure(first)
    services.save_article(article, base_version=article.version)
    assert used_in_body(article) == {first.pk, second.pk}

    article.body = figure(second) + '<p><img src="https://elsewhere.example/x.jpg" alt="x"></p>'
    services.save_article(article, base_version=article.version)
    assert used_in_body(article) == {second.pk}


def test_looking_up_body_images_takes_one_query(django_assert_num_queries):
    images = ImageFactory.create_batch(4)
    html = "".join(figure(image) for image in images)
    with django_assert_num_queries(1):
        assert {image.pk for image in bodyimages.library_images(html)} == {
            image.pk for image in images
        }


def test_restoring_a_revision_brings_back_its_body_images():
    image = ImageFactory()
    article = ArticleFactory(draft=True, body="<p>Plain</p>")
    article = services.save_article(article, base_version=article.version)
    old = Version.objects.get_for_object(article).first()
    article.body = figure(image)
    article = services.save_article(article, base_version=article.version)
    assert used_in_body(article) == {image.pk}

    services.restore_revision(article, old)

    assert used_in_body(article) == set()


def test_an_image_in_use_cannot_be_deleted():
    featured, in_body = ImageFactory(), ImageFactory()
    article = ArticleFactory(draft=True, featured_image=featured)
    article.body = figure(in_body)
    services.save_article(article, base_version=article.version)
    with pytest.raises(ProtectedError):
        featured.delete()
    with pytest.raises(ProtectedError):
        in_body.delete()
    labels = [(label, obj) for label, obj in in_body.usages()]
    assert labels and labels[0][1] == article


# -- the alt-text rule ---------------------------------------------------------------------------


def test_publishing_with_a_featured_image_without_alt_text_is_refused_by_title():
    article = ArticleFactory(draft=True, featured_image=ImageFactory(title="Dusk", alt_text=""))
    with pytest.raises(services.MissingAltText) as refused:
        services.publish(article)
    assert "“Dusk” has no alt text" in refused.value.message
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_scheduling_with_a_body_image_without_alt_text_is_refused():
    first, second = ImageFactory(title="Map", alt_text=""), ImageFactory(title="Crowd", alt_text="")
    article = ArticleFactory(draft=True)
    article.body = figure(first) + figure(second)
    services.save_article(article, base_version=article.version)
    with pytest.raises(services.MissingAltText) as refused:
        services.schedule(article, timezone.now() + timezone.timedelta(hours=3))
    assert "The images “Crowd”, “Map” have no alt text" in refused.value.message
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_publishing_goes_ahead_once_the_alt_text_is_written():
    image = ImageFactory(alt_text="")
    article = ArticleFactory(draft=True, featured_image=image)
    image.alt_text = "Protesters in Republic Square"
    image.save()
    assert services.publish(article).is_live


def test_editing_a_live_article_to_show_an_image_without_alt_text_is_refused():
    article = ArticleFactory()
    article.body = figure(ImageFactory(title="Unlabelled", alt_text=""))
    with pytest.raises(services.MissingAltText):
        services.save_article(article, base_version=article.version)
    assert "Unlabelled" not in Article.objects.get(pk=article.pk).body


# -- public pages ----------------------------------------------------------------------------------


def test_article_page_draws_the_lead_and_body_images_with_srcset(client):
    lead = small_image(alt_text="The lake at dawn", caption="Sevan in March", credit="Photo: Ani")
    inside = small_image(alt_text="Library alt")
    article = ArticleFactory(featured_image=lead)
    article.body = "<p>Before.</p>" + figure(inside, alt="Alt written in the story")
    services.save_article(article, base_version=article.version)

    doc = lxml_html.fromstring(client.get(article.get_absolute_url()).content)

    lead_img = doc.xpath('//figure[@class="article__figure"]//img')[0]
    assert lead_img.get("alt") == "The lake at dawn"
    assert lead_img.get("loading") == "eager" and lead_img.get("fetchpriority") == "high"
    assert " 320w" in lead_img.get("srcset") and lead_img.get("sizes")
    assert lead_img.get("width") and lead_img.get("height")
    assert doc.xpath('//figure[@class="article__figure"]//source[@type="image/webp"]')
    caption = doc.xpath('//figure[@class="article__figure"]/figcaption')[0].text_content()
    assert "Sevan in March" in caption and "Photo: Ani" in caption
    # (lxml's parser does not know <source> is empty: the <img> lands inside it.)
    body_img = doc.xpath('//div[@class="article__body"]//picture//img')[0]
    assert body_img.get("alt") == "Alt written in the story"
    assert body_img.get("loading") == "lazy"
    assert " 330w" in body_img.get("srcset")
    assert body_img.get("src") != inside.file.url  # a rendition, not the original


def test_a_story_caption_overrides_the_library_caption(client):
    article = ArticleFactory(
        featured_image=ImageFactory(caption="Library caption"),
        featured_image_caption="This story's caption",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This story&#x27;s caption" in html or "This story's caption" in html
    assert "Library caption" not in html


def test_article_page_falls_back_to_the_original_until_renditions_exist(client):
    image = ImageFactory(alt_text="Original stands in")
    article = ArticleFactory(featured_image=image)
    doc = lxml_html.fromstring(client.get(article.get_absolute_url()).content)
    img = doc.xpath('//figure[@class="article__figure"]//img')[0]
    assert img.get("src") == image.file.url
    assert (img.get("width"), img.get("height")) == ("1600", "900")


def test_home_page_cards_use_16_9_renditions_with_srcset(client):
    lead = ArticleFactory(featured_image=small_image(), is_featured=True)
    other = ArticleFactory(featured_image=small_image())
    doc = lxml_html.fromstring(client.get("/").content)
    cards = doc.xpath('//a[@class="card__image"]//img')
    assert len(cards) == 2
    for img in cards:
        assert " 320w" in img.get("srcset")
        assert img.get("alt") == ""  # the card's title says it; the link is hidden from readers
        assert int(img.get("width")) * 9 == pytest.approx(int(img.get("height")) * 16, rel=0.02)
    assert cards[0].get("fetchpriority") == "high"  # the lead, above the fold
    assert cards[1].get("loading") == "lazy"
    assert lead.featured_image.pk != other.featured_image.pk


def test_article_page_queries_do_not_grow_with_body_images(client, render_anyway):
    # Rendered each time (the page cache skipped), with the blocks every page
    # shares (navigation, banner) warm, as after an edit elsewhere.
    client.get("/", headers=render_anyway)

    def queries(count):
        article = ArticleFactory(featured_image=small_image())
        article.body = "".join(figure(small_image()) for _ in range(count))
        services.save_article(article, base_version=article.version)
        # The list of upcoming publications is read once per change of schedule
        # (a new byline changes it), not by every rendering: read it before counting.
        schedule.upcoming()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(article.get_absolute_url(), headers=render_anyway)
        assert response.content.decode().count("<picture>") == count + 1
        return len(captured)

    assert queries(1) == queries(6)


@pytest.mark.parametrize("page", ["home", "category"])
def test_listing_queries_are_the_same_for_3_or_30_pictured_stories(
    client, page, settings, render_anyway
):
    settings.ARTICLES_PER_PAGE = 30
    category = CategoryFactory(slug="pictured", show_on_home=True)
    url = "/" if page == "home" else category.get_absolute_url()

    def add(count):
        for _ in range(count):
            ArticleFactory(category=category, featured_image=small_image())

    # Rendered each time (the page cache skipped), with the blocks every page
    # shares (navigation, banner) warm, as after an edit elsewhere (render_anyway).

    def queries():
        # Every card of the section and Recent Posts missing, as after a publication.
        purge([category.cache_key_for(category.pk), "recent"])
        # The list of upcoming publications is read once per change of schedule
        # (new bylines change it), not by every rendering: read it before counting.
        schedule.upcoming()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, headers=render_anyway)
        assert response.status_code == 200
        return len(captured), response.content.decode().count(" 320w")

    add(3)
    queries()
    few, pictures_few = queries()
    add(27)
    many, pictures_many = queries()
    assert many == few
    assert pictures_few >= 3 and pictures_many > pictures_few


def test_restoring_a_revision_whose_image_was_deleted_since_keeps_no_image():
    image = ImageFactory()
    article = ArticleFactory(draft=True, featured_image=image)
    article = services.save_article(article, base_version=article.version)
    old = Version.objects.get_for_object(article).first()
    article.featured_image = None
    article = services.save_article(article, base_version=article.version)
    image.delete()  # unused now

    restored = services.restore_revision(article, old)

    assert restored.featured_image_id is None


def test_restoring_a_live_article_to_an_image_without_alt_text_is_refused_in_the_admin(client):
    from tests.articles.test_admin_support import login

    editor = login(client, "Editor")
    first = ImageFactory(title="Later unlabelled")
    article = ArticleFactory(featured_image=first)
    article = services.save_article(article, user=editor, base_version=article.version)
    old = Version.objects.get_for_object(article).first()
    article.featured_image = ImageFactory()
    article = services.save_article(article, user=editor, base_version=article.version)
    first.alt_text = ""
    first.save()

    url = f"/admin/articles/article/{article.pk}/revisions/{old.pk}/restore/"
    response = client.post(url, follow=True)

    assert "“Later unlabelled” has no alt text" in response.content.decode()
    assert Article.objects.get(pk=article.pk).featured_image_id != first.pk


def forget_the_story_only(client, article, headers):
    """Render the story's page, then drop its own fragments: what the page shares with
    every other one (navigation, banner, Recent Posts, the schedule) stays warm, as it
    is on a site that is being read."""
    client.get(article.get_absolute_url(), headers=headers)
    own = ArticleDetailView.own_fragments(article.pk)
    cache.delete_many([fragments.PREFIX + name for name in own])


def test_an_uncached_pictured_story_reads_six_statements_of_its_own(client, render_anyway):
    """Its row, its body's pictures, their renditions and the lead picture's, bylines
    (with whether there are corrections), tags, related stories."""
    article = ArticleFactory(featured_image=small_image(), tags=["budget", "parliament"])
    article.body = figure(small_image()) + "<p>Text</p>" + figure(small_image())
    services.save_article(article, base_version=article.version)
    forget_the_story_only(client, article, render_anyway)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(article.get_absolute_url(), headers=render_anyway)
    assert response.content.decode().count("<picture>") == 3
    assert len(captured) == 6, "\n".join(q["sql"][:150] for q in captured)


def test_a_story_with_corrections_reads_them_in_a_statement_more(client, render_anyway):
    from tests.factories import CorrectionFactory

    article = ArticleFactory()
    CorrectionFactory(article=article, text="An earlier version misspelt the name.")
    forget_the_story_only(client, article, render_anyway)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(article.get_absolute_url(), headers=render_anyway)
    assert "An earlier version misspelt the name." in response.content.decode()
    # Its row, bylines (saying there are corrections), tags, corrections, related stories.
    assert len(captured) == 5, "\n".join(q["sql"][:150] for q in captured)
