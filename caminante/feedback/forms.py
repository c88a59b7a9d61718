from django import forms
from django.utils.translation import gettext_lazy as _

from caminante.core.fields import BoundedDateField

from .models import AgeGroup, AnswerVia, Channel, Criticality, Diversity, Sensitivity, SexGiven, Status

LANGUAGES = [("es", _("Spanish")), ("pt", _("Portuguese")), ("en", _("English"))]


class IntakeForm(forms.Form):
    """The volunteer's quick form, the suggestion-box typing form and the hotline form share it;
    each page shows the fields that matter for its channel."""

    text = forms.CharField(
        label=_("What the person said (their words)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, initial="es")
    reported_sensitive = forms.BooleanField(
        label=_("About abuse, sexual exploitation, misconduct of staff, a child at risk or a threat"), required=False
    )
    wants_answer = forms.BooleanField(label=_("The person wants an answer"), required=False)
    contact_consent = forms.BooleanField(label=_("The person agrees to be contacted for the answer"), required=False)
    contact_phone = forms.CharField(
        label=_("Phone for the answer (international form, e.g. +573001234567)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(label=_("Sex (if given)"), choices=[("", "—"), *SexGiven.choices], required=False)
    age_group = forms.ChoiceField(
        label=_("Age group (if given)"), choices=[("", "—"), *AgeGroup.choices], required=False
    )
    diversity = forms.MultipleChoiceField(
        label=_("Diversity (if given)"), choices=Diversity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    received_on = BoundedDateField(label=_("Date written on the card"), required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    voucher_code = forms.CharField(label=_("Voucher code (if about a voucher)"), max_length=30, required=False)
    programme_code = forms.CharField(label=_("Programme (if about one)"), max_length=60, required=False)
    referral_code = forms.CharField(label=_("Referral code (if about one)"), max_length=30, required=False)


CHANNEL_FIELDS = {
    Channel.HSP: [
        "text",
        "language",
        "reported_sensitive",
        "wants_answer",
        "contact_consent",
        "contact_phone",
        "sex",
        "age_group",
    ],
    Channel.SUGGESTION_BOX: [
        "text",
        "language",
        "reported_sensitive",
        "received_on",
        "wants_answer",
        "contact_consent",
        "contact_phone",
    ],
    Channel.HOTLINE: [
        "text",
        "language",
        "reported_sensitive",
        "place",
        "wants_answer",
        "contact_consent",
        "contact_phone",
        "sex",
        "age_group",
        "diversity",
        "voucher_code",
        "programme_code",
        "referral_code",
    ],
}


class CodingForm(forms.Form):
    type_key = forms.ChoiceField(label=_("Type"))
    category_key = forms.ChoiceField(label=_("Category"))
    code_key = forms.ChoiceField(label=_("Code"), required=False)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=Sensitivity.choices)
    criticality = forms.ChoiceField(label=_("Criticality"), choices=Criticality.choices)

    def __init__(self, *args, tree=None, **kwargs):
        super().__init__(*args, **kwargs)
        if tree is not None:
            self.fields["type_key"].choices = [(t.key, t.label) for t in tree.types]
            self.fields["category_key"].choices = [
                (t.label, [(c.key, c.label) for c in tree.categories.get(t.key, [])]) for t in tree.types
            ]
            self.fields["code_key"].choices = [("", "—")] + [
                (c.label, [(code.key, code.label) for code in tree.codes.get(c.key, [])])
                for t in tree.types
                for c in tree.categories.get(t.key, [])
            ]


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=[s for s in Status.choices if s[0] != Status.ANSWERED])
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    via = forms.ChoiceField(label=_("How the answer goes back"), choices=AnswerVia.choices)


class ClusterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    keywords = forms.CharField(label=_("Keywords (comma-separated)"), max_length=500, required=False)
    response_message = forms.CharField(
        label=_("Agreed response message"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NationalCodeForm(forms.Form):
    category_key = forms.ChoiceField(label=_("Category"))
    key = forms.SlugField(label=_("Key (letters, digits, underscores)"), max_length=50)
    label_es = forms.CharField(label=_("Label in Spanish"), max_length=200)
    label_pt = forms.CharField(label=_("Label in Portuguese"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Label in English"), max_length=200, required=False)
