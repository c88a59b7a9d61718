"""Forms parse what the browser sends; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import (
    WG_DOMAINS,
    ConsentChannel,
    ConsentPurpose,
    Difficulty,
    DocumentType,
    MigrationSituation,
    Relationship,
    Sex,
)
from .services import PersonInput


class PersonForm(forms.Form):
    given_names = forms.CharField(label=_("Given names"), max_length=120)
    family_name_1 = forms.CharField(label=_("First family name"), max_length=80, required=False)
    family_name_2 = forms.CharField(label=_("Second family name"), max_length=80, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    estimated_age = forms.IntegerField(label=_("or estimated age (years)"), required=False, min_value=0, max_value=130)
    nationality = forms.ChoiceField(label=_("Nationality"), required=False, initial="VE")
    document_type = forms.ChoiceField(label=_("Identity document"), choices=DocumentType.choices, required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Phone / WhatsApp"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    phone_is_whatsapp = forms.BooleanField(label=_("Uses WhatsApp on this number"), required=False)
    migration_situation = forms.ChoiceField(
        label=_("Migration situation"), required=False, choices=[("", "—"), *MigrationSituation.choices]
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the head"), choices=[("", "—"), *Relationship.choices], required=False
    )
    pregnant_or_lactating = forms.BooleanField(label=_("Pregnant or lactating"), required=False)
    unaccompanied_or_separated_child = forms.BooleanField(label=_("Unaccompanied or separated child"), required=False)
    older_person_alone = forms.BooleanField(label=_("Older person alone"), required=False)
    chronic_illness = forms.BooleanField(label=_("Chronic illness"), required=False)
    survivor_of_violence = forms.BooleanField(
        label=_("Survivor of violence (visible only to protection staff)"), required=False
    )
    consents = forms.MultipleChoiceField(
        label=_("Consent given for"),
        choices=ConsentPurpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[ConsentPurpose.ASSISTANCE],
    )
    consent_channel = forms.ChoiceField(
        label=_("Consent given"), choices=ConsentChannel.choices, initial=ConsentChannel.IN_PERSON
    )
    # "same person" answer to the duplicate check: the id of the existing registration, or "new".
    match_choice = forms.CharField(required=False, widget=forms.HiddenInput)
    # The possible registrations that were shown: "person id:probability,..." (the answers are kept).
    shown = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = [("", "—"), *countries]
        for name, label in WG_DOMAINS:
            self.fields[name] = forms.ChoiceField(label=label, choices=Difficulty.choices, required=False)

    def wg_fields(self):
        return [self[name] for name, _label in WG_DOMAINS]

    def to_input(self) -> PersonInput:
        d = self.cleaned_data
        choice = d.get("match_choice") or ""
        return PersonInput(
            given_names=d["given_names"],
            sex=d["sex"],
            family_name_1=d["family_name_1"],
            family_name_2=d["family_name_2"],
            birth_date=d["birth_date"],
            estimated_age=d["estimated_age"],
            nationality=d["nationality"],
            document_type=d["document_type"],
            document_number=d["document_number"],
            phone=d["phone"],
            phone_is_whatsapp=d["phone_is_whatsapp"],
            migration_situation=d["migration_situation"],
            pregnant_or_lactating=d["pregnant_or_lactating"],
            unaccompanied_or_separated_child=d["unaccompanied_or_separated_child"],
            older_person_alone=d["older_person_alone"],
            chronic_illness=d["chronic_illness"],
            survivor_of_violence=d["survivor_of_violence"],
            wg={name: d.get(name, "") for name, _label in WG_DOMAINS},
            consents=list(d["consents"]),
            consent_channel=d["consent_channel"],
            relationship=d.get("relationship") or "",
            existing_person_id=choice if choice not in ("", "new") else None,
            shown_candidates=self._shown(),
        )

    def _shown(self) -> list[tuple[str, float]]:
        out = []
        for item in (self.cleaned_data.get("shown") or "").split(",")[:20]:
            pk, _colon, score = item.partition(":")
            try:
                out.append((pk.strip(), float(score)))
            except ValueError:
                continue
        return out
