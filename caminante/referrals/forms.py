from django import forms
from django.utils.translation import gettext_lazy as _

from caminante.core.models import PartnerOrganisation

from .catalogue import LANGUAGES, need_choices, service_type_choices
from .models import DirectoryService


class DirectoryServiceForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    languages = forms.MultipleChoiceField(
        label=_("languages"), choices=list(LANGUAGES.items()), widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = DirectoryService
        fields = [
            "organisation",
            "name",
            "service_type",
            "description",
            "eligibility",
            "languages",
            "free",
            "cost_note",
            "opening_hours",
            "what_to_bring",
            "address",
            "city",
            "admin_area",
            "latitude",
            "longitude",
            "phone",
            "email",
            "whatsapp",
            "website",
            "accepts_referrals",
            "referral_channel",
            "last_verified",
            "published",
            "active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "last_verified": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"] = forms.ChoiceField(label=_("service type"), choices=service_type_choices())
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        if self.instance and self.instance.pk:
            self.initial["languages"] = self.instance.language_codes

    def clean_languages(self):
        return ",".join(self.cleaned_data.get("languages") or ["es"])


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = PartnerOrganisation
        fields = ["name", "kind", "email", "phone", "website", "active"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))


class ReferForm(forms.Form):
    need = forms.ChoiceField(label=_("What does the person need?"), choices=())
    service = forms.ChoiceField(label=_("Service"), choices=(), widget=forms.RadioSelect, required=False)
    note = forms.CharField(label=_("Note for the partner (the least needed)"), required=False, max_length=500)
    include_phone = forms.BooleanField(label=_("Share the person's phone number"), required=False, initial=True)
    consent = forms.BooleanField(
        label=_("The person has seen what will be sent and agrees to share it with this organisation"), required=False
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", "—"), *need_choices()]
        self.fields["service"].choices = [(str(s.pk), s.name) for s in services]


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why is it declined?"), max_length=500)


class GivenForm(forms.Form):
    note = forms.CharField(label=_("What was done (optional)"), required=False, max_length=500)
