"""Admin forms of articles: they parse and validate input, and ask services for the rules."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django_ckeditor_5.widgets import CKEditor5Widget

from . import merge, services
from .models import Article

TITLE_RECOMMENDED = 70
DEK_RECOMMENDED = 160

# Form fields that are not the story's (left out of the History's change messages).
INTERNAL_FIELDS = {"base_version"}

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
            "title",
            "slug",
            "dek",
            "body",
            "dateline",
            "category",
            "tags",
            "publish_at",
            "is_featured",
            "content_updated_at",
            "featured_image",
            "featured_image_caption",
            "canonical_url",
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

    @cached_property
    def changed_data(self):
        # The version the form was opened at is bookkeeping, not an edit: the admin's
        # History ("Changed Title and Body.") must not list it.
        return [
            name
            for name, bound in self._bound_items()
            if name not in INTERNAL_FIELDS and bound._has_changed()
        ]

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

    def clean_canonical_url(self):
        url = self.cleaned_data.get("canonical_url") or ""
        current = self.instance.canonical_url if self.instance.pk else ""
        try:
            services.check_canonical(self.user, url, current=current)
        except services.CanonicalElsewhere as refused:
            raise ValidationError(refused.message, code=refused.code) from refused
        return url

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_version(cleaned)
        self._check_workflow(cleaned)
        self._check_alt_text(cleaned)
        self._check_address(cleaned)
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
                # The whole refused save, for the field-by-field merge (articles.merge).
                services.autosave(
                    self.user,
                    self.instance,
                    title=self.data.get("title", ""),
                    dek=self.data.get("dek", ""),
                    body=self.data.get("body", ""),
                    base_version=base,
                    extra=merge.refused_values(cleaned, self.data),
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

    def _check_alt_text(self, cleaned):
        # Checked before anything is saved, so the refusal costs the editor nothing.
        going_live = self.workflow_action == "publish" or (
            self.instance.pk
            and self.instance.status == Article.Status.PUBLISHED
            and self.workflow_action not in ("unpublish", "cancel_schedule")
        )
        if not going_live:
            return
        try:
            services.check_alt_text(
                featured_image=cleaned.get("featured_image"), body=cleaned.get("body", "")
            )
        except services.MissingAltText as missing:
            raise ValidationError(missing.message, code=missing.code) from missing

    def _check_address(self, cleaned):
        # The address the story will answer at, if this save puts or keeps it on the site.
        instance, action = self.instance, self.workflow_action
        if action == "publish" and instance.status != Article.Status.PUBLISHED:
            when = services.publication_time(instance, self.publish_time())
        elif instance.status == Article.Status.PUBLISHED and action not in (
            "unpublish",
            "cancel_schedule",
        ):
            when = cleaned.get("publish_at") or instance.publish_at
        else:
            return
        slug = (
            cleaned.get("slug")
            or instance.slug
            or slugify(cleaned.get("title") or "", allow_unicode=True)
        )
        if action != "publish" and (slug, when) == (instance.slug, instance.publish_at):
            return  # a live story staying where it is
        try:
            services.check_address(instance, slug=slug, when=when)
        except services.AddressTaken as taken:
            raise ValidationError(taken.message, code=taken.code) from taken

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
