"""Names per language in the admin: one input per field and edition other than the
default, kept in the row's `translations` JSON ({"hy": {"name": "Արցախ"}}).

The inputs follow `settings.LANGUAGES` when the form is built (per request), so a
new edition needs no migration and no code.
"""

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import get_supported_language_variant


def other_editions():
    """(code, language name) of every edition but the default one."""
    try:
        default = get_supported_language_variant(settings.LANGUAGE_CODE)
    except LookupError:
        default = settings.LANGUAGES[0][0]
    return [(code, name) for code, name in settings.LANGUAGES if code != default]


def field_name(field, code):
    return f"{field}_{code}"


class TranslationsForm(forms.ModelForm):
    """A model form whose `translated` fields have one more input per other edition."""

    translated = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.translations or {}
        for code, _language in other_editions():
            for field in self.translated:
                value = (stored.get(code) or {}).get(field, "")
                self.initial.setdefault(field_name(field, code), value)

    def clean(self):
        data = super().clean()
        # Languages that are no longer editions keep their names (an edition may return).
        stored = {code: dict(names) for code, names in (self.instance.translations or {}).items()}
        for code, _language in other_editions():
            entry = stored.get(code, {})
            for field in self.translated:
                value = (data.get(field_name(field, code)) or "").strip()
                if value:
                    entry[field] = value
                else:
                    entry.pop(field, None)
            if entry:
                stored[code] = entry
            else:
                stored.pop(code, None)
        self.instance.translations = stored
        return data


def _formfield(model_field, **kwargs):
    # The admin builds the fields again with its own overrides; this first build only
    # must not use Django 5's deprecated default scheme of URL fields.
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


def translations_form(model, translated, base=TranslationsForm):
    """A TranslationsForm class for `model` with an input per field of `translated`
    ({field: widget class}) and edition other than the default."""
    declared = {}
    for code, language in other_editions():
        for field, widget in translated.items():
            model_field = model._meta.get_field(field)
            declared[field_name(field, code)] = forms.CharField(
                label=f"{model_field.verbose_name.capitalize()} ({language})",
                required=False,
                max_length=model_field.max_length,
                widget=widget,
            )
    meta = type(
        "Meta",
        (),
        {"model": model, "exclude": ("translations",), "formfield_callback": _formfield},
    )
    return type(
        f"{model.__name__}TranslationsForm",
        (base,),
        {**declared, "Meta": meta, "translated": tuple(translated), "__module__": __name__},
    )


def translation_fieldsets(translated):
    """The admin fieldset of the inputs of the other editions (none on a one-language site)."""
    names = [field_name(field, code) for code, _ in other_editions() for field in translated]
    if not names:
        return []
    return [("Other editions", {"fields": names})]
