"""A form widget to pick a library image: for foreign keys to Image in other apps' forms.

    class ArticleAdminForm(forms.ModelForm):
        class Meta:
            widgets = {"featured_image": ImageChooserWidget()}

It keeps the image's id in a hidden input and shows its thumbnail; the script
(static/images-admin/chooser.js) opens the library, searches it and fills the input.
"""

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from . import renditions
from .models import Image


class ImageChooserWidget(forms.Widget):
    """`describe=True` adds the chosen picture's alt text and credit, completed in place
    (saved to the library by images.admin's describe endpoint, under the library's rules)."""

    def __init__(self, attrs=None, *, describe=False):
        super().__init__(attrs)
        self.describe = describe

    class Media:
        css = {"all": ("images-admin/images-admin.css",)}
        js = ("images-admin/chooser.js",)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        image = None
        if value not in (None, ""):
            image = (
                Image.objects.filter(pk=value)
                .prefetch_related(*renditions.with_renditions(ratios=["original"]))
                .first()
            )
        thumb = renditions.thumbnail_url(image) if image else ""
        return format_html(
            '<div class="image-chooser" data-chooser-url="{}" data-upload-url="{}">'
            '<input type="hidden" name="{}" value="{}" id="{}">'
            '<img class="image-chooser-thumb" src="{}" alt=""{}>'
            '<span class="image-chooser-title">{}</span> '
            '<button type="button" class="button image-chooser-open">Choose from library</button> '
            '<button type="button" class="button image-chooser-clear"{}>Remove</button>'
            "{}</div>",
            reverse("admin:images_image_chooser"),
            reverse("admin:images_image_add"),
            name,
            "" if image is None else image.pk,
            attrs.get("id", f"id_{name}"),
            thumb,
            "" if image else " hidden",
            (str(image) + ("" if image.alt_text else " (no alt text yet)"))
            if image
            else "No image chosen",
            "" if image else " hidden",
            self.render_description(image) if self.describe else "",
        )

    def render_description(self, image):
        """The alt text and credit of the chosen picture, with a button saving them to the
        library. The inputs have no name: the article form does not send them."""
        return format_html(
            '<div class="image-chooser-describe" data-describe-url="{}"{}>'
            '<label>Alt text <input type="text" class="image-chooser-alt" value="{}" '
            'maxlength="300" size="50" placeholder="What the picture shows"></label> '
            '<label>Credit <input type="text" class="image-chooser-credit" value="{}" '
            'maxlength="200" size="30"></label> '
            '<button type="button" class="button image-chooser-save">Save to library</button>'
            '<span class="image-chooser-status" role="status" aria-live="polite">{}</span>'
            "</div>",
            reverse("admin:images_image_describe"),
            "" if image else " hidden",
            image.alt_text if image else "",
            image.credit if image else "",
            "No alt text yet: describe the picture here before publishing."
            if image and not image.alt_text
            else "",
        )

    def value_from_datadict(self, data, files, name):
        return data.get(name) or None
