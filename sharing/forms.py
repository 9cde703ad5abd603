"""The share channel form: secrets are write-only and stored encrypted."""

from django import forms
from django.db import models

from .models import ShareChannel


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")  # Django 6's default, without the warning
    return field.formfield(**kwargs)


class ShareChannelForm(forms.ModelForm):
    """Channel settings; the secret is write-only: typed in, never shown back."""

    secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted. Leave empty to keep the current one.",
    )
    clear_secret = forms.BooleanField(required=False, label="Remove the stored secret")

    class Meta:
        model = ShareChannel
        formfield_callback = _formfield
        fields = [
            "name",
            "kind",
            "enabled",
            "base_url",
            "account",
            "message_template",
            "max_hashtags",
            "secret_env",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = bool(self.instance.pk and self.instance.secret_encrypted)
        self.fields["secret"].help_text = (
            "A secret is stored (encrypted). Type a new one to replace it, or leave empty."
            if stored
            else "Bot token, access token, app password or webhook signing secret. "
            "Stored encrypted."
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        keeps_stored = bool(self.instance.secret_encrypted) and not cleaned.get("clear_secret")
        has_secret = bool(cleaned.get("secret") or cleaned.get("secret_env") or keeps_stored)
        if kind and not has_secret:
            label = ShareChannel.SECRET_LABELS[kind]
            self.add_error(
                "secret",
                f"A {dict(ShareChannel.Kind.choices)[kind]} channel needs its {label}: type it "
                "here, or name the environment variable that holds it.",
            )
        if cleaned.get("secret") and cleaned.get("secret_env"):
            self.add_error(
                "secret", "Give either a stored secret or an environment variable, not both."
            )
        return cleaned

    def save(self, commit=True):
        channel = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            channel.set_secret(self.cleaned_data["secret"])
        elif self.cleaned_data.get("clear_secret") or self.cleaned_data.get("secret_env"):
            channel.set_secret("")
        if commit:
            channel.save()
        return channel
