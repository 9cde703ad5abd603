"""The library's admin form: the upload goes through images.validation, the rules of who
may change what through images.services."""

from django import forms
from django.core.exceptions import ValidationError

from . import services
from .models import Image
from .validation import validate_upload


class ImageAdminForm(forms.ModelForm):
    # A plain file field: the model's ImageField would answer Pillow's failures
    # with one vague message before validate_upload could say what is wrong.
    file = forms.FileField(
        label="Image file",
        help_text="JPEG, PNG, GIF or WebP. Credit and title are taken from the file "
        "when left empty.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )

    class Meta:
        model = Image
        fields = [
            "file",
            "title",
            "alt_text",
            "caption",
            "credit",
            "source",
            "licence",
            "tags",
            "focal_x",
            "focal_y",
        ]
        widgets = {
            "focal_x": forms.NumberInput(attrs={"step": "0.001", "min": "0", "max": "1"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.001", "min": "0", "max": "1"}),
            "licence": forms.Textarea(attrs={"rows": 3}),
            "caption": forms.Textarea(attrs={"rows": 2}),
        }

    upload = None  # the CleanUpload of a new file, once checked
    user = None  # set by ImageAdmin.get_form() on the per-request form class

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "title" in self.fields:
            self.fields["title"].required = False
            self.fields["title"].help_text = "Left empty: made from the file name."

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or upload is False:
            raise ValidationError("Choose an image to upload.", code="required")
        self.upload = validate_upload(upload)
        return self.upload.file

    def clean(self):
        cleaned = super().clean()
        if self.upload is not None:
            if not cleaned.get("title"):
                cleaned["title"] = self.upload.title
            if not cleaned.get("credit"):
                cleaned["credit"] = self.upload.credit
        elif "file" not in self.fields and not cleaned.get("title"):
            self.add_error("title", "Give the image a title.")
        if self.instance.pk and self.user is not None:
            # Refused before anything is saved; what was typed stays in the form.
            services.check_change(self.user, self.instance, self.changed_data)
        return cleaned
