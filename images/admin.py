"""The image library in the admin: list, upload, focal point, where used; chooser and upload
endpoints for the article editor."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import renditions, services
from .forms import ImageAdminForm
from .models import Image
from .validation import validate_upload

CHOOSER_PAGE_SIZE = 24


class DescribeForm(forms.Form):
    """What an article form may complete of a library picture in place."""

    id = forms.IntegerField(min_value=1)
    alt_text = forms.CharField(
        required=False, max_length=Image._meta.get_field("alt_text").max_length
    )
    credit = forms.CharField(required=False, max_length=Image._meta.get_field("credit").max_length)


class AltTextFilter(admin.SimpleListFilter):
    title = "alt text"
    parameter_name = "alt"

    def lookups(self, request, model_admin):
        return [("missing", "Missing"), ("present", "Present")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(alt_text="")
        if self.value() == "present":
            return queryset.exclude(alt_text="")
        return queryset


def _json_error(message, status):
    return JsonResponse({"error": {"message": message}}, status=status)


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = ("thumbnail", "title", "credit", "dimensions", "has_alt_text", "created_at")
    list_display_links = ("thumbnail", "title")
    list_filter = (AltTextFilter, "created_at", "credit", "tags")
    search_fields = ("title", "alt_text", "caption", "credit", "tags__name")
    date_hierarchy = "created_at"
    list_per_page = 50
    readonly_fields = ("focal_point_picker", "used_in", "details")
    fieldsets = (
        (None, {"fields": ("file", "title", "alt_text", "caption", "tags")}),
        ("Credit and rights", {"fields": ("credit", "source", "licence")}),
        (
            "Focal point",
            {
                "fields": ("focal_point_picker", ("focal_x", "focal_y")),
                "description": "Crops for the lead (16:9), thumbnails (1:1) and share cards "
                "(1.91:1) keep this point in view. Click the picture or type the numbers.",
            },
        ),
        ("Where it is used", {"fields": ("used_in", "details")}),
    )

    class Media:
        css = {"all": ("images-admin/images-admin.css",)}
        js = ("images-admin/focal-point.js",)

    # -- list --------------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(*renditions.with_renditions(ratios=["original"]))
        )

    @admin.display(description="")
    def thumbnail(self, image):
        return format_html(
            '<img class="image-thumb" src="{}" alt="" width="{}" height="{}" loading="lazy">',
            renditions.thumbnail_url(image),
            80,
            max(1, round(80 * image.height / image.width)) if image.width else 80,
        )

    @admin.display(description="size")
    def dimensions(self, image):
        return f"{image.width}×{image.height}"

    @admin.display(description="alt text", boolean=True)
    def has_alt_text(self, image):
        return bool(image.alt_text)

    # -- change form ----------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            # Nothing to show or be used yet; the picker works on the chosen file.
            return [(name, opts) for name, opts in self.fieldsets if name != "Where it is used"]
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("focal_point_picker",)
        # The file stays: articles and renditions refer to it. Upload a new image instead.
        return ("file", *self.readonly_fields)

    @admin.display(description="Preview")
    def focal_point_picker(self, image):
        if image is None or not image.pk:
            return format_html('<div class="focal-picker" data-new="{}" hidden></div>', 1)
        return format_html(
            '<div class="focal-picker" style="--focal-x: {}; --focal-y: {}">'
            '<img src="{}" alt="" width="{}" height="{}">'
            '<span class="focal-marker" aria-hidden="true"></span></div>',
            image.focal_x,
            image.focal_y,
            renditions.thumbnail_url(image, width=640),
            image.width,
            image.height,
        )

    @admin.display(description="Used in")
    def used_in(self, image):
        usages = image.usages()
        if not usages:
            return "Not used anywhere yet."
        return format_html(
            "<ul class='image-usages'>{}</ul>",
            format_html_join(
                "", "<li>{}: {}</li>", ((label, self._link(obj)) for label, obj in usages)
            ),
        )

    def _link(self, obj):
        opts = obj._meta
        if type(obj) in self.admin_site._registry:
            try:
                url = reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    args=[obj.pk],
                )
            except NoReverseMatch:
                url = None
            if url:
                return format_html('<a href="{}">{}</a>', url, obj)
        return format_html("{}", obj)

    @admin.display(description="File")
    def details(self, image):
        return format_html(
            '<a href="{}">{}</a> · {}×{} px · {} KB · uploaded {} by {}',
            image.file.url,
            image.file.name.rsplit("/", 1)[-1],
            image.width,
            image.height,
            round(image.file_size / 1024),
            timezone.localtime(image.created_at).strftime("%Y-%m-%d %H:%M"),
            image.uploaded_by or "—",
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        if change:
            # The form asked the same rule already (services.check_change); asked again here.
            services.save_image(obj, user=request.user, changed=form.changed_data)
            return
        obj.uploaded_by = request.user
        obj.file_size = obj.file.size
        super().save_model(request, obj, form, change)
        services.image_saved(obj, created=True, changed=form.changed_data)

    def delete_model(self, request, obj):
        services.delete_images([obj])

    def delete_queryset(self, request, queryset):
        services.delete_images(queryset)

    # -- endpoints for the article editor ---------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        # JSON endpoints: they answer 403 rather than the admin's login redirect.
        return [
            path("chooser/", never_cache(self.chooser_view), name=f"{prefix}_chooser"),
            path("upload/", never_cache(csrf_protect(self.upload_view)), name=f"{prefix}_upload"),
            path(
                "describe/",
                never_cache(csrf_protect(self.describe_view)),
                name=f"{prefix}_describe",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _allowed(request, permission):
        user = request.user
        return user.is_active and user.is_staff and user.has_perm(permission)

    def chooser_view(self, request):
        """GET ?q=&page=: library images for the editor's chooser, newest first, as JSON."""
        if not self._allowed(request, "images.view_image"):
            return _json_error("You do not have permission to see the image library.", 403)
        queryset = Image.objects.prefetch_related(*renditions.with_renditions(ratios=["original"]))
        term = request.GET.get("q", "").strip()[:200]
        if term:
            queryset, may_have_duplicates = self.get_search_results(request, queryset, term)
            if may_have_duplicates:
                queryset = queryset.distinct()
        page = Paginator(queryset, CHOOSER_PAGE_SIZE).get_page(request.GET.get("page"))
        return JsonResponse(
            {
                "results": [self._choice(image) for image in page],
                "page": page.number,
                "pages": page.paginator.num_pages,
                "count": page.paginator.count,
                "has_next": page.has_next(),
            }
        )

    @staticmethod
    def _choice(image):
        return {
            "id": image.pk,
            "title": image.title,
            "alt_text": image.alt_text,
            "caption": image.caption,
            "credit": image.credit,
            # The original's address: the article body recognises library images by it
            # and renders them with their renditions.
            "url": image.file.url,
            "thumb": renditions.thumbnail_url(image),
            "width": image.width,
            "height": image.height,
        }

    def upload_view(self, request):
        """CKEditor 5's upload adapter: POST "upload" -> {"url"} or {"error": {"message"}}."""
        if request.method != "POST":
            return _json_error("Upload images with POST.", 405)
        if not self._allowed(request, "images.add_image"):
            return _json_error("You do not have permission to add images to the library.", 403)
        upload = request.FILES.get("upload")
        if upload is None:
            return _json_error("Choose an image to upload.", 400)
        try:
            clean = validate_upload(upload)
        except ValidationError as error:
            return _json_error(" ".join(error.messages), 400)
        image = services.create_image(clean, uploaded_by=request.user)
        return JsonResponse({"url": image.file.url})

    def describe_view(self, request):
        """POST id, alt_text, credit: complete a picture's description from the article form.

        The library's rules apply (services.save_image: a picture on a published story
        changes only with its publisher's rights); answers the image as the chooser does.
        """
        if request.method != "POST":
            return _json_error("Describe images with POST.", 405)
        if not self._allowed(request, "images.change_image"):
            return _json_error("You do not have permission to change library images.", 403)
        form = DescribeForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            return _json_error(f"Nothing was saved: {errors}", 400)
        image = Image.objects.filter(pk=form.cleaned_data["id"]).first()
        if image is None:
            return _json_error("This image is no longer in the library.", 404)
        changed = [
            name
            for name in ("alt_text", "credit")
            if form.cleaned_data[name] != getattr(image, name)
        ]
        for name in changed:
            setattr(image, name, form.cleaned_data[name])
        try:
            services.save_image(image, user=request.user, changed=changed)
        except ValidationError as refused:
            return _json_error(" ".join(refused.messages), 403)
        image = Image.objects.prefetch_related(
            *renditions.with_renditions(ratios=["original"])
        ).get(pk=image.pk)
        return JsonResponse({"image": self._choice(image), "changed": changed})
