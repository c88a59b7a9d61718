from django import forms
from django.utils.translation import gettext_lazy as _

from caminante.core.fields import BoundedDateField

from .models import CheckQuestion, Delivery, ProgrammeKind, TransferRule


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=ProgrammeKind.choices)
    delivery = forms.ChoiceField(label=_("Delivery"), choices=Delivery.choices)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, min_length=3, initial="COP")
    transfer_rule = forms.ChoiceField(label=_("Transfer value rule"), choices=TransferRule.choices)
    fixed_amount = forms.DecimalField(label=_("Amount per household"), max_digits=14, decimal_places=2, required=False)
    size_table = forms.CharField(
        label=_("Amounts by household size"),
        required=False,
        help_text=_(
            "One line per size: 'up to size: amount', for example '2: 50.00'. The last line covers larger households."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    budget_ceiling = forms.DecimalField(label=_("Budget ceiling"), max_digits=14, decimal_places=2, min_value=0)
    voucher_validity_days = forms.IntegerField(
        label=_("Voucher validity (days)"), min_value=1, max_value=365, initial=30
    )
    check_question = forms.ChoiceField(
        label=_("Check question at the shop"), choices=CheckQuestion.choices, required=False
    )
    starts_on = BoundedDateField(label=_("First cycle starts"))
    ends_on = BoundedDateField(label=_("First cycle ends"))
    cycles = forms.IntegerField(label=_("Number of cycles"), min_value=1, max_value=12, initial=1)
    child_under_5 = forms.BooleanField(label=_("Household with a child under 5"), required=False)
    pregnant_member = forms.BooleanField(label=_("Household with a pregnant or lactating member"), required=False)
    member_with_disability = forms.BooleanField(label=_("Household with a member with a disability"), required=False)
    transit_days = forms.IntegerField(
        label=_("Or in transit for fewer than (days)"), min_value=1, max_value=3650, required=False
    )

    def clean_size_table(self):
        rows = []
        for line in (self.cleaned_data.get("size_table") or "").splitlines():
            if not line.strip():
                continue
            try:
                size, amount = line.split(":", 1)
                rows.append([int(size.strip()), amount.strip()])
            except ValueError as exc:
                raise forms.ValidationError(_("Write each line as 'size: amount', for example '2: 50.00'.")) from exc
        return rows

    def eligibility(self) -> dict:
        data = self.cleaned_data
        terms = [{"fact": f} for f in ("child_under_5", "pregnant_member", "member_with_disability") if data.get(f)]
        if data.get("transit_days"):
            terms.append({"fact": "days_in_transit", "op": "<", "value": data["transit_days"]})
        return {"any": terms} if terms else {}


class VendorForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    bank_account = forms.CharField(label=_("Bank account for settlement"), max_length=80, required=False)


class PeriodForm(forms.Form):
    start = BoundedDateField(label=_("From"))
    end = BoundedDateField(label=_("To"))


class RedeemForm(forms.Form):
    code = forms.CharField(label=_("Voucher code"), max_length=40)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False)
    answer = forms.CharField(label=_("Answer"), max_length=20, required=False)
    key = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)


class ProviderReportForm(forms.Form):
    provider = forms.CharField(label=_("Provider"), max_length=40)
    file = forms.FileField(label=_("Report file (CSV)"))


class PdmSettingsForm(forms.Form):
    sample_percent = forms.IntegerField(
        label=_("Share of recipients asked (%)"),
        min_value=1,
        max_value=100,
        initial=100,
        help_text=_("A reproducible random sample of the recipients who agreed to be contacted by WhatsApp."),
    )
    auto_send = forms.BooleanField(label=_("Send the survey by itself when a cycle ends"), required=False)


class PdmSendForm(forms.Form):
    sample_percent = forms.IntegerField(
        label=_("Share of recipients asked (%)"), min_value=1, max_value=100, required=False
    )


def _pdm_choices(question):
    return [(o.value, o.label) for o in question.options]


class PdmEntryForm(forms.Form):
    """The post-distribution survey as a form, for a volunteer at the HSP (questions from cash/pdm.py)."""

    person_code = forms.CharField(label=_("Person code"), max_length=20)

    def __init__(self, *args, **kwargs):
        from .pdm import QUESTIONNAIRE

        super().__init__(*args, **kwargs)
        for question in QUESTIONNAIRE:
            label = question.form_label or question.prompt
            if question.kind == "one" or question.kind == "scale":
                self.fields[question.id] = forms.ChoiceField(
                    label=label, choices=_pdm_choices(question), widget=forms.RadioSelect
                )
            elif question.kind == "many":
                self.fields[question.id] = forms.MultipleChoiceField(
                    label=label, choices=_pdm_choices(question), widget=forms.CheckboxSelectMultiple
                )
            else:
                self.fields[question.id] = forms.CharField(
                    label=label, required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
                )
