from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from caminante.assistance.selectors import deliveries_for
from caminante.core.models import ServicePoint
from caminante.core.roles import FIELD_WRITERS, PERSON_READERS
from caminante.core.scoping import access, get_or_404
from caminante.core.selectors import service_points_for
from caminante.core.text import clean_text

from . import engine, selectors, services
from .forms import PersonForm
from .models import Relationship

MAX_MEMBERS = 12


@access(*PERSON_READERS)
def search(request):
    query = request.GET.get("q", "").strip()
    results = selectors.search_people(request.user, query) if query else []
    return render(request, "registry/search.html", {"query": query, "results": results})


def _member_forms(request, count: int, adding: bool) -> list[PersonForm]:
    """One form per household member. When a member is being added, the typed values are kept
    in unbound forms so the page shows no errors for a half-filled household."""
    if request.method != "POST":
        forms = [PersonForm(prefix=f"m{i}") for i in range(count)]
        forms[0].initial["relationship"] = Relationship.HEAD
        return forms
    if not adding:
        return [PersonForm(request.POST, prefix=f"m{i}") for i in range(count)]
    forms = []
    for i in range(count):
        typed = PersonForm(request.POST, prefix=f"m{i}")
        initial = {name: typed[name].data for name in typed.fields} if i < count - 1 else {}
        forms.append(PersonForm(initial=initial, prefix=f"m{i}"))
    # A single person's form has no relationship field: the first member becomes the head.
    if not forms[0].initial.get("relationship"):
        forms[0].initial["relationship"] = Relationship.HEAD
    return forms


def _attach_errors(forms: list[PersonForm], exc: ValidationError) -> list[str]:
    """Put service errors on the right member's fields; return the rest for the page."""
    general = []
    for key, msgs in exc.message_dict.items():
        index, _dot, name = key.partition(".") if key.startswith("member_") else ("", "", key)
        form = forms[int(index.removeprefix("member_")) - 1] if index else forms[0]
        if name in form.fields:
            for message in msgs:
                form.add_error(name, message)
        elif index:  # about the member as a whole (the same person twice, a head moving out, ...)
            for message in msgs:
                form.add_error(None, message)
        else:
            general.extend(msgs)
    return general


@access(*FIELD_WRITERS)
@require_http_methods(["GET", "POST"])
def register(request):
    """Register a person or a household, with the duplicate check before saving."""
    adding = request.method == "POST" and request.POST.get("action") == "add_member"
    try:
        count = int(request.POST.get("members") or request.GET.get("members") or 1) + int(adding)
    except ValueError:
        count = 1
    count = max(1, min(count, MAX_MEMBERS))
    forms = _member_forms(request, count, adding)
    service_points = None
    if request.user.service_point_id is None:
        service_points = service_points_for(request.user)
    context = {"forms": forms, "members": count, "service_points": service_points, "errors": []}
    if request.method != "POST" or adding:
        return render(request, "registry/register.html", context)
    if not all(form.is_valid() for form in forms):
        return render(request, "registry/register.html", context, status=400)
    service_point = None
    if service_points is not None:
        service_point = service_points.filter(pk=request.POST.get("service_point") or None).first()
    # First submit: show possible existing registrations and ask "same person" or "new person".
    if request.POST.get("checked") != "1":
        candidates = [_candidates(request.user, f) for f in forms]
        if any(candidates):
            context.update(candidates=list(zip(forms, candidates, strict=True)), checked=True)
            return render(request, "registry/register.html", context)
    inputs = [f.to_input() for f in forms]
    if count == 1:
        inputs[0].relationship = ""
    try:
        if count == 1:
            person = services.register_person(request.user, inputs[0], service_point)
            messages.success(
                request,
                _("%(name)s is registered with code %(code)s.") % {"name": person.full_name, "code": person.code},
            )
            return redirect("person", person_id=person.pk)
        household = services.register_household(request.user, inputs, service_point)
    except ValidationError as exc:
        context["errors"] = _attach_errors(forms, exc)
        return render(request, "registry/register.html", context, status=400)
    messages.success(request, _("Household %(code)s is registered.") % {"code": household.code})
    for move in household.moves:
        messages.warning(request, move.message)
    return redirect("household", household_id=household.pk)


def _candidates(user, form: PersonForm) -> list:
    d = {name: clean_text(value) if isinstance(value, str) else value for name, value in form.cleaned_data.items()}
    birth_date, estimated = d["birth_date"], False
    if birth_date is None and d["estimated_age"] is not None:
        birth_date, estimated = date(date.today().year - d["estimated_age"], 1, 1), True
    return selectors.find_candidates(
        user,
        given_names=d["given_names"],
        family_name_1=d["family_name_1"],
        family_name_2=d["family_name_2"],
        sex=d["sex"],
        birth_date=birth_date,
        birth_date_estimated=estimated,
        nationality=d["nationality"],
        document_number=d["document_number"],
        phone_e164=_phone_or_blank(d["phone"], user),
    )


def _phone_or_blank(raw: str, user) -> str:
    if not raw:
        return ""
    region = user.national_society.country.code if user.national_society_id else "VE"
    try:
        return services.parse_phone(raw, region)
    except ValidationError:
        return ""


@access(*PERSON_READERS)
def person_detail(request, person_id):
    survivor = selectors.surviving_person(request.user, person_id)
    if survivor is not None:  # an old link to a registration merged into another
        return redirect(survivor)
    person = get_or_404(
        selectors.people_for(request.user).select_related("service_point", "national_society"),
        request.user,
        pk=person_id,
    )
    protection = services.read_protection_data(request.user, person) if request.GET.get("protection") else None
    context = {
        "person": person,
        "protection": protection,
        "memberships": person.memberships.current().select_related("household"),
        "past_memberships": person.memberships.past().select_related("household").order_by("-ended_at"),
        "consents": person.consents.all(),
        "deliveries": deliveries_for(request.user).filter(person=person)[:50],
        "quick_services": _quick_services(request.user),
    }
    return render(request, "registry/person.html", context)


@access(*PERSON_READERS)
def household_detail(request, household_id):
    household = get_or_404(selectors.households_for(request.user), request.user, pk=household_id)
    members = household.members.current().select_related("person").order_by("joined_at")
    context = {
        "household": household,
        "members": members,
        "past_members": household.members.past().select_related("person").order_by("-ended_at"),
        "deliveries": deliveries_for(request.user).filter(household=household)[:50],
        "quick_services": _quick_services(request.user),
    }
    return render(request, "registry/household.html", context)


def _quick_services(user):
    """The services offered at the user's HSP, for one-tap recording."""
    if not user.service_point_id:
        return []
    return ServicePoint.objects.get(pk=user.service_point_id).services.filter(active=True)


# ---- duplicates review (data managers) ------------------------------------------------------------


@access(*selectors.REVIEWERS)
def duplicates(request):
    """Pairs the engine found across the National Society, most probable first, and recent merges."""
    queue = list(selectors.duplicate_queue(request.user)[:100])
    rows = [(c, _reasons(c)) for c in queue]
    merges = selectors.merges_for(request.user).filter(unmerged_at__isnull=True)[:20]
    return render(request, "registry/duplicates.html", {"rows": rows, "merges": merges})


def _reasons(candidate) -> list[str]:
    skip = engine.both_missing(engine.person_record(candidate.person_a), engine.person_record(candidate.person_b))
    return engine.reasons(candidate.reasons, skip)


def _side(person) -> dict:
    """What a reviewer compares: identifying fields, where the person was served, households, how
    many services (never protection or health fields)."""
    return {
        "person": person,
        "service_points": [link.service_point for link in person.service_point_links.select_related("service_point")],
        "memberships": list(person.memberships.current().select_related("household")),
        "services": person.deliveries.count() if hasattr(person, "deliveries") else 0,
        "consents": list(person.consents.all()),
    }


@access(*selectors.REVIEWERS)
@require_http_methods(["GET", "POST"])
def duplicate_detail(request, candidate_id):
    """Two people side by side: merge them, or record that they are not the same person."""
    candidate = selectors.duplicate_candidate(request.user, candidate_id)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "merge":
                record = services.merge_people(request.user, candidate.pk)
                messages.success(
                    request,
                    _("%(merged)s is merged into %(survivor)s. You can undo it from the duplicates page.")
                    % {"merged": record.merged.code, "survivor": record.survivor.code},
                )
                return redirect("duplicates")
            if action == "not_same":
                services.mark_not_same(request.user, candidate.pk)
                messages.success(
                    request, _("Recorded: these are two different people. They will not be proposed again.")
                )
                return redirect("duplicates")
            errors.append(_("Choose “merge” or “not the same person”."))
        except ValidationError as exc:
            errors.extend(exc.messages)
    context = {
        "candidate": candidate,
        "reasons": _reasons(candidate),
        "sides": [_side(candidate.person_a), _side(candidate.person_b)],
        "errors": errors,
    }
    return render(request, "registry/duplicate.html", context, status=400 if errors else 200)


@access(*selectors.REVIEWERS)
@require_http_methods(["POST"])
def unmerge(request, merge_id):
    """Undo a merge (both people are visible again, each with their own records)."""
    record = get_or_404(selectors.merges_for(request.user), request.user, pk=merge_id)
    try:
        services.unmerge(request.user, record.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The merge is undone: %(a)s and %(b)s are two registrations again.")
            % {"a": record.survivor.code, "b": record.merged.code},
        )
    return redirect("duplicates")
