from django import forms
from django.utils.translation import gettext_lazy as _

from caminante.core.fields import BoundedDateField
from caminante.core.models import ServiceType
from caminante.registry.models import Sex

from .models import AgeGroup


class DeliveryForm(forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceType.objects.filter(active=True), to_field_name="code"
    )
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.01, max_value=100000, initial=1, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class TallyForm(forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceType.objects.filter(active=True), to_field_name="code"
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    age_group = forms.ChoiceField(label=_("Age group"), choices=AgeGroup.choices)
    count = forms.IntegerField(label=_("Number of people"), min_value=1, max_value=10000, initial=1)
    day = BoundedDateField(label=_("Day"), required=False)
