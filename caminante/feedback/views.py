"""Pages of community feedback. Thin: forms in, services and selectors do the work."""

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caminante.core import audit
from caminante.core.models import NationalSociety, User
from caminante.core.roles import AGGREGATE_READERS, HSP_ROLES, Role
from caminante.core.scoping import Scope, access, get_or_404
from caminante.core.selectors import service_points_for

from . import reports, selectors, services
from .forms import CHANNEL_FIELDS, AnswerForm, ClusterForm, CodingForm, IntakeForm, MoveForm, NationalCodeForm
from .framework import current_version, tree
from .models import Channel, FocalPoint, RumourCluster, Status

INTAKE = tuple(services.INTAKE_ROLES)
HANDLERS = tuple(services.HANDLERS)
FOCAL = tuple(services.FOCAL_POINT_ROLES)
EDITORS = tuple(services.FRAMEWORK_EDITORS)
CLUSTERS = tuple(services.CLUSTER_EDITORS)


def _errors_to_messages(request, exc: ValidationError) -> None:
    for msgs in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
        for message in msgs:
            messages.error(request, message)


def _errors_to_form(form, exc: ValidationError) -> None:
    for name, msgs in exc.message_dict.items():
        target = {"contact_phone_e164": "contact_phone", "received_at": "received_on"}.get(name, name)
        for message in msgs:
            form.add_error(target if target in form.fields else None, message)


# ---------------------------------------------------------------------------------------------
# Intake


def _intake(request, channel: str, template_title: str):
    form = IntakeForm(request.POST or None)
    visible = CHANNEL_FIELDS[channel]
    scope = Scope.of(request.user)
    points = None if scope.role in HSP_ROLES else service_points_for(request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service_point = None
        if points is not None:
            service_point = points.filter(pk=request.POST.get("service_point") or None).first()
        if scope.role in HSP_ROLES:
            national_society = request.user.national_society
        elif service_point is not None:
            national_society = service_point.national_society
        elif scope.is_global:
            national_society = NationalSociety.objects.filter(pk=request.POST.get("national_society") or None).first()
        else:
            national_society = request.user.national_society
        received_at = None
        if data.get("received_on") and "received_on" in visible:
            received_at = timezone.make_aware(datetime.combine(data["received_on"], time(12)))
        try:
            item = services.receive_feedback(
                request.user,
                national_society=national_society,
                channel=channel,
                text=data["text"],
                language=data["language"],
                service_point=service_point,
                contact_phone_e164=data["contact_phone"] if "contact_phone" in visible else "",
                contact_consent=data["contact_consent"],
                wants_answer=data["wants_answer"],
                sex=data.get("sex", "") if "sex" in visible else "",
                age_group=data.get("age_group", "") if "age_group" in visible else "",
                diversity=",".join(data.get("diversity") or []) if "diversity" in visible else "",
                place=data.get("place", "") if "place" in visible else "",
                received_at=received_at,
                voucher_code=data.get("voucher_code", "") if "voucher_code" in visible else "",
                programme_code=data.get("programme_code", "") if "programme_code" in visible else "",
                referral_code=data.get("referral_code", "") if "referral_code" in visible else "",
                reported_sensitive=data["reported_sensitive"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Feedback received. Give the person this code: %(code)s") % {"code": item.code})
            return redirect("feedback-receipt", feedback_id=item.pk)
    return render(
        request,
        "feedback/intake.html",
        {
            "form": form,
            "fields": [form[name] for name in visible],
            "channel": channel,
            "title": template_title,
            "service_points": points,
            "societies": NationalSociety.objects.all() if scope.is_global else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@access(*INTAKE)
def intake_hsp(request):
    """The volunteer's quick form at the service point (one screen on a phone)."""
    return _intake(request, Channel.HSP, _("Feedback at the service point"))


@access(*INTAKE)
def intake_box(request):
    """Typing in the cards of the paper suggestion box."""
    return _intake(request, Channel.SUGGESTION_BOX, _("Suggestion box card"))


@access(*INTAKE)
def intake_hotline(request):
    """The hotline operator's form."""
    return _intake(request, Channel.HOTLINE, _("Hotline call"))


@access(*INTAKE)
def receipt(request, feedback_id):
    """What the person who logged an item may see: its code and where it stands. For a
    confidential item, only that it was received."""
    item = get_or_404(selectors.receipts_for(request.user), request.user, pk=feedback_id)
    return render(request, "feedback/receipt.html", {"item": item})


@access(*INTAKE)
def logged(request):
    """The items this user logged, and the answers kept at their service point."""
    waiting = selectors.answers_waiting(request.user)
    code = request.GET.get("code", "").strip().upper()
    found = waiting.filter(code=code).first() if code else None
    return render(
        request,
        "feedback/logged.html",
        {"items": selectors.logged_by(request.user), "waiting": waiting[:50], "code": code, "found": found},
    )


@access(*INTAKE)
@require_POST
def collect(request, feedback_id):
    item = get_or_404(selectors.receipts_for(request.user), request.user, pk=feedback_id)
    try:
        services.hand_over_answer(request.user, item)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("The answer was given to the person."))
    return redirect("feedback-logged")


# ---------------------------------------------------------------------------------------------
# The ordinary queue


@access(*HANDLERS)
def item_list(request):
    qs = selectors.search(
        selectors.items_for(request.user).select_related("service_point", "national_society"),
        query=request.GET.get("q", ""),
        status=request.GET.get("status", ""),
        channel=request.GET.get("channel", ""),
        type_key=request.GET.get("type", ""),
        overdue=request.GET.get("overdue") == "1",
    )
    page = Paginator(qs.order_by("-received_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/list.html",
        {
            "page": page,
            "statuses": Status.choices,
            "channels": Channel.choices,
            "types": tree().types,
            "confidential_count": selectors.confidential_for(request.user).exclude(status=Status.CLOSED).count(),
        },
    )


def _detail_context(request, item, *, confidential: bool):
    framework = tree(item.national_society)
    initial = {
        "type_key": item.type_key or item.suggested_type,
        "category_key": item.category_key or item.suggested_category,
        "code_key": item.code_key,
        "sensitivity": item.sensitivity,
        "criticality": item.criticality,
    }
    coded_tree = tree(item.national_society, item.framework_version) if item.framework_version_id else framework
    from django.urls import reverse

    act_url = (
        reverse("feedback-confidential-item", kwargs={"confidential_id": item.pk})
        if confidential
        else reverse("feedback-act", kwargs={"feedback_id": item.pk})
    )
    return {
        "item": item,
        "act_url": act_url,
        "confidential": confidential,
        "coding_form": CodingForm(initial=initial, tree=framework),
        "move_form": MoveForm(),
        "answer_form": AnswerForm(initial={"via": "channel" if item.contact_phone else "hsp_message"}),
        "next_statuses": [Status(s) for s in services.TRANSITIONS[item.status] if s != Status.ANSWERED],
        "can_answer": Status.ANSWERED in services.TRANSITIONS[item.status],
        "suggested_label": framework.label(item.suggested_category),
        "coded_labels": [coded_tree.label(k) for k in (item.type_key, item.category_key, item.code_key) if k],
        "within_target": services.within_target(item),
        "history": _history(item),
        "has_contact": bool(item.contact_sealed),
    }


def _history(item):
    from caminante.core.models import AuditEvent

    return AuditEvent.objects.filter(object_type="feedback.feedbackitem", object_id=str(item.pk)).order_by("seq")[:50]


@access(*HANDLERS)
def item_detail(request, feedback_id):
    item = get_or_404(selectors.items_for(request.user), request.user, pk=feedback_id)
    return render(request, "feedback/detail.html", _detail_context(request, item, confidential=False))


def _act(request, item, back):
    """Apply one action posted from a detail page: code, move or answer."""
    action = request.POST.get("action", "")
    try:
        if action == "code":
            form = CodingForm(request.POST, tree=tree(item.national_society))
            if not form.is_valid():
                raise ValidationError({k: v for k, v in form.errors.items()})
            involved = None
            if item.is_confidential and request.POST.get("involved_user"):
                involved = User.objects.filter(
                    pk=request.POST["involved_user"], national_society=item.national_society
                ).first()
            services.code_item(request.user, item, involved_user=involved, **form.cleaned_data)
            messages.success(request, _("Coding saved."))
            if not item.is_confidential and form.cleaned_data["sensitivity"] != "not_sensitive":
                messages.success(request, _("The item went to the confidential queue of the focal points."))
                return redirect("feedback-list")
        elif action == "move":
            form = MoveForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: v for k, v in form.errors.items()})
            services.move_item(request.user, item, form.cleaned_data["status"], note=form.cleaned_data["note"])
            messages.success(request, _("Status changed."))
        elif action == "link":
            from caminante.core.codes import normalize_code
            from caminante.registry.selectors import people_for

            person = None
            person_code = request.POST.get("person_code", "").strip()
            if person_code:
                person = people_for(request.user).filter(code=normalize_code(person_code) or person_code).first()
                if person is None:
                    raise ValidationError({"person": _("No registered person with that code.")})
            services.link_item(
                request.user,
                item,
                person=person,
                programme_code=request.POST.get("programme_code", ""),
                voucher_code=request.POST.get("voucher_code", ""),
                referral_code=request.POST.get("referral_code", ""),
            )
            messages.success(request, _("Links saved."))
        elif action == "answer":
            form = AnswerForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: v for k, v in form.errors.items()})
            services.answer_item(request.user, item, answer=form.cleaned_data["answer"], via=form.cleaned_data["via"])
            messages.success(request, _("Answer recorded and sent back."))
        else:
            messages.error(request, _("Choose what to do."))
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    except PermissionDenied:
        raise Http404 from None
    return redirect(back)


@access(*HANDLERS)
@require_POST
def item_action(request, feedback_id):
    item = get_or_404(selectors.items_for(request.user), request.user, pk=feedback_id)
    return _act(request, item, item_url(item))


def item_url(item) -> str:
    from django.urls import reverse

    return reverse("feedback-item", kwargs={"feedback_id": item.pk})


# ---------------------------------------------------------------------------------------------
# The confidential queue


@access(*FOCAL)
def confidential_queue(request):
    qs = selectors.confidential_for(request.user).select_related("service_point")
    designated = FocalPoint.objects.filter(user=request.user, active=True).exists()
    audit.record(request.user, "feedback.confidential.list", data={"count": qs.count()})
    return render(
        request,
        "feedback/confidential.html",
        {"items": qs.order_by("-received_at")[:200], "designated": designated},
    )


@access(*FOCAL)
def confidential_item(request, confidential_id):
    item = get_or_404(selectors.confidential_for(request.user), request.user, pk=confidential_id)
    if request.method == "POST":
        from django.urls import reverse

        return _act(request, item, reverse("feedback-confidential-item", kwargs={"confidential_id": item.pk}))
    services.record_confidential_read(request.user, item)
    context = _detail_context(request, item, confidential=True)
    context["staff"] = User.objects.filter(national_society=item.national_society, is_active=True).exclude(
        pk=request.user.pk
    )
    return render(request, "feedback/detail.html", context)


# ---------------------------------------------------------------------------------------------
# Dashboards, trends, exports


@access(*AGGREGATE_READERS)
def dashboard(request):
    return render(
        request,
        "feedback/dashboard.html",
        {"report": reports.dashboard(request.user), "accuracy": reports.classifier_accuracy(request.user)},
    )


@access(*AGGREGATE_READERS)
def trends(request):
    return render(request, "feedback/trends.html", {"countries": reports.trends(request.user)})


@access(*AGGREGATE_READERS)
def export(request):
    rows = reports.export_rows(request.user)
    kind = request.GET.get("as", "csv")
    audit.record(request.user, "feedback.export", data={"as": kind, "rows": len(rows)})
    stamp = timezone.localdate().isoformat()
    if kind == "xlsx":
        response = HttpResponse(
            reports.as_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="feedback-{stamp}.xlsx"'
        return response
    response = HttpResponse(reports.as_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="feedback-{stamp}.csv"'
    return response


# ---------------------------------------------------------------------------------------------
# Rumour clusters


def _clusters_for(user):
    scope = Scope.of(user).require(services.CLUSTER_EDITORS)
    qs = RumourCluster.objects.all()
    return qs if scope.is_global else qs.filter(national_society_id=scope.national_society_id)


@access(*CLUSTERS)
def clusters(request):
    form = ClusterForm(request.POST or None)
    scope = Scope.of(request.user)
    if request.method == "POST" and form.is_valid():
        if scope.is_global:
            ns = NationalSociety.objects.filter(pk=request.POST.get("national_society") or None).first()
        else:
            ns = request.user.national_society
        try:
            if ns is None:
                raise ValidationError({"national_society": _("Choose the National Society.")})
            cluster = services.save_cluster(request.user, national_society=ns, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Cluster saved."))
            return redirect("feedback-cluster", cluster_id=cluster.pk)
    items = _clusters_for(request.user).select_related("national_society")
    from django.db.models import Count

    return render(
        request,
        "feedback/clusters.html",
        {
            "form": form,
            "clusters": items.annotate(n=Count("items")).order_by("-n", "name"),
            "societies": NationalSociety.objects.all() if scope.is_global else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@access(*CLUSTERS)
def cluster_detail(request, cluster_id):
    cluster = get_or_404(_clusters_for(request.user), request.user, pk=cluster_id)
    form = ClusterForm(
        request.POST or None,
        initial={"name": cluster.name, "keywords": cluster.keywords, "response_message": cluster.response_message},
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "broadcast":
                sent = services.broadcast_cluster(request.user, cluster)
                messages.success(request, _("Response sent to %(n)s people.") % {"n": sent})
                return redirect("feedback-cluster", cluster_id=cluster.pk)
            if form.is_valid():
                services.save_cluster(
                    request.user, national_society=cluster.national_society, cluster=cluster, **form.cleaned_data
                )
                messages.success(request, _("Cluster saved."))
                return redirect("feedback-cluster", cluster_id=cluster.pk)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
    weeks = reports.Counter(
        reports.week_start(at).isoformat() for at in cluster.items.values_list("received_at", flat=True)
    )
    places = reports.Counter(cluster.items.values_list("place", flat=True))
    return render(
        request,
        "feedback/cluster.html",
        {
            "cluster": cluster,
            "form": form,
            "weeks": sorted((w, reports.suppress(n)) for w, n in weeks.items()),
            "places": [(p or "—", reports.suppress(n)) for p, n in places.most_common(10)],
            "total": cluster.items.count(),
        },
    )


# ---------------------------------------------------------------------------------------------
# Framework and focal points


@access(*HANDLERS)
def framework(request):
    scope = Scope.of(request.user)
    ns = None if scope.is_global else request.user.national_society
    current = tree(ns)
    form = NationalCodeForm(request.POST or None)
    form.fields["category_key"].choices = [
        (t.label, [(c.key, c.label) for c in current.categories.get(t.key, [])]) for t in current.types
    ]
    if request.method == "POST":
        if scope.role not in services.FRAMEWORK_EDITORS:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_national_code(request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Code added."))
                return redirect("feedback-framework")
    return render(
        request,
        "feedback/framework.html",
        {
            "nested": [
                (t, [(c, current.codes.get(c.key, [])) for c in current.categories.get(t.key, [])])
                for t in current.types
            ],
            "version": current_version(),
            "form": form,
            "can_edit": scope.role in services.FRAMEWORK_EDITORS and not scope.is_global,
        },
        status=400 if request.method == "POST" else 200,
    )


@access(*EDITORS)
def focal_points(request):
    scope = Scope.of(request.user)
    candidates = User.objects.filter(role=Role.PROTECTION, is_active=True)
    if not scope.is_global:
        candidates = candidates.filter(national_society_id=scope.national_society_id)
    if request.method == "POST":
        target = candidates.filter(pk=request.POST.get("user") or None).first()
        if target is None:
            messages.error(request, _("Choose a protection officer."))
        else:
            try:
                services.designate_focal_point(request.user, target, active=request.POST.get("active") == "1")
            except ValidationError as exc:
                _errors_to_messages(request, exc)
            else:
                messages.success(request, _("Focal points updated."))
        return redirect("feedback-focal-points")
    designated = {f.user_id: f for f in FocalPoint.objects.filter(user__in=candidates)}
    rows = [(u, designated.get(u.pk)) for u in candidates.select_related("national_society").order_by("username")]
    return render(request, "feedback/focal_points.html", {"rows": rows})
