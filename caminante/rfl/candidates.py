"""The matching steps of a tracing case: find candidates among the people registered with the same
National Society (the registry's duplicate-check search, on the matching engine), the officer's
confirmation or rejection, and the found person's decision under the RFL Code of Conduct.

Only people who gave their consent to family tracing (and have not withdrawn it) are proposed.
A person the officer rejected is never proposed again for that request.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caminante.core import audit
from caminante.registry.engine import reasons
from caminante.registry.models import Consent, ConsentPurpose, PersonServicePoint
from caminante.registry.selectors import find_candidates as registry_candidates

from .models import (
    SEARCHABLE,
    CandidateDecision,
    FoundConsent,
    Status,
    TracingCandidate,
    TracingRequest,
)
from .services import lock, log_status, may_work_on, record_read

#: How many people the registry search returns per probe, and how many candidates are kept.
SEARCH_LIMIT = 20
SHOWN = 10


def _with_tracing_consent(person_ids) -> set:
    return set(
        Consent.objects.filter(
            person_id__in=person_ids, purpose=ConsentPurpose.TRACING, granted=True, withdrawn_at__isnull=True
        ).values_list("person_id", flat=True)
    )


def _probes(tracing: TracingRequest) -> list[dict]:
    """The sought person as the registry search takes it: once with the given names, once more
    with each nickname in their place (people register under the name they use)."""
    sought = tracing.sought
    common = {
        "family_name_1": sought.get("family_names", ""),
        "sex": tracing.sought_sex if tracing.sought_sex in ("female", "male") else "",
    }
    if tracing.sought_birth_year:
        # Only the year is known: the engine compares years for an estimated date.
        common.update(birth_date=date(tracing.sought_birth_year, 7, 1), birth_date_estimated=True)
    names = [sought.get("given_names", "")]
    names += [n.strip() for n in sought.get("nicknames", "").split(",") if n.strip()]
    return [{"given_names": name, **common} for name in dict.fromkeys(names) if name]


def find(user, tracing: TracingRequest) -> list[TracingCandidate]:
    """Search the National Society's registrations for the sought person; keep the candidates
    (best first, with the engine's explanation) for the officer to confirm or reject. An open
    case becomes "being searched"."""
    may_work_on(user, tracing)
    if tracing.status not in SEARCHABLE:
        raise ValidationError({"status": _("Candidates are looked for while the case is open or being searched.")})
    best: dict = {}
    for probe in _probes(tracing):
        for candidate in registry_candidates(user, limit=SEARCH_LIMIT, **probe):
            known = best.get(candidate.person.pk)
            if known is None or candidate.score > known.score:
                best[candidate.person.pk] = candidate
    consenting = _with_tracing_consent(list(best))
    rejected = set(
        TracingCandidate.objects.filter(tracing_request=tracing, decision=CandidateDecision.REJECTED).values_list(
            "person_id", flat=True
        )
    )
    kept = sorted((c for pk, c in best.items() if pk in consenting and pk not in rejected), key=lambda c: -c.score)[
        :SHOWN
    ]
    with transaction.atomic():
        tracing = lock(tracing)
        if tracing.status == Status.OPEN:
            previous, tracing.status, tracing.updated_by = tracing.status, Status.SEARCHING, user
            tracing.save(update_fields=["status", "updated_by", "updated_at"])
            log_status(user, tracing, previous)
        for c in kept:
            TracingCandidate.objects.update_or_create(
                tracing_request=tracing,
                person=c.person,
                defaults={"score": min(max(c.score, 0.0), 1.0), "explanation": c.explanation},
                create_defaults={
                    "score": min(max(c.score, 0.0), 1.0),
                    "explanation": c.explanation,
                    "decision": CandidateDecision.PROPOSED,
                },
            )
        audit.record(user, "rfl.candidates.searched", tracing, data={"code": tracing.code, "found": len(kept)})
    return list(proposed(tracing))


def proposed(tracing: TracingRequest):
    return (
        TracingCandidate.objects.filter(tracing_request=tracing)
        .exclude(decision=CandidateDecision.REJECTED)
        .select_related("person", "person__service_point")
        .order_by("-score")
    )


#: Fields a tracing request never records: their "missing" line says nothing to the officer.
NOT_IN_A_REQUEST = frozenset({"phone", "document_number", "nationality", "place_of_origin"})


def candidate_reasons(candidate: TracingCandidate) -> list[str]:
    """What agrees, what differs, what is missing, translated (the registry's wording)."""
    return reasons(candidate.explanation, NOT_IN_A_REQUEST)


def decide(user, candidate: TracingCandidate, decision: str) -> TracingCandidate:
    """The officer confirms a proposed candidate (the case becomes "possible match") or rejects it
    (it is never proposed again for this request)."""
    tracing = candidate.tracing_request
    may_work_on(user, tracing)
    if decision not in (CandidateDecision.CONFIRMED, CandidateDecision.REJECTED):
        raise ValidationError({"decision": _("Confirm or reject the candidate.")})
    with transaction.atomic():
        tracing = lock(tracing)
        candidate = TracingCandidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.decision != CandidateDecision.PROPOSED:
            raise ValidationError({"decision": _("This candidate was already decided.")})
        if decision == CandidateDecision.CONFIRMED and not tracing.can_move_to(Status.POSSIBLE_MATCH):
            raise ValidationError(
                {"decision": _("A candidate is confirmed while the case is being searched (one match at a time).")}
            )
        now = timezone.now()
        candidate.decision, candidate.decided_at, candidate.decided_by = decision, now, user
        candidate.save(update_fields=["decision", "decided_at", "decided_by"])
        audit.record(
            user,
            "rfl.candidate.decided",
            tracing,
            data={"code": tracing.code, "person": str(candidate.person_id), "decision": decision},
        )
        if decision == CandidateDecision.CONFIRMED:
            previous = tracing.status
            tracing.status, tracing.matched_person_id, tracing.updated_by = (
                Status.POSSIBLE_MATCH,
                candidate.person_id,
                user,
            )
            tracing.save()
            log_status(user, tracing, previous)
    return candidate


def record_located(user, tracing: TracingRequest, found_consent: str) -> TracingRequest:
    """The found person was asked and decided what the enquirer may learn: where they are and how
    to reach them, only that they are safe and well, or nothing. The case becomes "located"."""
    may_work_on(user, tracing)
    if found_consent not in FoundConsent.values:
        raise ValidationError({"found_consent": _("Record what the found person decided.")})
    with transaction.atomic():
        tracing = lock(tracing)
        if not tracing.can_move_to(Status.LOCATED) or tracing.matched_person_id is None:
            raise ValidationError({"status": _("Confirm a candidate before recording that the person is located.")})
        previous = tracing.status
        tracing.status, tracing.found_consent, tracing.located_at = Status.LOCATED, found_consent, timezone.now()
        tracing.updated_by = user
        tracing.save()
        log_status(user, tracing, previous)
        audit.record(user, "rfl.found_consent", tracing, data={"code": tracing.code, "decision": found_consent})
    return tracing


# ---------------------------------------------------------------------------------------------
# What the enquirer may be told


def last_place(person) -> str:
    """Where the person was last served: the most recent service point linked to them."""
    link = (
        PersonServicePoint.objects.filter(person=person).select_related("service_point").order_by("-linked_at").first()
    )
    point = link.service_point if link else person.service_point
    return f"{point.name} ({point.city})"


def safe_and_well_message(tracing: TracingRequest) -> str:
    """The message the officer sends or reads to the enquirer when the found person agreed only to
    a safe-and-well message: that they are well, and nothing of where they are or how to reach
    them. It names the person as the enquirer did in the request (nothing from the registry)."""
    name = tracing.sought.get("given_names", "") or _("the person you are looking for")
    return _(
        "Restoring Family Links, Red Cross — case %(code)s. We found %(name)s, whom you asked us to look for. "
        "%(name)s is safe and well and asked us to tell you so. They did not wish to share where they are "
        "or how to reach them, and we will respect that. If they change their mind, we will tell you."
    ) % {"code": tracing.code, "name": name}


def for_enquirer(user, tracing: TracingRequest) -> dict:
    """What the officer may tell the enquirer, and nothing more than the found person allowed:
    `kind` ("searching", "share_location", "safe_and_well", "nothing"), `location` (only when
    the found person agreed that the enquirer may learn where they are) and `message` (the
    safe-and-well text, which carries no location)."""
    may_work_on(user, tracing)
    consent = tracing.found_consent
    if not consent:
        return {"kind": "searching", "location": None, "message": None}
    if consent == FoundConsent.SHARE_LOCATION and tracing.matched_person_id:
        record_read(user, tracing, "location")
        return {"kind": consent, "location": last_place(tracing.matched_person), "message": None}
    if consent == FoundConsent.SAFE_AND_WELL:
        return {"kind": "safe_and_well", "location": None, "message": safe_and_well_message(tracing)}
    return {"kind": "nothing", "location": None, "message": None}
