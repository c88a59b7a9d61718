from django import forms
from django.utils.translation import gettext_lazy as _

from caminante.core.fields import BoundedDateField
from caminante.registry.models import Sex

from .models import ChildStepKind, Circumstance, ClosureReason, FoundConsent, SoughtRelationship, Status
from .services import LENGTHS, MAX_AGE, MAX_NOTE, PLAIN_TARGETS


def _text(label, name, **extra):
    return forms.CharField(label=label, max_length=LENGTHS[name], **extra)


class RequestForm(forms.Form):
    enquirer_name = _text(_("Enquirer's name"), "enquirer_name")
    enquirer_contact = _text(
        _("How to reach the enquirer"), "enquirer_contact", help_text=_("Phone, WhatsApp or an address")
    )
    enquirer_consent = forms.BooleanField(
        label=_("The enquirer agrees that the Red Cross uses this information to look for the person"),
        required=False,
    )
    given_names = _text(_("Given names of the sought person"), "given_names")
    family_names = _text(_("Family names"), "family_names", required=False)
    nicknames = _text(_("Nicknames (comma-separated)"), "nicknames", required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1900, max_value=2100)
    age = forms.IntegerField(label=_("or age (if the year is unknown)"), required=False, min_value=0, max_value=MAX_AGE)
    place_of_origin = _text(_("Place of origin"), "place_of_origin", required=False)
    last_known_place = _text(_("Last known place"), "last_known_place", required=False)
    last_known_date = BoundedDateField(label=_("Last known date"), required=False)
    circumstance = forms.ChoiceField(label=_("Circumstances of separation"), choices=Circumstance.choices)
    relationship = forms.ChoiceField(label=_("The sought person is the enquirer's"), choices=SoughtRelationship.choices)
    unaccompanied_child = forms.BooleanField(label=_("Unaccompanied or separated child"), required=False)
    older_person = forms.BooleanField(label=_("Older person"), required=False)
    disability = forms.BooleanField(label=_("Person with disability"), required=False)
    service_point = forms.ModelChoiceField(label=_("Taken at"), queryset=None, required=False, empty_label=_("Office"))

    def __init__(self, *args, service_points=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_point"].queryset = service_points


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"), choices=[(s.value, s.label) for s in Status if s in PLAIN_TARGETS]
    )
    closure_reason = forms.ChoiceField(
        label=_("Reason (when closing)"), choices=[("", "—"), *ClosureReason.choices], required=False
    )


class AssignForm(forms.Form):
    assigned_to = forms.ModelChoiceField(label=_("RFL officer"), queryset=None, required=False, empty_label="—")

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = officers


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3}))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = BoundedDateField(label=_("Due date"))


class LocateForm(forms.Form):
    found_consent = forms.ChoiceField(
        label=_("What did the found person decide?"), choices=FoundConsent.choices, widget=forms.RadioSelect
    )


class ChildStepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=ChildStepKind.choices)
    done_on = BoundedDateField(label=_("Date"))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ChildReferralForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Child-protection service"), queryset=None)
    consent = forms.BooleanField(
        label=_("The child (or their carer) agrees that these details are shared with the service"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class DeceasedForm(forms.Form):
    found_on = BoundedDateField(label=_("Date found"))
    place_found = forms.CharField(label=_("Place found"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    estimated_age = forms.IntegerField(label=_("Estimated age"), required=False, min_value=0, max_value=MAX_AGE)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    belongings = forms.CharField(
        label=_("Belongings"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    burial_place = forms.CharField(label=_("Where buried"), max_length=200, required=False)
    authority = forms.CharField(label=_("Authority involved"), max_length=200, required=False)


class ProposeMatchForm(forms.Form):
    tracing = forms.CharField(label=_("Tracing case code"), max_length=20)
