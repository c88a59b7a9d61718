"""Pages of the referrals app: thin adapters over services and selectors."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caminante.core.inputs import safe_next
from caminante.core.models import NationalSociety, PartnerOrganisation
from caminante.core.roles import SENSITIVE_READERS, Role
from caminante.core.scoping import access, get_or_404, public, signed

from . import importexport, selectors, services
from .catalogue import NEEDS, URGENT_NEEDS, need_choices, service_type_choices, service_type_label
from .forms import DeclineForm, DirectoryServiceForm, GivenForm, ImportForm, OrganisationForm, ReferForm
from .models import Status

MANAGERS = tuple(selectors.DIRECTORY_MANAGERS)
REFERRERS = tuple(selectors.REFERRERS)


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


# ---- public service map -------------------------------------------------------------------------


def _coordinate(value: str, low: float, high: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


@public
def service_map(request):
    """The public list and map of HSPs and services. Works without JavaScript: the list is the
    page; the map (Leaflet, loaded only when asked for) is an addition."""
    countries = {ns.country.code: ns.country.name for ns in NationalSociety.objects.all()}
    country = (request.GET.get("country") or "").upper()
    country = country if country in countries else ""
    service_type = request.GET.get("service") or ""
    labels = dict(service_type_choices())
    service_type = service_type if service_type in labels else ""
    city = (request.GET.get("city") or "").strip()[:120]
    lat = _coordinate(request.GET.get("lat"), -90, 90)
    lon = _coordinate(request.GET.get("lon"), -180, 180)
    near = (lat, lon) if lat is not None and lon is not None else None
    places = selectors.public_places(
        country=country or None,
        city=city or None,
        service_type=service_type or None,
        near=near,
        limit=60 if near else 200,
    )
    used_countries = sorted(
        {*selectors.public_hsps().values_list("national_society__country", flat=True)}
        | {*selectors.public_directory().values_list("national_society__country", flat=True)}
    )
    context = {
        "places": places,
        "countries": [(c, countries.get(c, c)) for c in used_countries],
        "country": country,
        "cities": selectors.public_cities(country or None),
        "city": city,
        "service_types": service_type_choices(),
        "service": service_type,
        "labels": labels,
        "near": near,
        "tile_url": settings.MAP_TILE_URL,
    }
    response = render(request, "referrals/map.html", context)
    response["Cache-Control"] = "public, max-age=300"
    return response


# ---- directory management -----------------------------------------------------------------------


@access(*MANAGERS)
def directory(request):
    only_stale = request.GET.get("stale") == "1"
    entries = selectors.directory_for(request.user, only_stale=only_stale)
    stale_count = selectors.directory_for(request.user, only_stale=True).count()
    return render(
        request,
        "referrals/directory.html",
        {
            "entries": entries,
            "only_stale": only_stale,
            "stale_count": stale_count,
            "labels": dict(service_type_choices()),
        },
    )


def _own_national_society(user, request) -> NationalSociety | None:
    """The user's National Society; for a global role, the one chosen with ?country= (None: not chosen)."""
    if user.national_society_id:
        return user.national_society
    code = (request.POST.get("country") or request.GET.get("country") or "").upper()
    return NationalSociety.objects.filter(country=code).first()


def _choose_country(request):
    return render(
        request,
        "referrals/choose_country.html",
        {
            "societies": NationalSociety.objects.order_by("country"),
            "path": request.path,
            "query": request.GET.urlencode(),
        },
    )


@access(*MANAGERS)
@require_http_methods(["GET", "POST"])
def directory_service(request, service_id=None):
    if service_id is not None:
        entry = get_or_404(selectors.directory_for(request.user), request.user, pk=service_id)
        ns = entry.national_society
    else:
        entry = None
        ns = _own_national_society(request.user, request)
        if ns is None:
            return _choose_country(request)
    organisations = PartnerOrganisation.objects.filter(national_society=ns, active=True)
    form = DirectoryServiceForm(request.POST or None, instance=entry, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        service = form.save(commit=False)
        service.national_society = ns
        try:
            services.save_service(request.user, service)
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                for message in msgs:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("directory")
    return render(request, "referrals/service_form.html", {"form": form, "entry": entry, "ns": ns})


@access(*MANAGERS)
@require_POST
def directory_verify(request, service_id):
    entry = get_or_404(selectors.directory_for(request.user), request.user, pk=service_id)
    services.verify_service(request.user, entry)
    messages.success(request, _("Marked as verified today: %(name)s.") % {"name": entry.name})
    return redirect(safe_next(request, reverse("directory")))


@access(*MANAGERS)
@require_http_methods(["GET", "POST"])
def organisations(request):
    ns = _own_national_society(request.user, request)
    if ns is None:
        return _choose_country(request)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = form.save(commit=False)
        organisation.national_society = ns
        services.save_organisation(request.user, organisation)
        messages.success(request, _("Saved."))
        return redirect("directory-organisations")
    rows = selectors.organisations_for(request.user).order_by("name")
    return render(request, "referrals/organisations.html", {"form": form, "organisations": rows, "ns": ns})


@access(*MANAGERS)
@require_http_methods(["GET", "POST"])
def directory_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            errors = [_("The file is too large (at most 10 MB).")]
        else:
            try:
                result = importexport.import_directory(request.user, upload.name, upload.read())
            except importexport.ImportFailed as exc:
                errors = [str(e) for e in exc.errors[:200]]
            else:
                messages.success(
                    request,
                    _("Imported: %(created)s new, %(updated)s updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("directory")
    return render(
        request,
        "referrals/import.html",
        {"form": form, "errors": errors, "columns": importexport.COLUMNS, "required": importexport.REQUIRED},
    )


def _export(request, fmt):
    content, content_type, filename = importexport.export_directory(request.user, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@access(*MANAGERS)
def directory_export_csv(request):
    return _export(request, "csv")


@access(*MANAGERS)
def directory_export_xlsx(request):
    return _export(request, "xlsx")


@access(*MANAGERS)
def pathways(request):
    rows = selectors.pathways_for(request.user)
    return render(request, "referrals/pathways.html", {"pathways": rows, "needs": need_choices(), "labels": NEEDS})


@access(*MANAGERS)
@require_http_methods(["GET", "POST"])
def pathway(request, pathway_id=None):
    """Edit a pathway (or define the one for ?need= in the user's country)."""
    if pathway_id is not None:
        existing = get_or_404(selectors.pathways_for(request.user), request.user, pk=pathway_id)
        ns, need = existing.national_society, existing.need
    else:
        need = request.POST.get("need") or request.GET.get("need") or ""
        if need not in NEEDS:  # choose the need first
            return pathways.__wrapped__(request)
        ns = _own_national_society(request.user, request)
        if ns is None:
            return _choose_country(request)
        existing = selectors.pathways_for(request.user).filter(national_society=ns, need=need).first()
    available = selectors.directory_for(request.user).filter(national_society=ns, active=True, accepts_referrals=True)
    errors = []
    if request.method == "POST":
        steps = []
        for i in range(1, 7):
            service_type = request.POST.get(f"type_{i}") or ""
            service_id = request.POST.get(f"service_{i}") or ""
            if not service_type:
                continue
            service = available.filter(pk=service_id).first() if service_id else None
            steps.append((service_type, service))
        try:
            services.save_pathway(
                request.user,
                national_society=ns,
                need=need,
                name=request.POST.get("name", ""),
                steps=steps,
                description=request.POST.get("description", "")[:2000],
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Pathway saved."))
            return redirect("pathways")
    current = list(existing.steps.all()) if existing else []
    slots = [(i, current[i - 1] if i <= len(current) else None) for i in range(1, 7)]
    return render(
        request,
        "referrals/pathway_form.html",
        {
            "ns": ns,
            "need": need,
            "need_label": NEEDS[need],
            "pathway": existing,
            "slots": slots,
            "service_types": service_type_choices(),
            "available": available.order_by("service_type", "name"),
            "errors": errors,
        },
    )


# ---- referrals (staff) ------------------------------------------------------------------------------


def _person(request, person_id):
    from caminante.registry.selectors import people_for

    return get_or_404(people_for(request.user).select_related("service_point"), request.user, pk=person_id)


@access(*REFERRERS)
@require_http_methods(["GET", "POST"])
def refer(request, person_id):
    """Refer a person: choose the need, a service of the pathway (nearest first), show what will
    be shared, record the person's consent, send."""
    person = _person(request, person_id)
    need = request.POST.get("need") or request.GET.get("need") or ""
    need = need if need in NEEDS else ""
    steps = selectors.referral_candidates(request.user, person, need) if need else []
    choices = [c.service for step in steps for c in step.candidates]
    form = ReferForm(request.POST or None, services=choices, initial={"need": need})
    errors = []
    if request.method == "POST" and form.is_valid():
        chosen = next((s for s in choices if str(s.pk) == form.cleaned_data["service"]), None)
        if chosen is None:
            errors = [_("Choose the service to refer the person to.")]
        else:
            try:
                sent = services.send_referral(
                    request.user,
                    person=person,
                    need=need,
                    service=chosen,
                    consent=form.cleaned_data["consent"],
                    note=form.cleaned_data["note"],
                    include_phone=form.cleaned_data["include_phone"],
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                referral = sent.referral
                messages.success(
                    request,
                    _("Referral %(code)s sent to %(organisation)s.")
                    % {"code": referral.code, "organisation": referral.organisation.name},
                )
                if referral.channel == "phone":
                    messages.info(
                        request, _("Call the service and give them this secure link: %(link)s") % {"link": sent.link}
                    )
                if referral.urgent and request.user.role not in SENSITIVE_READERS:
                    messages.info(request, _("It is urgent: the protection officer follows it up."))
                    return redirect(person.get_absolute_url())
                return redirect("referral", referral_id=referral.pk)
    preview = services.shared_fields_of(person, need, request.POST.get("note", ""), True) if need else {}
    return render(
        request,
        "referrals/refer.html",
        {
            "person": person,
            "form": form,
            "need": need,
            "need_label": NEEDS.get(need, ""),
            "urgent": need in URGENT_NEEDS,
            "steps": steps,
            "preview": preview,
            "errors": errors,
            "needs": need_choices(),
        },
    )


@access(*REFERRERS)
def referral_list(request):
    rows = selectors.referrals_for(request.user).select_related("person")
    status = request.GET.get("status") or ""
    if status == "overdue":
        from django.utils import timezone

        rows = rows.filter(status__in=["sent", "received"], due_by__lt=timezone.now())
    elif status in Status.values:
        rows = rows.filter(status=status)
    return render(
        request, "referrals/referrals.html", {"referrals": rows[:200], "status": status, "statuses": Status.choices}
    )


@access(*REFERRERS)
@require_http_methods(["GET", "POST"])
def referral_detail(request, referral_id):
    referral = get_or_404(selectors.referrals_for(request.user).select_related("person"), request.user, pk=referral_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "close":
                services.close(request.user, referral, note=request.POST.get("note", "")[:500])
                messages.success(request, _("Referral closed."))
            elif action == "renew":
                link = services.renew_link(request.user, referral, base_url=request.build_absolute_uri("/"))
                messages.success(request, _("A new secure link was sent: %(link)s") % {"link": link})
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        return redirect("referral", referral_id=referral.pk)
    services.record_view(request.user, referral, via="staff")
    return render(
        request,
        "referrals/referral.html",
        {
            "referral": referral,
            "shared": referral.shared,
            "events": referral.events.select_related("actor"),
            "type_label": service_type_label(referral.service.service_type),
            "staff": True,
        },
    )


# ---- partners -------------------------------------------------------------------------------------


@access(Role.PARTNER)
def partner_home(request):
    rows = selectors.referrals_for(request.user)
    open_rows = rows.exclude(status__in=[Status.CLOSED])
    return render(
        request,
        "referrals/partner_home.html",
        {"referrals": open_rows[:200], "closed": rows.filter(status=Status.CLOSED)[:50]},
    )


def _partner_action(request, referral, actor, via_link: bool):
    """Apply the partner's answer from a POST; return a list of errors."""
    action = request.POST.get("action")
    try:
        if action == "accept":
            services.accept(referral, actor, via_link=via_link)
            messages.success(request, _("Accepted. The Red Cross is informed."))
        elif action == "decline":
            form = DeclineForm(request.POST)
            services.decline(referral, actor, reason=form.data.get("reason", ""), via_link=via_link)
            messages.success(request, _("Declined. The Red Cross is informed."))
        elif action == "given":
            services.report_service_given(referral, actor, note=request.POST.get("note", ""), via_link=via_link)
            messages.success(request, _("Thank you: the service given is recorded."))
        else:
            return [_("Unknown action.")]
    except ValidationError as exc:
        return _errors(exc)
    return []


def _partner_page(request, referral, actor, via: str, token: str = ""):
    services.mark_received(referral, actor, via_link=via == "link")
    referral.refresh_from_db()
    services.record_view(actor, referral, via=via)
    return render(
        request,
        "referrals/partner_referral.html",
        {
            "referral": referral,
            "shared": referral.shared,
            "events": referral.events.all(),
            "type_label": service_type_label(referral.service.service_type),
            "decline_form": DeclineForm(),
            "given_form": GivenForm(),
            "token": token,
        },
    )


@access(Role.PARTNER)
@require_http_methods(["GET", "POST"])
def partner_referral(request, referral_id):
    referral = get_or_404(selectors.referrals_for(request.user), request.user, pk=referral_id)
    if request.method == "POST":
        for message in _partner_action(request, referral, request.user, via_link=False):
            messages.error(request, message)
        return redirect("partner-referral", referral_id=referral.pk)
    return _partner_page(request, referral, request.user, "partner")


@signed
@require_http_methods(["GET", "POST"])
def referral_link(request, token):
    """The partner's secure link: shows only this referral, until it expires or is closed."""
    referral = services.referral_by_token(token)
    if referral is None:
        raise Http404
    if request.method == "POST":
        for message in _partner_action(request, referral, None, via_link=True):
            messages.error(request, message)
        return redirect("referral-link", token=token)
    response = _partner_page(request, referral, None, "link", token)
    response["Cache-Control"] = "no-store"
    return response
