"""Post-distribution monitoring (PDM): a short survey after a cycle, answered on WhatsApp or at the HSP.

- `send_survey` (officer action on the cycle page, or the periodic job `cash.pdm_send` when the
  programme asks for it) picks a reproducible random sample of the cycle's recipients who
  consented to WhatsApp contact and sends the first question through the channels app's
  `notify` (free text inside the 24-hour window, the approved `pdm_survey` template outside it).
- `chat_turn` is the one hook the conversation engine calls: when the contact has an open
  survey and the message answers its current question, the answer is recorded and the next
  question is returned (one at a time, numbered options, buttons or a list where WhatsApp allows
  them). Anything else returns None and the FAQ flow goes on as usual.
- `record_in_person` is the volunteer's form for people without a phone.
- "Did anyone ask you for money or favours in exchange?" answered yes becomes a sensitive
  feedback item through the feedback app's intake (`receive_feedback`): only the protection
  focal points see it; the results page shows a count only.
- `results` gives the programme's figures with small cells suppressed.

Answers are linked to the entitlement (no personal data copied); the free comment is encrypted
and erased when the person asks for their conversation data to be deleted.
"""

import hashlib
import math
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caminante.core import audit
from caminante.core.roles import HSP_ROLES, Role
from caminante.core.scoping import Scope
from caminante.faq.normalize import tokens

from .models import Cycle, DistributionList, Entitlement, PdmResponse, PdmRound, PdmSurvey, Programme

MANAGERS = frozenset({Role.OFFICER, Role.ADMIN})
IN_PERSON_ROLES = frozenset({Role.VOLUNTEER, Role.COORDINATOR, Role.OFFICER, Role.ADMIN})
MIN_CELL = 5  # fewer respondents than this: the figure is not shown
AUTO_SEND_WITHIN_DAYS = 30  # the periodic job sends for cycles that ended at most this long ago


# ---- the questionnaire, kept as data ----------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: "Promise | str"
    words: frozenset[str] = frozenset()  # accepted typed answers besides the number


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "one" | "many" | "scale" | "text"
    prompt: Promise
    options: tuple[Option, ...] = field(default=())
    form_label: Promise | None = None  # the wording on the volunteer's form, when it differs


YES_WORDS = frozenset({"si", "yes", "sim", "s", "y"})
NO_WORDS = frozenset({"no", "nao", "n", "nop"})
AND_WORDS = frozenset({"y", "e", "and"})  # "1, 3 y 5"
YES_NO = (
    Option("yes", gettext_lazy("Yes"), YES_WORDS),
    Option("no", gettext_lazy("No"), NO_WORDS),
)

QUESTIONNAIRES: dict[str, tuple[Question, ...]] = {
    "standard-1": (
        Question(
            "received",
            "one",
            gettext_lazy("Did you receive the full amount?"),
            (
                Option("full", gettext_lazy("Yes, all of it"), YES_WORDS),
                Option("partly", gettext_lazy("Only part"), frozenset({"parte", "parcial", "partly", "part"})),
                Option("none", gettext_lazy("No, nothing"), NO_WORDS | {"nada", "nothing"}),
            ),
        ),
        Question(
            "uses",
            "many",
            gettext_lazy("What did you use it for? Reply with every number that applies, for example: 1 3"),
            (
                Option("food", gettext_lazy("Food")),
                Option("rent", gettext_lazy("Rent or shelter")),
                Option("health", gettext_lazy("Health or medicines")),
                Option("transport", gettext_lazy("Transport")),
                Option("debts", gettext_lazy("Paying debts")),
                Option("other", gettext_lazy("Other")),
            ),
            gettext_lazy("What did you use it for? Tick all that apply."),
        ),
        Question(
            "exchange",
            "one",
            gettext_lazy(
                "Did anyone ask you for money, favours or anything else in exchange for this assistance? "
                "Your answer is confidential."
            ),
            YES_NO,
        ),
        Question("safe", "one", gettext_lazy("Did you feel safe collecting or using the assistance?"), YES_NO),
        Question(
            "satisfaction",
            "scale",
            gettext_lazy("How satisfied are you with the assistance? From 1 (not at all) to 5 (very satisfied)."),
            (
                Option("1", gettext_lazy("1 - Not at all")),
                Option("2", "2"),
                Option("3", "3"),
                Option("4", "4"),
                Option("5", gettext_lazy("5 - Very satisfied")),
            ),
        ),
        Question(
            "comment",
            "text",
            gettext_lazy("Is there anything else you want to tell us? Write it, or choose Skip."),
            form_label=gettext_lazy("Anything else the person wants to tell us (optional)"),
        ),
    ),
}
QUESTIONNAIRE = QUESTIONNAIRES["standard-1"]
USE_LABELS = {o.value: o.label for o in QUESTIONNAIRE[1].options}


def questions(version: str = "standard-1") -> tuple[Question, ...]:
    return QUESTIONNAIRES.get(version, QUESTIONNAIRE)


def prompt_text(question: Question, number: int, total: int) -> str:
    """The question as a message: '(2/6) What did you use it for? ...' and its numbered options."""
    lines = [f"({number}/{total}) {question.prompt}"]
    if question.kind in ("one", "many"):
        lines += [f"{i}. {o.label}" for i, o in enumerate(question.options, start=1)]
    return "\n".join(lines)


def chat_prompt(question: Question, number: int, total: int) -> dict:
    """What the engine sends for a question: buttons for up to 3 options, a list for the scale."""
    text = prompt_text(question, number, total)
    if question.kind == "one" and len(question.options) <= 3:
        return {
            "text": text,
            "buttons": [(f"pdm:{question.id}:{o.value}", str(o.label)[:20]) for o in question.options],
        }
    if question.kind == "scale":
        return {
            "text": text,
            "rows": [(f"pdm:{question.id}:{o.value}", str(o.label)[:24], "") for o in question.options],
            "list_button": _("Choose"),
        }
    if question.kind == "text":
        return {"text": text, "buttons": [(f"pdm:{question.id}:", _("Skip"))]}
    return {"text": text}


def parse_answer(question: Question, text: str, button: str = ""):
    """The answer a message gives to the question, or None when it is not an answer to it."""
    if button.startswith("pdm:"):
        _prefix, qid, value = (button.split(":", 2) + ["", ""])[:3]
        if qid != question.id:
            return None
        if question.kind == "text":
            return ""
        if question.kind == "many":
            return [value] if value in {o.value for o in question.options} else None
        return value if value in {o.value for o in question.options} else None
    text = (text or "").strip()
    if question.kind == "text":
        return text[:1000] or None
    words = tokens(text)
    if not words:
        return None
    if question.kind == "many":
        words = tuple(w for w in words if w not in AND_WORDS)
        if not words or not all(w.isdigit() for w in words):
            return None
        picked = []
        for w in words:
            if not 1 <= int(w) <= len(question.options):
                return None
            value = question.options[int(w) - 1].value
            if value not in picked:
                picked.append(value)
        return picked
    if len(words) == 1 and words[0].isdigit():
        n = int(words[0])
        return question.options[n - 1].value if 1 <= n <= len(question.options) else None
    if len(words) <= 3:
        for option in question.options:
            if words[0] in option.words or (len(words) > 1 and words[-1] in option.words):
                return option.value
    return None


# ---- sending ----------------------------------------------------------------------------------


def _manager_scope(user, national_society_id) -> None:
    if user is None:  # the periodic job
        return
    scope = Scope.of(user).require(MANAGERS)
    if not scope.is_global and scope.national_society_id != national_society_id:
        raise PermissionDenied("another National Society")


def survey_of(programme: Programme) -> PdmSurvey:
    survey, _created = PdmSurvey.objects.get_or_create(
        programme=programme, defaults={"national_society_id": programme.national_society_id}
    )
    return survey


def configure(user, programme: Programme, *, sample_percent: int, auto_send: bool) -> PdmSurvey:
    _manager_scope(user, programme.national_society_id)
    if not 1 <= int(sample_percent) <= 100:
        raise ValidationError(_("The share of recipients must be between 1 and 100 %."))
    with transaction.atomic():
        survey = survey_of(programme)
        PdmSurvey.objects.filter(pk=survey.pk).update(sample_percent=int(sample_percent), auto_send=auto_send)
        survey.refresh_from_db()
        audit.record(
            user, "cash.pdm.configure", survey, data={"sample_percent": survey.sample_percent, "auto_send": auto_send}
        )
    return survey


def consenting_recipients(cycle: Cycle) -> list[Entitlement]:
    """The cycle's entitlements whose person has a WhatsApp phone and a standing WhatsApp consent,
    and whose number has not opted out of our messages (BAJA / STOP)."""
    from caminante.channels.models import Channel, Contact
    from caminante.channels.services import address_hash, digits
    from caminante.registry.models import Consent, ConsentPurpose

    consented = Consent.objects.filter(purpose=ConsentPurpose.WHATSAPP, granted=True, withdrawn_at__isnull=True).values(
        "person_id"
    )
    entitlements = list(
        Entitlement.objects.filter(cycle=cycle, person_id__in=consented)
        .exclude(person__phone_e164="")
        .filter(person__phone_is_whatsapp=True)
        .select_related("person")
        .order_by("pk")
    )
    hashes = {e.pk: address_hash(digits(e.person.phone_e164)) for e in entitlements}
    opted_out = set(
        Contact.objects.filter(
            national_society_id=cycle.programme.national_society_id,
            channel=Channel.WHATSAPP,
            opted_out=True,
            address_hash__in=set(hashes.values()),
        ).values_list("address_hash", flat=True)
    )
    return [e for e in entitlements if hashes[e.pk] not in opted_out]


def sample(entitlements: list, percent: int, seed: str) -> list:
    """A reproducible random sample: order by a hash of (seed, id), take ceil(n * percent / 100)."""
    size = math.ceil(len(entitlements) * percent / 100)
    ordered = sorted(entitlements, key=lambda e: hashlib.sha256(f"{seed}:{e.pk}".encode()).hexdigest())
    return ordered[:size]


def _language(national_society) -> str:
    return "pt" if national_society.country.code == "BR" else "es"


def send_survey(user, cycle: Cycle, *, sample_percent: int | None = None, seed: str = "") -> PdmRound:
    """Send the PDM survey after a cycle: to a sample of its recipients who consented to WhatsApp
    contact, through `notify`. Once per cycle; only after the cycle has ended. The round is
    created even when nobody can be reached by phone, so the HSP can enter answers in person."""
    from caminante.channels.models import WhatsAppNumber
    from caminante.channels.services import notify

    programme = cycle.programme
    _manager_scope(user, programme.national_society_id)
    if cycle.ends_on >= timezone.localdate():
        raise ValidationError(_("The survey is sent after the cycle has ended (%(date)s).") % {"date": cycle.ends_on})
    if not DistributionList.objects.filter(cycle=cycle, status=DistributionList.Status.APPROVED).exists():
        raise ValidationError(_("This cycle has no approved list: nobody received anything to ask about."))
    if PdmRound.objects.filter(cycle=cycle).exists():
        raise ValidationError(_("The survey was already sent for this cycle."))
    survey = survey_of(programme)
    percent = int(sample_percent or survey.sample_percent)
    if not 1 <= percent <= 100:
        raise ValidationError(_("The share of recipients must be between 1 and 100 %."))
    seed = seed or secrets.token_hex(16)
    national_society = programme.national_society
    has_number = WhatsAppNumber.objects.filter(national_society=national_society, active=True).exists()
    eligible = consenting_recipients(cycle) if has_number else []
    chosen = sample(eligible, percent, seed)
    now = timezone.now()
    qs = questions(survey.questionnaire)
    language = _language(national_society)
    with transaction.atomic():
        round_ = PdmRound.objects.create(
            national_society=national_society,
            survey=survey,
            cycle=cycle,
            sample_percent=percent,
            seed=seed,
            eligible=len(eligible),
            sent=len(chosen),
            sent_at=now,
            sent_by=user,
            closes_at=now + timedelta(days=survey.open_days),
        )
        for entitlement in chosen:
            response = PdmResponse.objects.create(
                national_society=national_society, round=round_, entitlement=entitlement, sent_at=now
            )
            with translation.override(language):
                text = (
                    _(
                        "Hello, the Red Cross would like to know how the assistance of %(programme)s went. "
                        "%(n)s short questions; answering is voluntary and does not change your assistance."
                    )
                    % {"programme": programme.name, "n": len(qs)}
                    + "\n\n"
                    + prompt_text(qs[0], 1, len(qs))
                )
            notify(
                national_society=national_society,
                phone_e164=entitlement.person.phone_e164,
                text=text,
                template="pdm_survey",
                template_params=[programme.name[:60]],
                language=language,
                idempotency_key=f"cash-pdm-{response.pk}",
            )
        audit.record(
            user,
            "cash.pdm.send",
            round_,
            data={"cycle": str(cycle.pk), "eligible": len(eligible), "sent": len(chosen), "percent": percent},
        )
    return round_


def send_due(today=None) -> str:
    """Periodic job: send the survey of programmes that ask for it once their cycle has ended."""
    today = today or timezone.localdate()
    cycles = Cycle.objects.filter(
        programme__pdm_survey__auto_send=True,
        ends_on__lt=today,
        ends_on__gte=today - timedelta(days=AUTO_SEND_WITHIN_DAYS),
        distribution_list__status=DistributionList.Status.APPROVED,
        pdm_round__isnull=True,
    ).select_related("programme__national_society")
    sent = 0
    for cycle in cycles:
        try:
            sent += send_survey(None, cycle).sent
        except ValidationError:
            continue
    return f"{sent} surveys sent" if sent else ""


# ---- answers ----------------------------------------------------------------------------------


def _record(response: PdmResponse, question: Question, value, *, lang: str, service_point=None) -> None:
    """Store one answer (locked row, in the caller's transaction) and raise the alarm when asked to."""
    if question.kind == "text":
        response.comment = value or ""
        response.answers[question.id] = bool(value)
    else:
        response.answers[question.id] = int(value) if question.kind == "scale" else value
    if question.id == "exchange" and value == "yes" and not response.feedback_code:
        response.feedback_code = _report_exchange(response, lang, service_point)
    ids = [q.id for q in questions(response.round.survey.questionnaire)]
    response.step = max(response.step, ids.index(question.id) + 1)
    if response.step >= len(ids):
        response.status = PdmResponse.Status.COMPLETED
        response.completed_at = timezone.now()
    else:
        response.status = PdmResponse.Status.ANSWERING
    response.save()
    audit.record(None, "cash.pdm.answer", response, data={"question": question.id, "via": response.via})


def _report_exchange(response: PdmResponse, lang: str, service_point=None) -> str:
    """Someone asked for money or favours: a sensitive feedback item for the protection focal points."""
    from caminante.feedback.services import receive_feedback

    entitlement = response.entitlement
    programme = response.round.survey.programme
    with translation.override(lang):
        text = _(
            "Post-distribution survey: the recipient answered that someone asked for money, favours or "
            "something else in exchange for the assistance (%(programme)s, cycle %(cycle)s)."
        ) % {"programme": programme.name, "cycle": response.round.cycle.number}
    item = receive_feedback(
        None,
        national_society=programme.national_society,
        channel="survey",
        text=text,
        language=lang,
        service_point=service_point,
        person=entitlement.person,
        programme_code=programme.name[:60],
        reported_sensitive=True,
    )
    return item.code


def _open_response_id(contact):
    people = _people_of(contact)
    if not people:
        return None
    return (
        PdmResponse.objects.filter(
            national_society_id=contact.national_society_id,
            entitlement__person_id__in=people,
            via=PdmResponse.Via.WHATSAPP,
            status__in=[PdmResponse.Status.SENT, PdmResponse.Status.ANSWERING],
            round__closes_at__gt=timezone.now(),
        )
        .order_by("-sent_at")
        .values_list("pk", flat=True)
        .first()
    )


def chat_turn(contact, *, text: str, button: str, lang: str) -> dict | None:
    """The engine's hook: if the contact has an open survey and this message answers its current
    question, record it and return the next message ({"text", "buttons"|"rows"...}); else None."""
    if contact is None or contact.channel != "whatsapp" or not (text or button):
        return None
    response_id = _open_response_id(contact)
    if response_id is None:
        return None
    with transaction.atomic():
        response = (
            PdmResponse.objects.select_for_update()
            .select_related("round__survey__programme__national_society", "round__cycle", "entitlement__person")
            .get(pk=response_id)
        )
        qs = questions(response.round.survey.questionnaire)
        question = qs[response.step]
        value = parse_answer(question, text, button)
        if value is None:
            words = tokens(text or "")
            if (words and all(w.isdigit() for w in words)) or button.startswith("pdm:"):
                # a number that is not one of the options: ask again rather than answer a FAQ
                retry = chat_prompt(question, response.step + 1, len(qs))
                retry["text"] = _("Please answer with one of the numbers.") + "\n" + retry["text"]
                return retry
            return None
        _record(response, question, value, lang=lang)
        reply = ""
        if question.id == "exchange" and value == "yes":
            reply = _("Thank you for telling us. The protection team will follow this up confidentially.") + "\n\n"
        if response.status == PdmResponse.Status.COMPLETED:
            return {"text": reply + _("Thank you for your answers! They help us improve the assistance.")}
        turn = chat_prompt(qs[response.step], response.step + 1, len(qs))
        turn["text"] = reply + turn["text"]
        return turn


def _people_of(contact) -> set:
    """The contact's linked person, and whoever else of the household was registered with this number."""
    from caminante.registry.models import Person

    people = set(
        Person.objects.filter(
            national_society_id=contact.national_society_id, phone_e164="+" + contact.address
        ).values_list("pk", flat=True)[:10]
    )
    if contact.person_id:
        people.add(contact.person_id)
    return people


def erase_comments(contact) -> int:
    """The person asked for their conversation data to be deleted: the comments they wrote in the
    survey over WhatsApp go too (the answers to the closed questions stay, with no text)."""
    if contact is None or contact.channel != "whatsapp":
        return 0
    return (
        PdmResponse.objects.filter(entitlement__person_id__in=_people_of(contact), via=PdmResponse.Via.WHATSAPP)
        .exclude(comment_encrypted="")
        .update(comment_encrypted="")
    )


def comments(programme: Programme, limit: int = 50) -> list[tuple]:
    """The free comments (newest first), without names: (cycle number, date, text). Shown only
    when the programme has at least MIN_CELL complete answers; the caller audits the read."""
    rows = (
        PdmResponse.objects.filter(round__survey__programme=programme, status=PdmResponse.Status.COMPLETED)
        .exclude(comment_encrypted="")
        .select_related("round__cycle")
        .order_by("-completed_at")[:limit]
    )
    return [(r.round.cycle.number, r.completed_at, r.comment) for r in rows]


def in_person_target(user, person_code: str) -> Entitlement:
    """The recipient's latest entitlement in a cycle whose survey is open, within the user's scope."""
    scope = Scope.of(user).require(IN_PERSON_ROLES)
    code = (person_code or "").strip().upper()
    qs = Entitlement.objects.filter(person__code=code, cycle__pdm_round__isnull=False).select_related(
        "person", "programme", "cycle__pdm_round__survey"
    )
    if not scope.is_global:
        qs = qs.filter(national_society_id=scope.national_society_id)
    entitlement = qs.order_by("-cycle__ends_on").first()
    if entitlement is None:
        raise ValidationError(_("No survey is open for a person with this code."))
    done = PdmResponse.objects.filter(
        round=entitlement.cycle.pdm_round, entitlement=entitlement, status=PdmResponse.Status.COMPLETED
    )
    if done.exists():
        raise ValidationError(_("This person has already answered the survey for this cycle."))
    return entitlement


def record_in_person(user, person_code: str, answers: dict, *, lang: str = "es") -> PdmResponse:
    """A volunteer enters the answers of a person without a phone (or who prefers to answer at the HSP)."""
    entitlement = in_person_target(user, person_code)
    round_ = entitlement.cycle.pdm_round
    qs = questions(round_.survey.questionnaire)
    service_point = None
    if getattr(user, "role", None) in HSP_ROLES:
        service_point = user.service_point
    with transaction.atomic():
        response, _created = PdmResponse.objects.select_for_update().get_or_create(
            round=round_,
            entitlement=entitlement,
            defaults={"national_society_id": entitlement.national_society_id, "via": PdmResponse.Via.IN_PERSON},
        )
        response.via = PdmResponse.Via.IN_PERSON
        response.recorded_by = user
        response.step = 0
        for question in qs:
            value = answers.get(question.id)
            if question.kind != "text" and value in (None, "", []):
                raise ValidationError(_("Answer every question (the comment is optional)."))
            _record(response, question, value, lang=lang, service_point=service_point)
        audit.record(user, "cash.pdm.in_person", response, data={"cycle": str(round_.cycle_id)})
    return response


# ---- results ----------------------------------------------------------------------------------


@dataclass
class Figure:
    """One figure: a count and a percentage of its base, or suppressed (shown as '< 5')."""

    count: int | None
    percent: Decimal | None
    suppressed: bool = False


@dataclass
class Results:
    sent: int
    answered_whatsapp: int
    in_person: int
    respondents: int
    response_rate: Decimal | None
    suppressed: bool  # fewer than MIN_CELL respondents: no figure is shown
    received_full: Figure | None = None
    felt_safe: Figure | None = None
    asked_exchange: Figure | None = None
    satisfaction: Decimal | None = None
    uses: list[tuple[str, str, Figure]] = field(default_factory=list)  # (value, label, figure)


def _pct(count: int, base: int) -> Decimal:
    return (Decimal(count) * 100 / Decimal(base)).quantize(Decimal("0.1"))


def _figure(count: int, base: int, *, small_counts: bool = False) -> Figure:
    """`small_counts`: a count of 1 to 4 is itself suppressed (for sensitive or rare answers)."""
    if small_counts and 0 < count < MIN_CELL:
        return Figure(None, None, suppressed=True)
    return Figure(count, _pct(count, base))


def results(programme: Programme, cycle: Cycle | None = None) -> Results:
    """The programme's PDM figures (all rounds, or one cycle's), with small cells suppressed."""
    responses = PdmResponse.objects.filter(round__survey__programme=programme)
    if cycle is not None:
        responses = responses.filter(round__cycle=cycle)
    rows = list(responses.values("via", "status", "answers"))
    rounds = PdmRound.objects.filter(survey__programme=programme)
    if cycle is not None:
        rounds = rounds.filter(cycle=cycle)
    sent = sum(rounds.values_list("sent", flat=True))
    completed = [r for r in rows if r["status"] == PdmResponse.Status.COMPLETED]
    answered_whatsapp = sum(1 for r in completed if r["via"] == PdmResponse.Via.WHATSAPP)
    out = Results(
        sent=sent,
        answered_whatsapp=answered_whatsapp,
        in_person=sum(1 for r in completed if r["via"] == PdmResponse.Via.IN_PERSON),
        respondents=len(completed),
        response_rate=_pct(answered_whatsapp, sent) if sent else None,
        suppressed=len(completed) < MIN_CELL,
    )
    if out.suppressed:
        return out
    answers = [r["answers"] for r in completed]
    base = len(answers)
    out.received_full = _figure(sum(1 for a in answers if a.get("received") == "full"), base)
    out.felt_safe = _figure(sum(1 for a in answers if a.get("safe") == "yes"), base)
    out.asked_exchange = _figure(sum(1 for a in answers if a.get("exchange") == "yes"), base, small_counts=True)
    scores = [int(a["satisfaction"]) for a in answers if a.get("satisfaction")]
    out.satisfaction = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.1")) if scores else None
    for value, label in USE_LABELS.items():
        count = sum(1 for a in answers if value in (a.get("uses") or []))
        out.uses.append((value, str(label), _figure(count, base, small_counts=True)))
    return out
