"""{% picture %}: srcset markup from prefetched renditions, fallback, query budget."""

from unittest.mock import patch

import html5lib
import pytest
from django.template import Context, Template, TemplateSyntaxError

from images import renditions, tasks
from images.models import Image
from tests.images.conftest import image_bytes

pytestmark = pytest.mark.django_db


def render(source, **context):
    return Template("{% load pictures %}" + source).render(Context(context))


def parsed(markup):
    """The <picture> element, parsed as browsers do (libxml2 does not know <source>)."""
    (element,) = html5lib.parseFragment(markup, treebuilder="lxml", namespaceHTMLElements=False)
    return element


@pytest.fixture
def generated(make_image):
    image = make_image(image_bytes(size=(1000, 800)), alt_text="Protesters in Republic Square")
    tasks.generate_renditions(image.pk)
    return Image.objects.prefetch_related(*renditions.with_renditions()).get(pk=image.pk)


def test_markup_lists_widths_sizes_and_dimensions_with_webp_first(generated):
    markup = render(
        '{% picture image ratio="16:9" sizes="(min-width: 60em) 40rem, 100vw" %}', image=generated
    )
    picture = parsed(markup)
    assert picture.tag == "picture"
    source, img = picture[0], picture[1]
    assert source.tag == "source" and source.get("type") == "image/webp"
    assert [part.split()[-1] for part in source.get("srcset").split(", ")] == [
        "320w",
        "640w",
        "960w",
        "1000w",
    ]
    assert all(".webp " in part for part in source.get("srcset").split(", ")[:-1])
    assert img.tag == "img"
    assert img.get("srcset").count(".jpg ") == 4
    assert img.get("sizes") == "(min-width: 60em) 40rem, 100vw"
    assert (img.get("width"), img.get("height")) == ("1000", "562")  # 16:9 of 1000x800
    assert "960w" in img.get("src")
    assert img.get("alt") == "Protesters in Republic Square"
    assert img.get("loading") == "lazy" and img.get("decoding") == "async"
    assert img.get("fetchpriority") is None


def test_the_lead_image_loads_eagerly_with_high_priority(generated):
    markup = render('{% picture image fetchpriority="high" class="lead" %}', image=generated)
    img = parsed(markup)[1]
    assert img.get("loading") == "eager"
    assert img.get("fetchpriority") == "high"
    assert img.get("class") == "lead"


def test_alt_can_be_given_and_is_escaped(generated):
    img = parsed(render("{% picture image alt=text %}", image=generated, text='A "quote" <b>'))[1]
    assert img.get("alt") == 'A "quote" <b>'


def test_a_missing_image_renders_nothing():
    assert render("{% picture image %}", image=None) == ""


def test_unknown_arguments_are_an_error(generated):
    with pytest.raises(TemplateSyntaxError):
        render('{% picture image colour="red" %}', image=generated)


def test_missing_renditions_fall_back_to_the_original_and_queue_once(
    stored_image, django_capture_on_commit_callbacks
):
    image = stored_image(image_bytes(size=(800, 600)), alt_text="x")
    image = Image.objects.prefetch_related(*renditions.with_renditions()).get(pk=image.pk)
    with (
        patch("images.tasks.generate_renditions.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = render('{% picture image ratio="1:1" %}', image=image)
        render('{% picture image ratio="1:1" %}', image=image)
    delay.assert_called_once_with(image.pk)
    img = parsed(first).find("img")
    assert img.get("src") == image.file.url
    assert img.get("srcset") is None and parsed(first).find("source") is None
    assert (img.get("width"), img.get("height")) == ("800", "600")


def test_pictures_from_a_prefetched_queryset_cost_no_queries(make_image, django_assert_num_queries):
    for n in range(4):
        image = make_image(image_bytes(size=(400, 300), color=(n * 40, 0, 0)), alt_text=f"n{n}")
        tasks.generate_renditions(image.pk)
    with django_assert_num_queries(2):
        images = list(Image.objects.prefetch_related(*renditions.with_renditions()))
    template = '{% for image in images %}{% picture image ratio="16:9" %}{% endfor %}'
    with django_assert_num_queries(0):
        markup = render(template, images=images)
    assert markup.count("<picture>") == 4 and markup.count(".webp 400w") == 4


def test_with_renditions_follows_relations_and_limits_ratios():
    prefetch = renditions.with_renditions("featured_image", ratios=["16:9"])[0]
    assert prefetch.prefetch_through == "featured_image__renditions"
    assert "16:9" in str(prefetch.queryset.query)


@pytest.mark.parametrize("ratios", [None, ["16:9", "original"]])
def test_load_renditions_sets_what_the_prefetch_sets(make_image, django_assert_num_queries, ratios):
    from django.db.models import prefetch_related_objects

    made = []
    for n, size in enumerate([(1000, 800), (400, 300), (600, 900)]):
        image = make_image(image_bytes(size=size, color=(n * 60, 0, 0)), alt_text=f"n{n}")
        if n < 2:  # the third has none yet (its renditions are still queued)
            tasks.generate_renditions(image.pk)
        made.append(image.pk)
    # The first image twice, as a lead picture that is also in the body is.
    loaded = [Image.objects.get(pk=pk) for pk in [*made, made[0]]]
    expected = [Image.objects.get(pk=pk) for pk in [*made, made[0]]]
    prefetch_related_objects(expected, *renditions.with_renditions(ratios=ratios))
    with django_assert_num_queries(1):
        renditions.load_renditions([None, *loaded], ratios=ratios)

    def rows(image):
        return [
            {field.attname: getattr(r, field.attname) for field in r._meta.concrete_fields}
            for r in image.renditions.all()
        ]

    with django_assert_num_queries(0):
        found = [rows(image) for image in loaded]
    assert found == [rows(image) for image in expected]
    assert found[0] and found[1] and found[2] == [] and found[3] == found[0]
    if ratios:
        assert {r["ratio"] for r in found[0]} == set(ratios)
    template = '{% for image in images %}{% picture image ratio="16:9" %}{% endfor %}'
    with django_assert_num_queries(0):
        assert render(template, images=loaded) == render(template, images=expected)
