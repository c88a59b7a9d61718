"""Pages of Restoring Family Links. Thin: forms in, services and selectors do the work.

Only RFL and protection officers open these pages (403 for every other role); a case of another
National Society is a 404. Every page that shows a case's details records the read."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from caminante.core.codes import normalize_code
from caminante.core.roles import RFL_ROLES
from caminante.core.scoping import access, get_or_404
from caminante.core.selectors import service_points_for

from . import candidates, children, deceased, reciprocal, selectors, services
from .forms import (
    AssignForm,
    ChildReferralForm,
    ChildStepForm,
    DeceasedForm,
    LocateForm,
    NoteForm,
    ProposeMatchForm,
    RequestForm,
    StatusForm,
    TaskForm,
)
from .models import SEARCHABLE, CandidateDecision, ChildStepKind, DeceasedMatch, Status, TracingCandidate

RFL = tuple(RFL_ROLES)


def _errors_to_messages(request, exc: ValidationError) -> None:
    for msgs in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
        for message in msgs:
            messages.error(request, message)


def _form_errors(form) -> ValidationError:
    return ValidationError({name: list(errors) for name, errors in form.errors.items()})


@access(*RFL)
def request_list(request):
    status = request.GET.get("status", "")
    qs = selectors.search(
        selectors.requests_for(request.user).select_related("assigned_to", "service_point"),
        status=status,
        mine_of=request.user if request.GET.get("mine") == "1" else None,
    )
    page = Paginator(children.prioritised(qs), 50).get_page(request.GET.get("page"))
    services.record_list_read(request.user, len(page.object_list))
    return render(
        request,
        "rfl/list.html",
        {"page": page, "statuses": Status.choices, "status": status if status in Status.values else ""},
    )


@access(*RFL)
def child_list(request):
    """The child cases (unaccompanied or separated children), longest waiting first, with the
    best-interests steps done. RFL and protection officers only."""
    qs = children.child_cases(
        selectors.requests_for(request.user).select_related("assigned_to").prefetch_related("child_steps")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    services.record_list_read(request.user, len(page.object_list), "children")
    rows = [(t, {s.kind for s in t.child_steps.all()}) for t in page.object_list]
    return render(request, "rfl/children.html", {"page": page, "rows": rows, "step_kinds": ChildStepKind.choices})


@access(*RFL)
def request_new(request):
    form = RequestForm(request.POST or None, service_points=service_points_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            tracing = services.open_request(request.user, services.TracingInput(**form.cleaned_data))
        except ValidationError as exc:
            for name, msgs in exc.message_dict.items():
                for message in msgs:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Tracing request opened: %(code)s") % {"code": tracing.code})
            return redirect("rfl-request", tracing_id=tracing.pk)
    return render(request, "rfl/new.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _case(request, tracing_id):
    return get_or_404(
        selectors.requests_for(request.user).select_related("assigned_to", "service_point", "matched_person"),
        request.user,
        pk=tracing_id,
    )


def _act(request, tracing) -> None:
    """Apply one action posted from the detail page."""
    action = request.POST.get("action", "")
    if action == "status":
        form = StatusForm(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        services.change_status(
            request.user, tracing, form.cleaned_data["status"], closure_reason=form.cleaned_data["closure_reason"]
        )
        messages.success(request, _("Status changed."))
    elif action == "assign":
        form = AssignForm(request.POST, officers=services.rfl_officers(tracing.national_society_id))
        if not form.is_valid():
            raise _form_errors(form)
        services.assign(request.user, tracing, form.cleaned_data["assigned_to"])
        messages.success(request, _("Assignment saved."))
    elif action == "note":
        form = NoteForm(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        services.add_note(request.user, tracing, form.cleaned_data["text"])
        messages.success(request, _("Note added."))
    elif action == "task":
        form = TaskForm(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        services.add_task(request.user, tracing, **form.cleaned_data)
        messages.success(request, _("Task added."))
    elif action == "task_done":
        task = tracing.tasks.filter(pk=_uuid(request.POST.get("task"))).first()
        if task is None:
            raise ValidationError({"task": _("Choose a task of this case.")})
        services.complete_task(request.user, task)
        messages.success(request, _("Task done."))
    elif action == "locate":
        form = LocateForm(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        candidates.record_located(request.user, tracing, form.cleaned_data["found_consent"])
        messages.success(request, _("The found person's decision is recorded."))
    elif action == "child_step":
        form = ChildStepForm(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        children.record_step(request.user, tracing, **form.cleaned_data)
        messages.success(request, _("Step recorded."))
    elif action == "child_referral":
        form = ChildReferralForm(request.POST, services=children.child_protection_services(tracing))
        if not form.is_valid():
            raise _form_errors(form)
        record = children.refer(request.user, tracing, base_url=request.build_absolute_uri("/"), **form.cleaned_data)
        if record.sent:
            messages.success(request, _("Referral sent: %(code)s") % {"code": record.referral.code})
        else:
            messages.success(
                request,
                _("Referral recorded on the case; it is sent from the registry once the child is registered."),
            )
    else:
        messages.error(request, _("Choose what to do."))


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


@access(*RFL)
def request_detail(request, tracing_id):
    tracing = _case(request, tracing_id)
    if request.method == "POST":
        try:
            _act(request, tracing)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        except PermissionDenied:
            raise Http404 from None
        return redirect("rfl-request", tracing_id=tracing.pk)
    services.record_read(request.user, tracing)
    officers = services.rfl_officers(tracing.national_society_id)
    return render(
        request,
        "rfl/detail.html",
        {
            "tracing": tracing,
            "enquirer": tracing.enquirer,
            "sought": tracing.sought,
            "history": tracing.status_changes.select_related("by"),
            "notes": tracing.notes.select_related("created_by"),
            "tasks": tracing.tasks.all(),
            "next_statuses": [Status(s) for s in sorted(services.PLAIN_TARGETS) if tracing.can_move_to(s)],
            "status_form": StatusForm(),
            "assign_form": AssignForm(initial={"assigned_to": tracing.assigned_to_id}, officers=officers),
            "note_form": NoteForm(),
            "task_form": TaskForm(),
            "locate_form": LocateForm() if tracing.can_move_to(Status.LOCATED) and tracing.matched_person_id else None,
            "disclosure": candidates.for_enquirer(request.user, tracing),
            "candidate_count": candidates.proposed(tracing).count(),
            "each_other": reciprocal.each_other(request.user, tracing),
            **_child_context(tracing),
        },
    )


def _child_context(tracing) -> dict:
    if not tracing.unaccompanied_child:
        return {}
    return {
        "child_steps": children.steps_of(tracing),
        "child_step_form": ChildStepForm() if not tracing.is_closed else None,
        "child_referrals": tracing.child_referrals.select_related("service", "referral"),
        "child_referral_form": ChildReferralForm(services=children.child_protection_services(tracing)),
    }


@access(*RFL)
def request_candidates(request, tracing_id):
    tracing = _case(request, tracing_id)
    back = reverse("rfl-candidates", kwargs={"tracing_id": tracing.pk})
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "find":
                found = candidates.find(request.user, tracing)
                messages.success(request, _("%(n)s candidates to review.") % {"n": len(found)})
            elif action in ("confirm", "reject"):
                candidate = TracingCandidate.objects.filter(
                    tracing_request=tracing, pk=_uuid(request.POST.get("candidate"))
                ).first()
                if candidate is None:
                    raise ValidationError({"candidate": _("Choose a candidate of this case.")})
                decision = CandidateDecision.CONFIRMED if action == "confirm" else CandidateDecision.REJECTED
                candidates.decide(request.user, candidate, decision)
                if decision == CandidateDecision.CONFIRMED:
                    messages.success(request, _("Candidate confirmed: the case is a possible match."))
                    return redirect("rfl-request", tracing_id=tracing.pk)
                messages.success(request, _("Candidate rejected: it will not be proposed again."))
            else:
                messages.error(request, _("Choose what to do."))
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        except PermissionDenied:
            raise Http404 from None
        return redirect(back)
    services.record_read(request.user, tracing, "candidates")
    rows = [(c, candidates.candidate_reasons(c)) for c in candidates.proposed(tracing)]
    return render(
        request,
        "rfl/candidates.html",
        {"tracing": tracing, "sought": tracing.sought, "rows": rows, "can_search": tracing.status in SEARCHABLE},
    )


# ---- deceased migrants --------------------------------------------------------------------------


@access(*RFL)
def deceased_list(request):
    page = Paginator(deceased.records_for(request.user), 50).get_page(request.GET.get("page"))
    deceased.record_list_read(request.user, len(page.object_list))
    return render(request, "rfl/deceased_list.html", {"page": page})


@access(*RFL)
def deceased_new(request):
    form = DeceasedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = deceased.record_deceased(request.user, deceased.DeceasedInput(**form.cleaned_data))
        except ValidationError as exc:
            for name, msgs in exc.message_dict.items():
                for message in msgs:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Record kept: %(code)s") % {"code": record.code})
            return redirect("rfl-deceased", deceased_id=record.pk)
    return render(request, "rfl/deceased_new.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _deceased_act(request, record) -> None:
    action = request.POST.get("action", "")
    if action == "propose":
        form = ProposeMatchForm(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        code = normalize_code(form.cleaned_data["tracing"])
        tracing = selectors.requests_for(request.user).filter(code=code).first() if code else None
        if tracing is None:
            raise ValidationError({"tracing": _("No tracing case of this National Society has that code.")})
        deceased.propose_match(request.user, record, tracing)
        messages.success(request, _("Possible match recorded: two different RFL officers must confirm it."))
    elif action in ("confirm", "reject"):
        match = DeceasedMatch.objects.filter(deceased=record, pk=_uuid(request.POST.get("match"))).first()
        if match is None:
            raise ValidationError({"match": _("Choose a match of this record.")})
        if action == "confirm":
            match = deceased.confirm_match(request.user, match)
            if match.state == "confirmed":
                messages.success(request, _("Match confirmed by two officers. Tell the family in person."))
            else:
                messages.success(request, _("First confirmation recorded: a second RFL officer must confirm."))
        else:
            deceased.reject_match(request.user, match)
            messages.success(request, _("Match rejected."))
    else:
        messages.error(request, _("Choose what to do."))


@access(*RFL)
def deceased_detail(request, deceased_id):
    record = get_or_404(deceased.records_for(request.user), request.user, pk=deceased_id)
    if request.method == "POST":
        try:
            _deceased_act(request, record)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        except PermissionDenied:
            raise Http404 from None
        return redirect("rfl-deceased", deceased_id=record.pk)
    deceased.record_read(request.user, record)
    matches = record.matches.select_related(
        "tracing_request", "first_confirmed_by", "second_confirmed_by", "proposed_by"
    )
    return render(
        request,
        "rfl/deceased_detail.html",
        {
            "record": record,
            "details": record.details,
            "matches": matches,
            "suggestions": deceased.suggestions(request.user, record),
            "propose_form": ProposeMatchForm(),
            "may_confirm": request.user.role in deceased.CONFIRMERS,
        },
    )
