import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from articles.models import Article, ArticleAuthor, Correction
from authors.models import Author
from categories.models import Category
from images.models import Image
from widgets.models import BreakingNews


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class AuthorFactory(DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"author-{n}")


class ImageFactory(DjangoModelFactory):
    """A library image with a real (generated) picture file, alt text and credit."""

    class Meta:
        model = Image

    title = factory.Sequence(lambda n: f"Picture {n}")
    file = factory.django.ImageField(
        filename=factory.Sequence(lambda n: f"picture-{n}.jpg"),
        width=1600,
        height=900,
        color="navy",
        format="JPEG",
    )
    file_size = factory.LazyAttribute(lambda image: image.file.size)
    alt_text = factory.Sequence(lambda n: f"What picture {n} shows")
    caption = ""
    credit = "Photo: Staff"


class ArticleFactory(DjangoModelFactory):
    """A live article by default; `draft=True`, `scheduled=True` etc. for other states."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, publish_at=None)
        review = factory.Trait(status=Article.Status.REVIEW, publish_at=None)
        unpublished = factory.Trait(status=Article.Status.UNPUBLISHED)
        scheduled = factory.Trait(
            publish_at=factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=2))
        )

    title = factory.Sequence(lambda n: f"Story number {n} about the news")
    dek = factory.Faker("sentence", nb_words=14)
    body = factory.LazyFunction(
        lambda: "<p>First paragraph of the story.</p><p>Second paragraph.</p>"
    )
    category = factory.SubFactory(CategoryFactory)
    status = Article.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not create:
            return
        authors = extracted if extracted is not None else [AuthorFactory()]
        for order, author in enumerate(authors):
            ArticleAuthor.objects.create(article=self, author=author, order=order)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class CorrectionFactory(DjangoModelFactory):
    class Meta:
        model = Correction

    article = factory.SubFactory(ArticleFactory)
    text = "An earlier version misspelled a name."


class BreakingNewsFactory(DjangoModelFactory):
    class Meta:
        model = BreakingNews

    text = "Breaking: something happened"
    url = "/"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=3))


class StaffUserFactory(DjangoModelFactory):
    """A staff login in a newsroom role: `StaffUserFactory(role="Editor")`."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(role_group(extracted))


def role_group(name):
    """The role's group (recreated as after a migrate if a transactional test flushed it)."""
    from django.contrib.auth.models import Group

    from articles.roles import ensure_roles

    group = Group.objects.filter(name=name).first()
    if group is None:
        ensure_roles()
        group = Group.objects.get(name=name)
    return group
