from django import forms
from django.utils.translation import gettext_lazy as _

from categories.models import Category


class PreferencesForm(forms.Form):
    daily = forms.BooleanField(label=_("Daily digest"), required=False, initial=True)
    weekly = forms.BooleanField(label=_("Weekly digest"), required=False)
    alerts = forms.BooleanField(label=_("Breaking-news alerts"), required=False)
    sections = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(parent__isnull=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Digests carry only these sections; none ticked means every section."),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("daily") or data.get("weekly") or data.get("alerts")):
            raise forms.ValidationError(_("Choose at least one: daily, weekly or breaking news."))
        return data


class SignupForm(PreferencesForm):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    source = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    field_order = ["email", "daily", "weekly", "alerts", "sections"]
