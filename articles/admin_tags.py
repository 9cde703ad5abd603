"""Tags in the admin: taggit's own admin, plus the tag's names in the other editions.

taggit's Tag has no field for them: they are a TagTranslation beside it, edited
here as an inline with one input per edition other than the default.
"""

from django import forms
from django.contrib import admin
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from languages.forms import field_name, other_editions

from .models import TagTranslation


class TagNamesForm(forms.ModelForm):
    """One input per edition other than the default, kept in `names`."""

    class Meta:
        model = TagTranslation
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, _language in other_editions():
            self.initial.setdefault(field_name("name", code), self.instance.names.get(code, ""))

    def clean(self):
        data = super().clean()
        names = dict(self.instance.names or {})
        for code, _language in other_editions():
            value = (data.get(field_name("name", code)) or "").strip()
            if value:
                names[code] = value
            else:
                names.pop(code, None)
        self.instance.names = names
        return data


def tag_names_form():
    """TagNamesForm with the inputs of today's editions (settings.LANGUAGES)."""
    declared = {
        field_name("name", code): forms.CharField(
            label=f"Name ({language})", required=False, max_length=100
        )
        for code, language in other_editions()
    }
    return type("TagNamesForm", (TagNamesForm,), {**declared, "__module__": __name__})


class TagTranslationInline(admin.StackedInline):
    model = TagTranslation
    verbose_name = verbose_name_plural = "names in the other editions"
    can_delete = False
    max_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = tag_names_form()
        kwargs["fields"] = list(kwargs["form"].declared_fields)
        return super().get_formset(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": [field_name("name", code) for code, _ in other_editions()]})]


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(TaggitTagAdmin):
    """taggit's tag admin; on a site of several editions, the tag's other names too."""

    inlines = [*TaggitTagAdmin.inlines, TagTranslationInline]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if not other_editions():
            inlines = [i for i in inlines if not isinstance(i, TagTranslationInline)]
        return inlines
