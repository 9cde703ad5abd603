"""The chooser widget other forms use for a foreign key to Image."""

import lxml.html
import pytest
from django import forms
from django.urls import reverse

from images.models import Image
from images.widgets import ImageChooserWidget

pytestmark = pytest.mark.django_db


class PickForm(forms.Form):
    image = forms.ModelChoiceField(Image.objects.all(), required=False, widget=ImageChooserWidget())


def test_widget_shows_the_chosen_image_and_the_chooser_address(make_image):
    image = make_image(title="Sevan at dawn")
    doc = lxml.html.fragment_fromstring(str(PickForm(initial={"image": image.pk})["image"]))
    assert doc.get("data-chooser-url") == reverse("admin:images_image_chooser")
    hidden = doc.find(".//input")
    assert (hidden.get("type"), hidden.get("name"), hidden.get("value")) == (
        "hidden",
        "image",
        str(image.pk),
    )
    assert "Sevan at dawn" in doc.text_content()
    assert doc.find_class("image-chooser-thumb")[0].get("src") == image.file.url


def test_widget_round_trips_a_choice_and_an_empty_value(make_image):
    image = make_image()
    assert PickForm({"image": str(image.pk)}).is_valid()
    form = PickForm({"image": ""})
    assert form.is_valid() and form.cleaned_data["image"] is None
    assert "No image chosen" in str(form["image"])
    assert "images-admin/chooser.js" in str(PickForm().media)
