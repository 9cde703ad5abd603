"""Admin forms of articles: they parse and validate input, and ask services for the rules."""

from uuid import uuid4

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_ckeditor_5.widgets import CKEditor5Widget
from PIL import Image

from . import services
from .models import Article

TITLE_RECOMMENDED = 70
DEK_RECOMMENDED = 160

WORKFLOW_BUTTONS = {
    "_submit_review": "submit",
    "_publish": "publish",
    "_unpublish": "unpublish",
    "_cancel_schedule": "cancel_schedule",
}


def _formfield(db_field, **kwargs):
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ArticleAdminForm(forms.ModelForm):
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set by ArticleAdmin.get_form() on the per-request form class.
    request = None

    class Meta:
        model = Article
        formfield_callback = _formfield
        fields = [
            "title", "slug", "dek", "body", "dateline", "category", "tags", "publish_at",
            "is_featured", "content_updated_at", "featured_image", "featured_image_alt",
            "featured_image_caption", "featured_image_credit", "canonical_url",
        ]
        widgets = {
            "body": CKEditor5Widget(config_name="article"),
            "dek": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["base_version"] = self.instance.version
        counters = {"title": TITLE_RECOMMENDED, "dek": DEK_RECOMMENDED}
        for name, recommended in counters.items():
            if name in self.fields:
                self.fields[name].widget.attrs["data-recommended-length"] = recommended
        if "body" in self.fields:
            # The editor's own textarea is hidden; an empty body is allowed while drafting.
            self.fields["body"].required = False

    @property
    def user(self):
        return getattr(self.request, "user", None)

    @property
    def workflow_action(self):
        """The workflow button pressed with this save, if any."""
        if self.request is None:
            return None
        for key, action in WORKFLOW_BUTTONS.items():
            if key in self.request.POST:
                return action
        return None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_version(cleaned)
        self._check_workflow(cleaned)
        return cleaned

    def _check_version(self, cleaned):
        base = cleaned.get("base_version")
        if base is None:
            raise ValidationError(
                "This form does not say which version of the article it edits. "
                "Open the article again from the list.",
                code="no_version",
            )
        try:
            services.check_version(self.instance, base)
        except services.StaleArticle as stale:
            if self.user is not None and self.user.is_authenticated:
                # The refused text must survive a reload too, not only this page.
                services.autosave(
                    self.user, self.instance,
                    title=self.data.get("title", ""), dek=self.data.get("dek", ""),
                    body=self.data.get("body", ""), base_version=base,
                )
            raise ValidationError(stale.message, code="stale") from stale

    def _check_workflow(self, cleaned):
        action = self.workflow_action
        user = self.user
        if action is None or user is None:
            return
        if action in ("publish", "unpublish", "cancel_schedule") and not services.can_publish(
            user, self.instance
        ):
            raise ValidationError(
                "You may not publish, schedule or unpublish this article. "
                "Submit it for review and an editor will publish it.",
                code="forbidden",
            )

    def publish_time(self):
        """The time asked for by "Publish": a future time schedules, otherwise now."""
        when = self.cleaned_data.get("publish_at")
        return when if when and when > timezone.now() else None


class ScheduleForm(forms.Form):
    """The time for the "Schedule" bulk action."""

    publish_at = forms.DateTimeField(
        label="Publish at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=f"In the site's time zone ({settings.TIME_ZONE}).",
    )

    def clean_publish_at(self):
        when = self.cleaned_data["publish_at"]
        if when <= timezone.now():
            raise ValidationError("Choose a time in the future (or use “Publish now”).")
        return when


class BodyImageForm(forms.Form):
    """An image uploaded from the editor, checked by its content rather than its name."""

    FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}

    upload = forms.FileField(
        error_messages={"required": "Choose an image to upload.",
                        "empty": "The uploaded file is empty."}
    )

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        max_bytes = settings.ARTICLE_IMAGE_MAX_BYTES
        if upload.size > max_bytes:
            raise ValidationError(
                f"The file is {upload.size / 1048576:.1f} MB; images may be at most "
                f"{max_bytes / 1048576:.0f} MB."
            )
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                kind = image.format
                width, height = image.size
                if kind not in self.FORMATS:
                    raise ValidationError(
                        f"{kind} images cannot be used; upload a JPEG, PNG, GIF or WebP image."
                    )
                max_pixels = settings.ARTICLE_IMAGE_MAX_PIXELS
                if width * height > max_pixels:
                    raise ValidationError(
                        f"The image is {width}×{height} pixels; images may have at most "
                        f"{max_pixels / 1_000_000:.0f} million pixels. Make it smaller first."
                    )
                image.verify()
            upload.seek(0)
            # verify() does not decode the pixels; a truncated file fails here.
            with Image.open(upload) as image:
                image.load()
        except ValidationError:
            raise
        except Image.DecompressionBombError as error:
            raise ValidationError("The image has too many pixels to be used.") from error
        except Exception as error:  # Pillow raises many types on bad input
            raise ValidationError(
                "This file is not an image that can be read (or it is damaged). "
                "Upload a JPEG, PNG, GIF or WebP image."
            ) from error
        upload.seek(0)
        self.cleaned_data["extension"] = self.FORMATS[kind]
        return upload

    def storage_name(self):
        """A fresh name: the uploader's file name and extension are never trusted."""
        now = timezone.now()
        return f"articles/body/{now:%Y/%m}/{uuid4().hex}.{self.cleaned_data['extension']}"
