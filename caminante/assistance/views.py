from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from caminante.core.models import ServicePoint
from caminante.core.roles import AGGREGATE_READERS, FIELD_WRITERS, HSP_ROLES, STAFF_ROLES
from caminante.core.scoping import access, get_or_404
from caminante.core.selectors import service_points_for
from caminante.registry.selectors import households_for, people_for

from . import reports, selectors, services
from .forms import DeliveryForm, TallyForm


@access(*STAFF_ROLES)
def home(request):
    """The landing page: the HSP's day for HSP roles, the National Society's figures otherwise."""
    if request.user.role in HSP_ROLES:
        service_point = ServicePoint.objects.get(pk=request.user.service_point_id)
        summary = selectors.day_summary(request.user, service_point)
        return render(request, "assistance/day.html", {"service_point": service_point, "summary": summary})
    return render(request, "assistance/overview.html", {"report": reports.indicators(request.user)})


@access(*AGGREGATE_READERS)
def indicators(request):
    return render(request, "assistance/overview.html", {"report": reports.indicators(request.user)})


def _record(request, subject_kwargs, back):
    form = DeliveryForm(request.POST)
    if form.is_valid():
        try:
            delivery = services.record_delivery(
                request.user,
                service_type=form.cleaned_data["service_type"],
                quantity=form.cleaned_data["quantity"],
                unit=form.cleaned_data["unit"],
                note=form.cleaned_data["note"],
                **subject_kwargs,
            )
        except ValidationError as exc:
            for msgs in exc.message_dict.values():
                for message in msgs:
                    messages.error(request, message)
        else:
            messages.success(
                request,
                _("Recorded: %(service)s × %(qty)s %(unit)s")
                % {
                    "service": delivery.service_type.name,
                    "qty": delivery.quantity.normalize(),
                    "unit": pgettext("unit of service", delivery.unit),
                },
            )
    else:
        for msgs in form.errors.values():
            for message in msgs:
                messages.error(request, message)
    return redirect(back)


@access(*FIELD_WRITERS)
@require_POST
def record_for_person(request, person_id):
    person = get_or_404(people_for(request.user), request.user, pk=person_id)
    return _record(request, {"person": person}, person.get_absolute_url())


@access(*FIELD_WRITERS)
@require_POST
def record_for_household(request, household_id):
    household = get_or_404(households_for(request.user), request.user, pk=household_id)
    return _record(request, {"household": household}, household.get_absolute_url())


@access(*FIELD_WRITERS)
def tally(request):
    """Count people served without registration."""
    form = TallyForm(request.POST or None)
    service_points = None if request.user.service_point_id else service_points_for(request.user)
    if request.method == "POST" and form.is_valid():
        service_point = None
        if service_points is not None:
            service_point = service_points.filter(pk=request.POST.get("service_point") or None).first()
        try:
            services.record_tally(request.user, service_point=service_point, **form.cleaned_data)
        except ValidationError as exc:
            for name, msgs in exc.message_dict.items():
                for message in msgs:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request,
                _("Counted %(count)s people served without registration.") % {"count": form.cleaned_data["count"]},
            )
            return redirect("tally")
    recent = selectors.recent_tallies(request.user)
    return render(
        request,
        "assistance/tally.html",
        {"form": form, "recent": recent, "service_points": service_points},
        status=400 if request.method == "POST" else 200,
    )
