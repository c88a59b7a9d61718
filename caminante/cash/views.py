"""Pages: the vendor's phone page, and the programme officer's programmes, cycles, vouchers, vendors."""

import uuid
from datetime import timedelta

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from caminante.core import audit
from caminante.core.models import User
from caminante.core.roles import Role
from caminante.core.scoping import access, get_or_404

from . import pdm, selectors, services, statements
from .forms import (
    PdmEntryForm,
    PdmSendForm,
    PdmSettingsForm,
    PeriodForm,
    ProgrammeForm,
    ProviderReportForm,
    RedeemForm,
    VendorForm,
)
from .models import Cycle, DistributionList, LedgerEntry, PdmRound, Settlement, VendorUser

READ = (Role.OFFICER, Role.DATA_MANAGER, Role.ADMIN)
MANAGE = (Role.OFFICER, Role.ADMIN)

FACT_LABELS = {
    "child_under_5": gettext_lazy("child under 5"),
    "child_under_18": gettext_lazy("child under 18"),
    "older_person": gettext_lazy("person aged 60 or more"),
    "pregnant_member": gettext_lazy("pregnant or lactating member"),
    "member_with_disability": gettext_lazy("member with a disability"),
    "chronic_illness": gettext_lazy("member with a chronic illness"),
    "unaccompanied_child": gettext_lazy("unaccompanied or separated child"),
    "days_in_transit": gettext_lazy("days in transit"),
    "in_transit": gettext_lazy("in transit"),
    "host_community": gettext_lazy("host community"),
    "household_size": gettext_lazy("household size"),
}


def explain(reason: dict) -> str:
    """One translated line for a rule condition: 'child under 5: yes ✓'."""
    label = FACT_LABELS.get(reason["fact"], reason["fact"])
    actual = reason["actual"]
    if actual is True:
        shown = _("yes")
    elif actual is False:
        shown = _("no")
    elif actual is None:
        shown = _("unknown")
    else:
        shown = str(actual)
    if reason["op"] != "==" or reason["value"] is not True:
        label = f"{label} {reason['op']} {reason['value']}"
    if reason.get("not"):
        label = _("not (%(condition)s)") % {"condition": label}
    return f"{label}: {shown} {'✓' if reason['held'] else '✗'}"


def _errors(request, exc) -> None:
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(exc) or _("You may not do this."))


# ---- vendor ---------------------------------------------------------------------------------


@access(Role.VENDOR)
def vendor_home(request):
    """Type or scan a code, see what is left, enter the amount, confirm."""
    try:
        vendor = services.vendor_of(request.user)
    except PermissionDenied:
        return render(request, "cash/vendor_home.html", {"vendor": None})
    context = {"vendor": vendor, "form": RedeemForm(), "voucher": None, "done": None}
    if request.method == "POST":
        form = RedeemForm(request.POST)
        context["form"] = form
        if form.is_valid():
            code = form.cleaned_data["code"]
            try:
                if request.POST.get("action") == "redeem" and form.cleaned_data["amount"]:
                    result = services.redeem(
                        request.user,
                        code=code,
                        amount=form.cleaned_data["amount"],
                        idempotency_key=form.cleaned_data["key"] or uuid.uuid4().hex,
                        check_answer=form.cleaned_data["answer"],
                    )
                    context["done"] = result.as_dict()
                    context["form"] = RedeemForm()
                else:
                    voucher = services.find_voucher_for_vendor(request.user, code)
                    context["voucher"] = voucher
                    context["first_name"] = (voucher.entitlement.person.given_names or "").split(" ")[0]
                    context["form"] = RedeemForm(initial={"code": voucher.code, "key": uuid.uuid4().hex})
            except services.RedemptionError as exc:
                context["error"] = exc.message
                if exc.code in ("insufficient_balance", "check_failed"):
                    try:
                        voucher = services.find_voucher_for_vendor(request.user, code)
                        context["voucher"] = voucher
                        context["first_name"] = (voucher.entitlement.person.given_names or "").split(" ")[0]
                        context["form"] = RedeemForm(initial={"code": voucher.code, "key": uuid.uuid4().hex})
                    except services.RedemptionError:
                        pass
        else:
            context["error"] = _("Type the voucher code.")
    context["recent"] = selectors.redemptions_of_vendor(request.user)[:10]
    return render(request, "cash/vendor_home.html", context)


# ---- programmes and cycles ------------------------------------------------------------------


@access(*READ)
def programme_list(request):
    programmes = selectors.programmes_for(request.user).select_related("national_society")
    return render(
        request,
        "cash/programme_list.html",
        {"programmes": programmes, "can_manage": request.user.role in MANAGE},
    )


@access(*MANAGE)
def programme_new(request):
    form = ProgrammeForm(request.POST or None)
    ns = request.user.national_society
    if request.method == "POST" and ns is None:
        messages.error(request, _("Only an officer of a National Society can create its programmes."))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        length = data["ends_on"] - data["starts_on"]
        cycles = [
            (data["starts_on"] + i * (length + timedelta(days=1)), data["ends_on"] + i * (length + timedelta(days=1)))
            for i in range(data["cycles"])
        ]
        try:
            programme = services.create_programme(
                request.user,
                ns,
                services.ProgrammeInput(
                    name=data["name"],
                    kind=data["kind"],
                    delivery=data["delivery"],
                    currency=data["currency"],
                    transfer_rule=data["transfer_rule"],
                    fixed_amount=data["fixed_amount"],
                    size_table=data["size_table"],
                    budget_ceiling=data["budget_ceiling"],
                    voucher_validity_days=data["voucher_validity_days"],
                    check_question=data["check_question"] or "",
                    eligibility=form.eligibility(),
                ),
                cycles=cycles,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                _errors(request, exc)
        else:
            messages.success(request, _("Programme created."))
            return redirect("cash-programme", programme_id=programme.pk)
    return render(request, "cash/programme_form.html", {"form": form})


@access(*READ)
def programme_detail(request, programme_id):
    programme = get_or_404(selectors.programmes_for(request.user), request.user, pk=programme_id)
    cycles = programme.cycles.select_related("distribution_list")
    return render(
        request,
        "cash/programme_detail.html",
        {
            "programme": programme,
            "cycles": cycles,
            "vendors": programme.vendors.all(),
            "committed": services.committed_amount(programme),
            "rules": [explain({**r, "actual": None, "held": True}).rsplit(":", 1)[0] for r in _leaves(programme)],
        },
    )


def _leaves(programme) -> list[dict]:
    rule = programme.eligibility or {}
    out = []

    def walk(node, negated=False):
        if "any" in node or "all" in node:
            for child in node.get("any") or node.get("all"):
                walk(child, negated)
        elif "not" in node:
            walk(node["not"], not negated)
        elif "fact" in node:
            out.append(
                {"fact": node["fact"], "op": node.get("op", "=="), "value": node.get("value", True), "not": negated}
            )

    if rule:
        walk(rule)
    return out


def _cycle(request, cycle_id) -> Cycle:
    return get_or_404(
        Cycle.objects.filter(programme__in=selectors.programmes_for(request.user)).select_related("programme"),
        request.user,
        pk=cycle_id,
    )


@access(*READ)
def cycle_detail(request, cycle_id):
    cycle = _cycle(request, cycle_id)
    dlist = DistributionList.objects.filter(cycle=cycle).select_related("prepared_by", "approved_by").first()
    lines = []
    if dlist:
        for line in dlist.lines.select_related("person", "household").order_by("-included", "id")[:500]:
            line.reasons = [explain(r) for r in line.explanation]
            lines.append(line)
    figures = selectors.cycle_figures(request.user, cycle)
    vouchers = (
        selectors.vouchers_for(request.user).filter(entitlement__cycle=cycle).select_related("entitlement__person")
    )
    return render(
        request,
        "cash/cycle_detail.html",
        {
            "cycle": cycle,
            "programme": cycle.programme,
            "dlist": dlist,
            "lines": lines,
            "included": sum(1 for line in lines if line.included),
            "total": sum((line.amount for line in lines if line.included), services.ZERO),
            "duplicates": sum(1 for line in lines if line.possible_duplicates),
            "figures": figures,
            "reach": selectors.people_reached(request.user, cycle),
            "max_day": max([row["total"] for row in figures.by_day] or [1]),
            "vouchers": vouchers[:200],
            "can_manage": request.user.role in MANAGE,
            "pdm_round": PdmRound.objects.filter(cycle=cycle).first(),
            "pdm_due": dlist is not None and dlist.status == "approved" and cycle.ends_on < timezone.localdate(),
            "pdm_form": PdmSendForm(),
            "can_approve": dlist is not None
            and dlist.status == "draft"
            and dlist.prepared_by_id != request.user.pk
            and request.user.role in MANAGE,
        },
    )


@require_POST
@access(*MANAGE)
def cycle_prepare(request, cycle_id):
    cycle = _cycle(request, cycle_id)
    try:
        dlist = services.prepare_distribution_list(request.user, cycle)
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        included = dlist.lines.filter(included=True).count()
        messages.success(
            request, _("List prepared: %(n)s households included. Another officer must approve it.") % {"n": included}
        )
    return redirect("cash-cycle", cycle_id=cycle.pk)


@require_POST
@access(*MANAGE)
def cycle_approve(request, cycle_id):
    cycle = _cycle(request, cycle_id)
    dlist = DistributionList.objects.filter(cycle=cycle).first()
    if dlist is None:
        messages.error(request, _("Prepare the list first."))
        return redirect("cash-cycle", cycle_id=cycle.pk)
    try:
        services.approve_distribution_list(request.user, dlist)
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("List approved: the vouchers or transfers are on their way."))
    return redirect("cash-cycle", cycle_id=cycle.pk)


# ---- vouchers -------------------------------------------------------------------------------


def _voucher(request, voucher_id):
    return get_or_404(
        selectors.vouchers_for(request.user).select_related("programme", "entitlement__person", "replaces"),
        request.user,
        pk=voucher_id,
    )


@access(*READ)
def voucher_detail(request, voucher_id):
    voucher = _voucher(request, voucher_id)
    audit.record(request.user, "cash.voucher.view", voucher)
    qr = segno.make(voucher.code, error="m").svg_data_uri(scale=4)
    return render(
        request,
        "cash/voucher_detail.html",
        {
            "voucher": voucher,
            "qr": qr,
            "person": voucher.entitlement.person,
            "ledger": LedgerEntry.objects.filter(voucher=voucher).order_by("id"),
            "redemptions": voucher.redemptions.select_related("vendor"),
            "can_manage": request.user.role in MANAGE,
        },
    )


@access(*READ)
def voucher_qr(request, voucher_id):
    voucher = _voucher(request, voucher_id)
    qr = segno.make(voucher.code, error="m")
    import io

    out = io.BytesIO()
    qr.save(out, kind="svg", scale=6)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@require_POST
@access(*MANAGE)
def voucher_reissue(request, voucher_id):
    voucher = _voucher(request, voucher_id)
    try:
        new = services.reissue_voucher(request.user, voucher, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return redirect("cash-voucher", voucher_id=voucher.pk)
    messages.success(request, _("The old code is cancelled; the balance moved to a new voucher."))
    return redirect("cash-voucher", voucher_id=new.pk)


# ---- vendors and settlement -----------------------------------------------------------------


@access(*READ)
def vendor_list(request):
    form = VendorForm(request.POST or None)
    if request.method == "POST":
        if request.user.role not in MANAGE or request.user.national_society is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            vendor = services.onboard_vendor(
                request.user,
                request.user.national_society,
                name=data["name"],
                city=data["city"],
                address=data["address"],
                contact_phone=data["contact_phone"],
                bank_details={"account": data["bank_account"]} if data["bank_account"] else None,
            )
            messages.success(request, _("Vendor added."))
            return redirect("cash-vendor", vendor_id=vendor.pk)
    vendors = selectors.vendors_for(request.user)
    return render(
        request, "cash/vendor_list.html", {"vendors": vendors, "form": form, "can_manage": request.user.role in MANAGE}
    )


@access(*READ)
def vendor_detail(request, vendor_id):
    vendor = get_or_404(selectors.vendors_for(request.user), request.user, pk=vendor_id)
    can_manage = request.user.role in MANAGE
    period = PeriodForm(
        request.POST or None, initial={"start": timezone.localdate().replace(day=1), "end": timezone.localdate()}
    )
    token = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "settle" and period.is_valid():
                services.create_settlement(
                    request.user, vendor, period.cleaned_data["start"], period.cleaned_data["end"]
                )
                messages.success(request, _("Statement created."))
                return redirect("cash-vendor", vendor_id=vendor.pk)
            if action == "programmes":
                wanted = set(request.POST.getlist("programmes"))
                for programme in selectors.programmes_for(request.user).filter(
                    national_society=vendor.national_society
                ):
                    if str(programme.pk) in wanted:
                        programme.vendors.add(vendor)
                    else:
                        programme.vendors.remove(vendor)
                audit.record(request.user, "cash.vendor.programmes", vendor, data={"programmes": sorted(wanted)})
                messages.success(request, _("Programmes saved."))
                return redirect("cash-vendor", vendor_id=vendor.pk)
            if action in ("link", "token"):
                target = User.objects.filter(
                    username=request.POST.get("username", ""),
                    role=Role.VENDOR,
                    national_society=vendor.national_society,
                ).first()
                if target is None:
                    raise ValidationError(_("No vendor user of this National Society has that username."))
                if action == "link":
                    services.add_vendor_user(request.user, vendor, target)
                    messages.success(request, _("User linked to the shop."))
                    return redirect("cash-vendor", vendor_id=vendor.pk)
                if not VendorUser.objects.filter(user=target, vendor=vendor).exists():
                    raise ValidationError(_("Link the user to this shop first."))
                token = services.vendor_api_token(request.user, target)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
    return render(
        request,
        "cash/vendor_detail.html",
        {
            "vendor": vendor,
            "users": vendor.users.select_related("user"),
            "programmes": selectors.programmes_for(request.user).filter(national_society=vendor.national_society),
            "allowed": set(vendor.programmes.values_list("pk", flat=True)),
            "settlements": vendor.settlements.all()[:50],
            "period": period,
            "token": token,
            "can_manage": can_manage,
        },
    )


def _settlement(request, settlement_id) -> Settlement:
    return get_or_404(selectors.settlements_for(request.user).select_related("vendor"), request.user, pk=settlement_id)


@require_POST
@access(*MANAGE)
def settlement_paid(request, settlement_id):
    settlement = _settlement(request, settlement_id)
    try:
        services.mark_settlement_paid(request.user, settlement, request.POST.get("reference", ""))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Statement marked as paid."))
    return redirect("cash-vendor", vendor_id=settlement.vendor_id)


@access(*READ)
def settlement_export(request, settlement_id):
    """The statement's redemptions as CSV for finance: no personal data, the code's last characters only."""
    settlement = _settlement(request, settlement_id)
    audit.record(request.user, "cash.settlement.export", settlement, data={"format": "csv"})
    response = HttpResponse(
        statements.to_csv(statements.statement_rows(settlement)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="statement-{settlement.pk}.csv"'
    return response


@access(*READ)
def settlement_export_xlsx(request, settlement_id):
    """The same statement as an Excel workbook (amounts as numbers with two decimals)."""
    settlement = _settlement(request, settlement_id)
    audit.record(request.user, "cash.settlement.export", settlement, data={"format": "xlsx"})
    response = HttpResponse(
        statements.to_xlsx(statements.statement_rows(settlement)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="statement-{settlement.pk}.xlsx"'
    return response


@access(*READ)
def reconciliation(request):
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"start": today.replace(day=1), "end": today})
    start, end = today.replace(day=1), today
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.reconciliation(request.user, start, end)
    return render(
        request,
        "cash/reconciliation.html",
        {"form": form, "rows": rows, "start": start, "end": end, "all_match": all(r.matches for r in rows)},
    )


# ---- provider reports -----------------------------------------------------------------------


@access(*READ)
def provider_reports(request):
    form = ProviderReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if request.user.role not in MANAGE or request.user.national_society is None:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > 5 * 1024 * 1024:
                messages.error(request, _("The file is too big (5 MB at most)."))
            else:
                try:
                    report = services.import_provider_report(
                        request.user,
                        request.user.national_society,
                        form.cleaned_data["provider"],
                        upload.read(),
                        file_name=upload.name,
                    )
                except ValidationError as exc:
                    _errors(request, exc)
                else:
                    messages.success(
                        request,
                        _("%(n)s lines read, %(new)s new.") % {"n": report.lines, "new": report.new_lines},
                    )
                    return redirect("cash-provider-report", report_id=report.pk)
    reports = selectors.provider_reports_for(request.user)[:50]
    return render(
        request,
        "cash/provider_reports.html",
        {"form": form, "reports": reports, "can_manage": request.user.role in MANAGE},
    )


@access(*READ)
def provider_report(request, report_id):
    report = get_or_404(selectors.provider_reports_for(request.user), request.user, pk=report_id)
    if request.method == "POST":
        if request.user.role not in MANAGE:
            raise PermissionDenied
        line = report.report_lines.filter(pk=request.POST.get("line") or 0).exclude(mismatch="").first()
        if line is None:
            messages.error(request, _("Choose a line to resolve."))
        else:
            try:
                services.resolve_mismatch(request.user, line, request.POST.get("resolution", ""))
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Marked as resolved."))
                return redirect("cash-provider-report", report_id=report.pk)
    lines = list(report.report_lines.all())
    for line in lines:
        line.label = MISMATCH_LABELS.get(line.mismatch, "")
    return render(
        request,
        "cash/provider_report.html",
        {
            "report": report,
            "lines": lines,
            "mismatches": [line for line in lines if line.mismatch],
            "can_manage": request.user.role in MANAGE,
        },
    )


MISMATCH_LABELS = {
    "unknown_reference": gettext_lazy("We have no transfer with this reference"),
    "amount_differs": gettext_lazy("The amount or currency differs from ours"),
    "status_differs": gettext_lazy("The provider's status differs from ours"),
}


# ---- post-distribution monitoring -----------------------------------------------------------

PDM_READ = (*READ, Role.ANALYST)


@require_POST
@access(*MANAGE)
def cycle_pdm_send(request, cycle_id):
    """Send the post-distribution survey to (a sample of) the cycle's recipients."""
    cycle = _cycle(request, cycle_id)
    form = PdmSendForm(request.POST)
    if not form.is_valid():
        _errors(request, ValidationError(_("The share of recipients must be between 1 and 100 %.")))
        return redirect("cash-cycle", cycle_id=cycle.pk)
    try:
        round_ = pdm.send_survey(request.user, cycle, sample_percent=form.cleaned_data["sample_percent"])
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Survey sent to %(sent)s of %(eligible)s recipients who agreed to be contacted by WhatsApp.")
            % {"sent": round_.sent, "eligible": round_.eligible},
        )
    return redirect("cash-cycle", cycle_id=cycle.pk)


@access(*PDM_READ)
def programme_pdm(request, programme_id):
    """The programme's post-distribution monitoring: settings, rounds and figures (small cells hidden)."""
    programme = get_or_404(selectors.programmes_for(request.user), request.user, pk=programme_id)
    can_manage = request.user.role in MANAGE
    survey = getattr(programme, "pdm_survey", None)
    form = PdmSettingsForm(
        request.POST or None,
        initial={
            "sample_percent": survey.sample_percent if survey else 100,
            "auto_send": bool(survey and survey.auto_send),
        },
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                pdm.configure(
                    request.user,
                    programme,
                    sample_percent=form.cleaned_data["sample_percent"],
                    auto_send=form.cleaned_data["auto_send"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Survey settings saved."))
                return redirect("cash-programme-pdm", programme_id=programme.pk)
    rounds = list(
        PdmRound.objects.filter(survey__programme=programme).select_related("cycle").order_by("cycle__number")
    )
    by_cycle = [(r, pdm.results(programme, r.cycle)) for r in rounds]
    results = pdm.results(programme)
    comments = []
    if request.user.role in READ and not results.suppressed:  # free text: not for the regional analyst
        comments = pdm.comments(programme)
        if comments:
            audit.record(request.user, "cash.pdm.comments.view", programme, data={"count": len(comments)})
    return render(
        request,
        "cash/pdm_results.html",
        {
            "programme": programme,
            "results": results,
            "comments": comments,
            "by_cycle": by_cycle,
            "form": form,
            "can_manage": can_manage,
            "min_cell": pdm.MIN_CELL,
        },
    )


@access(*pdm.IN_PERSON_ROLES)
def pdm_entry(request):
    """A volunteer enters the survey answers of a person who answers at the HSP."""
    form = PdmEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = pdm.record_in_person(
                request.user,
                data["person_code"],
                {q.id: data.get(q.id) for q in pdm.QUESTIONNAIRE},
                lang=request.LANGUAGE_CODE or "es",
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            if response.feedback_code:
                messages.warning(
                    request,
                    _("The answers are saved. The protection team will follow up the report %(code)s confidentially.")
                    % {"code": response.feedback_code},
                )
            else:
                messages.success(request, _("The answers are saved. Thank you."))
            return redirect("cash-pdm-entry")
    return render(request, "cash/pdm_entry.html", {"form": form})
