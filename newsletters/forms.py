from django import forms

from categories.models import Category


class PreferencesForm(forms.Form):
    daily = forms.BooleanField(label="Daily digest", required=False, initial=True)
    weekly = forms.BooleanField(label="Weekly digest", required=False)
    alerts = forms.BooleanField(label="Breaking-news alerts", required=False)
    sections = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(parent__isnull=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Digests carry only these sections; none ticked means every section.",
    )

    def clean(self):
        data = super().clean()
        if not (data.get("daily") or data.get("weekly") or data.get("alerts")):
            raise forms.ValidationError("Choose at least one: daily, weekly or breaking news.")
        return data


class SignupForm(PreferencesForm):
    email = forms.EmailField(label="Your e-mail address", max_length=254)
    source = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    field_order = ["email", "daily", "weekly", "alerts", "sections"]
