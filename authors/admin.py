"""The author admin."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db import models
from django.utils.text import slugify

from languages.forms import translation_fieldsets, translations_form

from .models import Author

TRANSLATED = {"name": forms.TextInput, "bio": forms.Textarea}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "kind", "slug", "user", "email")
    list_filter = ("kind",)
    # A contributor looking for her own byline types her name as her login shows it.
    search_fields = (
        "name",
        "slug",
        "email",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("user",)
    list_select_related = ("user",)
    exclude = ("translations",)
    fieldsets = [
        (None, {"fields": ("name", "slug", "kind", "bio", "photo", "user", "email")}),
        (
            "Links",
            {
                "fields": (
                    "website",
                    "x_url",
                    "facebook_url",
                    "instagram_url",
                    "telegram_url",
                    "mastodon_url",
                    "bluesky_url",
                )
            },
        ),
    ]

    def get_form(self, request, obj=None, **kwargs):
        # Built per request: the inputs follow the editions (settings.LANGUAGES).
        kwargs["form"] = translations_form(Author, TRANSLATED)
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return [*super().get_fieldsets(request, obj), *translation_fieldsets(TRANSLATED)]


# -- the user admin: a login's byline -------------------------------------------


class UserBylineForm(UserChangeForm):
    """The user form, with the byline: create an author profile, or link an existing one."""

    create_author_profile = forms.BooleanField(
        label="Create author profile",
        required=False,
        help_text="A byline under this person's name, so their stories say “By …”.",
    )
    author_name = forms.CharField(
        label="Byline name",
        required=False,
        max_length=150,
        help_text="Filled from the first and last name (left empty: the names above, "
        "or the username); change it if the byline differs.",
    )
    link_author = forms.ModelChoiceField(
        label="Or link an existing author",
        queryset=Author.objects.filter(user__isnull=True, kind=Author.Kind.PERSON),
        required=False,
        help_text="A byline that has no login yet (e.g. imported from WordPress).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance
        has_profile = user.pk and Author.objects.filter(user=user).exists()
        if has_profile:
            for name in ("create_author_profile", "author_name", "link_author"):
                self.fields.pop(name)
            return
        self.fields["create_author_profile"].initial = True
        # Empty when the names are not known yet: saving uses the names typed with it.
        self.fields["author_name"].initial = user.get_full_name()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("create_author_profile") and cleaned.get("link_author"):
            raise forms.ValidationError(
                "Either create a new author profile or link an existing one, not both."
            )
        return cleaned


class NewsroomUserAdmin(UserAdmin):
    form = UserBylineForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        if Author.objects.filter(user=obj).exists():
            return fieldsets
        return [
            *fieldsets,
            ("Byline", {"fields": ("create_author_profile", "author_name", "link_author")}),
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data = form.cleaned_data
        if data.get("link_author"):
            author = data["link_author"]
            author.user = obj
            author.save(update_fields=["user", "updated_at"])
            messages.info(request, f"{obj.get_username()} now writes as “{author.name}”.")
        elif data.get("create_author_profile"):
            name = (data.get("author_name") or "").strip() or (
                obj.get_full_name() or obj.get_username()
            )
            author = Author(name=name, user=obj, email=obj.email)
            author.slug = unique_slug(name)
            author.save()
            messages.info(request, f"Author profile “{author.name}” created for this login.")


def unique_slug(name):
    """A free /author/<slug>/ for `name` ("ani-hakobyan", then "ani-hakobyan-2", ...)."""
    base = slugify(name, allow_unicode=True)[:150] or "author"
    slug, n = base, 1
    while Author.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, NewsroomUserAdmin)
