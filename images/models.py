"""The image library: one uploaded picture (Image) and the sizes cut from it (Rendition).

Nothing here imports `articles`: where an image is used is found through the
reverse relations other apps declare, and those use on_delete=PROTECT so a used
image cannot be deleted.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from taggit.managers import TaggableManager

from . import validation


def image_upload_to(instance, filename):
    """images/<yyyy>/<mm>/<safe name>: the uploader's name is never trusted as is."""
    return f"images/{timezone.now():%Y/%m}/{validation.safe_name(filename)}"


def rendition_upload_to(instance, filename):
    """renditions/<image id>/<name chosen by images.renditions>."""
    return f"renditions/{instance.image_id}/{validation.safe_name(filename)}"


_unit_interval = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class Image(models.Model):
    """A picture in the library, uploaded once and reused by any number of articles."""

    file = models.ImageField(
        upload_to=image_upload_to, width_field="width", height_field="height", max_length=255
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    file_size = models.PositiveIntegerField(editable=False, default=0)
    title = models.CharField(max_length=200)
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it. "
        "Required before the image can be used on a live article.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(
        max_length=200, blank=True, help_text="Photographer and/or agency, as printed."
    )
    source = models.CharField(
        max_length=300, blank=True, help_text="Where the image came from: an address or an agency."
    )
    licence = models.TextField(
        "licence / usage notes", blank=True, help_text="Licence terms, restrictions, expiry."
    )
    focal_x = models.FloatField(
        "focal point (x)",
        default=0.5,
        validators=_unit_interval,
        help_text="0 = left edge, 1 = right edge. Crops keep this point in view.",
    )
    focal_y = models.FloatField(
        "focal point (y)",
        default=0.5,
        validators=_unit_interval,
        help_text="0 = top edge, 1 = bottom edge.",
    )
    tags = TaggableManager(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("uploaded", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["credit"], name="image_credit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_in_picture",
            ),
        ]

    def __str__(self):
        return self.title or self.file.name

    @property
    def focal_key(self):
        """The focal point as stored in a rendition's key, e.g. "0.500,0.500"."""
        return f"{self.focal_x:.3f},{self.focal_y:.3f}"

    def usages(self):
        """Where this image is used: [(label, object)], found through every reverse relation.

        A plain foreign key to Image (e.g. an article's featured image) gives the
        object holding it. A link table (two foreign keys, one of them to Image,
        e.g. the images of an article's body) gives the object at its other end.
        """
        found = []
        seen = set()
        relations = type(self)._meta.related_objects
        # Reported through their many-to-many, not row by row.
        throughs = {rel.through for rel in relations if rel.many_to_many}
        for rel in relations:
            model = rel.related_model
            if model is Rendition or model in throughs or model._meta.app_label == "taggit":
                continue
            if rel.many_to_many:
                label = f"{model._meta.verbose_name} ({rel.field.verbose_name})"
                objects = model._base_manager.filter(**{rel.field.name: self})
            elif rel.one_to_many or rel.one_to_one:
                other = _link_target(model, rel.field)
                rows = model._base_manager.filter(**{rel.field.name: self})
                if other is None:
                    label = f"{model._meta.verbose_name} ({rel.field.verbose_name})"
                    objects = rows
                else:
                    label = f"{other.related_model._meta.verbose_name} ({model._meta.verbose_name})"
                    objects = [getattr(row, other.name) for row in rows.select_related(other.name)]
            else:
                continue
            for obj in objects:
                key = (label, type(obj), obj.pk)
                if key not in seen:
                    seen.add(key)
                    found.append((label, obj))
        return found


def _link_target(model, image_field):
    """The other end of a link table between Image and one other model, else None.

    A link table has exactly two columns besides its key, both foreign keys.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    others = [f for f in fields if f is not image_field]
    if len(fields) == 2 and len(others) == 1 and others[0].many_to_one:
        return others[0]
    return None


class Rendition(models.Model):
    """One generated size of an Image: a ratio, a width and a format, cut for one focal point."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    ratio = models.CharField(max_length=10)  # a key of images.renditions.RATIOS
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=5)  # "webp" or "jpeg"
    file = models.FileField(upload_to=rendition_upload_to, max_length=255)
    # The focal point it was cut for ("0.500,0.500"): moving the focal point makes new crops.
    focal = models.CharField(max_length=20)

    class Meta:
        ordering = ["ratio", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "ratio", "width", "format", "focal"], name="rendition_unique"
            ),
        ]

    def __str__(self):
        return f"{self.image_id} {self.ratio} {self.width}w {self.format}"
