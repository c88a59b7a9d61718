"""Restoring Family Links: tracing requests, the candidates the matching engine proposes for them,
their status history, the officer's notes (encrypted) and tasks.

What identifies anyone (the enquirer's name and contact, the sought person's names, nicknames and
places) is kept encrypted at rest (`core.crypto`); what the invariants and the reports need (status,
sex, year of birth, circumstances, vulnerability) stays in plain columns, checked by the database.

The RFL rule is a database invariant too: a case reaches "located" only with the found person's
decision recorded, and "contact restored" or "reunited" only when they agreed that the enquirer
may know where they are.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caminante.core import crypto
from caminante.core.models import NationalSociety, ServicePoint, Tracked
from caminante.registry.models import Sex


class Status(models.TextChoices):
    # "tracing status" context: a request is feminine in Spanish ("solicitud abierta").
    OPEN = "open", pgettext_lazy("tracing status", "Open")
    SEARCHING = "searching", pgettext_lazy("tracing status", "Being searched")
    POSSIBLE_MATCH = "possible_match", pgettext_lazy("tracing status", "Possible match")
    LOCATED = "located", pgettext_lazy("tracing status", "Located")
    CONTACT_RESTORED = "contact_restored", pgettext_lazy("tracing status", "Contact restored")
    REUNITED = "reunited", pgettext_lazy("tracing status", "Reunited")
    CLOSED = "closed", pgettext_lazy("tracing status", "Closed")


class ClosureReason(models.TextChoices):
    FOUND_DEAD = "found_dead", _("The sought person was found dead")
    WITHDRAWN = "withdrawn", _("The enquirer withdrew the request")
    TIME_LIMIT = "time_limit", _("No result after the time limit")
    # After the search succeeded: the link is restored, or the found person declined it.
    LINK_RESTORED = "link_restored", _("Family link restored")
    FOUND_DECLINED = "found_declined", _("Found; the person did not agree to contact")


class Circumstance(models.TextChoices):
    ON_THE_ROUTE = "route", _("Lost contact on the route")
    DETENTION = "detention", _("Detention")
    DEPORTATION = "deportation", _("Deportation")
    DISASTER = "disaster", _("Disaster")
    DEATH_SUSPECTED = "death_suspected", _("Death suspected")
    OTHER = "other", _("Other")


class SoughtRelationship(models.TextChoices):
    """What the sought person is to the enquirer."""

    CHILD = "child", _("Son or daughter")
    PARENT = "parent", _("Father or mother")
    SPOUSE = "spouse", _("Spouse or partner")
    SIBLING = "sibling", _("Brother or sister")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER_RELATIVE = "relative", _("Other relative")
    NOT_RELATED = "not_related", _("Not related (friend, neighbour)")


class FoundConsent(models.TextChoices):
    """The found person's decision under the RFL Code of Conduct."""

    SHARE_LOCATION = "share_location", _("Agrees that the enquirer may learn where they are and how to reach them")
    SAFE_AND_WELL = "safe_and_well", _("Agrees only to a safe-and-well message (no location)")
    REFUSES = "refuses", _("Refuses: nothing is shared with the enquirer")


class DisclosureKind(models.TextChoices):
    """What the enquirer may be told (`candidates.for_enquirer`)."""

    SEARCHING = "searching", _("The search is in progress")
    SHARE_LOCATION = "share_location", _("Where the person is and how to reach them")
    SAFE_AND_WELL = "safe_and_well", _("Only that the person is safe and well")
    NOTHING = "nothing", _("Nothing")


class CandidateDecision(models.TextChoices):
    PROPOSED = "proposed", _("To review")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


# The moves of a case: from -> to. "possible match" is reached by confirming a candidate and
# "located" by recording the found person's decision; every other move is a plain status change.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPEN: frozenset({Status.SEARCHING, Status.CLOSED}),
    Status.SEARCHING: frozenset({Status.POSSIBLE_MATCH, Status.CLOSED}),
    Status.POSSIBLE_MATCH: frozenset({Status.LOCATED, Status.SEARCHING, Status.CLOSED}),
    Status.LOCATED: frozenset({Status.CONTACT_RESTORED, Status.CLOSED}),
    Status.CONTACT_RESTORED: frozenset({Status.REUNITED, Status.CLOSED}),
    Status.REUNITED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
# Statuses in which the case has a matched person, and in which the found person has decided.
MATCHED = (Status.POSSIBLE_MATCH, Status.LOCATED, Status.CONTACT_RESTORED, Status.REUNITED)
DECIDED = (Status.LOCATED, Status.CONTACT_RESTORED, Status.REUNITED)
IN_CONTACT = (Status.CONTACT_RESTORED, Status.REUNITED)
# Statuses in which the engine may still look for candidates.
SEARCHABLE = (Status.OPEN, Status.SEARCHING)


def _values(choices) -> list[str]:
    return sorted(str(v) for v in choices.values)


class TracingRequest(Tracked):
    """One enquirer looking for one person."""

    code = models.CharField(max_length=16, unique=True)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    # Where the request was taken (none for a request taken at the office).
    service_point = models.ForeignKey(ServicePoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    closure_reason = models.CharField(_("reason"), max_length=20, choices=ClosureReason.choices, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The enquirer: name and contact sealed; the consent to process their request is required.
    enquirer_sealed = models.TextField(blank=True, editable=False)
    enquirer_consent = models.BooleanField(_("the enquirer agrees"), default=False)
    # The sought person: names and places sealed.
    sought_sealed = models.TextField(blank=True, editable=False)
    sought_sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    sought_birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    sought_birth_year_estimated = models.BooleanField(default=False)
    last_known_date = models.DateField(_("last known date"), null=True, blank=True)
    circumstance = models.CharField(_("circumstances of separation"), max_length=20, choices=Circumstance.choices)
    relationship = models.CharField(_("relationship"), max_length=12, choices=SoughtRelationship.choices)
    unaccompanied_child = models.BooleanField(_("unaccompanied or separated child"), default=False)
    older_person = models.BooleanField(_("older person"), default=False)
    disability = models.BooleanField(_("person with disability"), default=False)
    # The match and the found person's decision.
    matched_person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    found_consent = models.CharField(max_length=16, choices=FoundConsent.choices, blank=True)
    located_at = models.DateTimeField(null=True, blank=True)
    contact_restored_at = models.DateTimeField(null=True, blank=True)
    reunited_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A child case: when the best-interests step "verification of the family link" was done
    # (`children.record_step`); a child is reunited only after it.
    family_link_verified_at = models.DateTimeField(null=True, blank=True)
    # The deceased-migrant record this case was matched to, set only when two different RFL
    # officers confirmed the match (`deceased.confirm_match`); "found dead" needs it.
    deceased_record = models.ForeignKey(
        "rfl.DeceasedRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["national_society", "status", "-created_at"], name="rfl_tr_ns_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=_values(Status)), name="rfl_tr_status_valid"),
            models.CheckConstraint(
                condition=Q(status=Status.CLOSED, closure_reason__in=_values(ClosureReason), closed_at__isnull=False)
                | (~Q(status=Status.CLOSED) & Q(closure_reason="", closed_at__isnull=True)),
                name="rfl_tr_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[str(s) for s in MATCHED]) | Q(matched_person__isnull=False),
                name="rfl_tr_match_has_person",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[str(s) for s in DECIDED])
                | Q(found_consent__in=_values(FoundConsent), located_at__isnull=False),
                name="rfl_tr_located_has_decision",
            ),
            # The RFL rule: contact is restored only when the found person agreed to it.
            models.CheckConstraint(
                condition=~Q(status__in=[str(s) for s in IN_CONTACT])
                | Q(found_consent=FoundConsent.SHARE_LOCATION, contact_restored_at__isnull=False),
                name="rfl_tr_contact_needs_agreement",
            ),
            models.CheckConstraint(
                condition=~Q(closure_reason=ClosureReason.LINK_RESTORED) | Q(contact_restored_at__isnull=False),
                name="rfl_tr_link_restored_had_contact",
            ),
            models.CheckConstraint(
                condition=~Q(closure_reason=ClosureReason.FOUND_DECLINED)
                | Q(found_consent__in=[FoundConsent.SAFE_AND_WELL, FoundConsent.REFUSES]),
                name="rfl_tr_declined_was_asked",
            ),
            models.CheckConstraint(
                condition=Q(found_consent="") | Q(found_consent__in=_values(FoundConsent)),
                name="rfl_tr_found_consent_valid",
            ),
            models.CheckConstraint(condition=Q(enquirer_consent=True), name="rfl_tr_enquirer_consented"),
            models.CheckConstraint(
                condition=~Q(closure_reason=ClosureReason.FOUND_DEAD) | Q(deceased_record__isnull=False),
                name="rfl_tr_found_dead_confirmed",
            ),
            # A child is reunited only with the family link verified (best-interests procedure).
            models.CheckConstraint(
                condition=~Q(unaccompanied_child=True)
                | (~Q(status=Status.REUNITED) & Q(reunited_at__isnull=True))
                | Q(family_link_verified_at__isnull=False),
                name="rfl_tr_child_reunion_verified",
            ),
            models.CheckConstraint(
                condition=Q(sought_birth_year__isnull=True)
                | Q(sought_birth_year__gte=1900, sought_birth_year__lte=2100),
                name="rfl_tr_birth_year_range",
            ),
            models.CheckConstraint(condition=Q(circumstance__in=_values(Circumstance)), name="rfl_tr_circumstance"),
            models.CheckConstraint(
                condition=Q(relationship__in=_values(SoughtRelationship)), name="rfl_tr_relationship"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    # The sealed parts. Callers that show them audit the read (services.record_read).
    @property
    def enquirer(self) -> dict:
        return crypto.decrypt_json(self.enquirer_sealed)

    @property
    def sought(self) -> dict:
        return crypto.decrypt_json(self.sought_sealed)

    def seal(self, *, enquirer: dict, sought: dict) -> None:
        self.enquirer_sealed = crypto.encrypt_json(enquirer)
        self.sought_sealed = crypto.encrypt_json(sought)

    @property
    def sought_name(self) -> str:
        sought = self.sought
        return " ".join(p for p in (sought.get("given_names", ""), sought.get("family_names", "")) if p)

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(Status(self.status), frozenset())


class StatusChange(models.Model):
    """The history of a case's status, as the officer and the API read it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tracing_request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.tracing_request_id}: {self.from_status} -> {self.to_status}"


class CaseNote(models.Model):
    """An officer's note on a case: sensitive, kept encrypted, every read audited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tracing_request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="notes")
    sealed = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=~Q(sealed=""), name="rfl_note_not_empty")]

    def __str__(self) -> str:
        return f"note {self.pk}"

    @property
    def text(self) -> str:
        return crypto.decrypt_json(self.sealed).get("text", "")


class CaseTask(models.Model):
    """Something to do on a case by a date (call the enquirer back, ask another HSP)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tracing_request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due date"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["done_at", "due_on", "created_at"]
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="rfl_task_has_title")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()


class TracingCandidate(models.Model):
    """A registered person the matching engine proposed for a request, and the officer's decision.

    A rejected person is never proposed again for that request; at most one candidate of a
    request is confirmed at a time (a partial unique index)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tracing_request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    # The engine's per-field explanation ([{"field", "level", "weight", "detail"}]), translated when shown.
    explanation = models.JSONField(default=list)
    decision = models.CharField(max_length=10, choices=CandidateDecision.choices, default=CandidateDecision.PROPOSED)
    found_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["tracing_request", "person"], name="rfl_candidate_unique"),
            models.UniqueConstraint(
                fields=["tracing_request"],
                condition=Q(decision=CandidateDecision.CONFIRMED),
                name="rfl_one_confirmed_candidate",
            ),
            models.CheckConstraint(condition=Q(decision__in=_values(CandidateDecision)), name="rfl_candidate_decision"),
            models.CheckConstraint(
                condition=Q(decision=CandidateDecision.PROPOSED, decided_at__isnull=True)
                | (~Q(decision=CandidateDecision.PROPOSED) & Q(decided_at__isnull=False)),
                name="rfl_candidate_decided_at",
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="rfl_candidate_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.tracing_request_id} ~ {self.person_id} ({self.decision})"


# ---------------------------------------------------------------------------------------------
# Unaccompanied and separated children


class ChildStepKind(models.TextChoices):
    """The best-interests steps of a child case, in their usual order."""

    ASSESSMENT = "assessment", _("Best-interests assessment")
    INTERIM_CARE = "interim_care", _("Interim care arranged")
    TRACING = "tracing", _("Family tracing")
    VERIFICATION = "verification", _("Verification of the family link")


class ChildStep(models.Model):
    """One best-interests step done on a child case (once per kind), with an encrypted note."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tracing_request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="child_steps")
    kind = models.CharField(_("step"), max_length=16, choices=ChildStepKind.choices)
    done_on = models.DateField(_("date"))
    sealed = models.TextField(blank=True, editable=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["done_on", "recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["tracing_request", "kind"], name="rfl_child_step_once"),
            models.CheckConstraint(condition=Q(kind__in=_values(ChildStepKind)), name="rfl_child_step_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.tracing_request_id}: {self.kind}"

    @property
    def note(self) -> str:
        return crypto.decrypt_json(self.sealed).get("text", "") if self.sealed else ""


class ChildReferral(models.Model):
    """A child case referred to the child-protection pathway of the referrals directory: a sent
    referral (`referrals.Referral`) when the child is registered and the officer may refer, or the
    intent recorded (the service chosen) until the child is registered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tracing_request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="child_referrals")
    service = models.ForeignKey("referrals.DirectoryService", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sealed = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.tracing_request_id} -> {self.service_id}"

    @property
    def sent(self) -> bool:
        return self.referral_id is not None

    @property
    def note(self) -> str:
        return crypto.decrypt_json(self.sealed).get("text", "") if self.sealed else ""


# ---------------------------------------------------------------------------------------------
# Deceased migrants


class DeceasedRecord(Tracked):
    """A deceased migrant, kept for matching with tracing requests and a dignified identification.
    What could identify the person or the place (where found, description, belongings, where
    buried, the authority involved) is sealed; the date found, sex and estimated age stay plain
    for matching. Photos are not kept yet."""

    code = models.CharField(max_length=16, unique=True)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    found_on = models.DateField(_("date found"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    sealed = models.TextField(editable=False)

    class Meta:
        ordering = ["-found_on", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(sealed=""), name="rfl_deceased_sealed"),
            models.CheckConstraint(
                condition=Q(estimated_age__isnull=True) | Q(estimated_age__lte=120), name="rfl_deceased_age_range"
            ),
            models.CheckConstraint(condition=Q(found_on__gte="1900-01-01"), name="rfl_deceased_found_on_range"),
            models.CheckConstraint(condition=Q(sex__in=_values(Sex)), name="rfl_deceased_sex"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def details(self) -> dict:
        return crypto.decrypt_json(self.sealed)


class DeceasedMatchState(models.TextChoices):
    PROPOSED = "proposed", _("To confirm")
    CONFIRMED = "confirmed", _("Confirmed by two officers")
    REJECTED = "rejected", _("Rejected")


class DeceasedMatch(models.Model):
    """A possible match between a deceased-migrant record and a tracing request. It is confirmed
    only by two different RFL officers, one after the other (checked by the database)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    deceased = models.ForeignKey(DeceasedRecord, on_delete=models.CASCADE, related_name="matches")
    tracing_request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="deceased_matches")
    state = models.CharField(max_length=10, choices=DeceasedMatchState.choices, default=DeceasedMatchState.PROPOSED)
    proposed_at = models.DateTimeField(default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_confirmed_at = models.DateTimeField(null=True, blank=True)
    second_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_confirmed_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["proposed_at"]
        constraints = [
            models.UniqueConstraint(fields=["deceased", "tracing_request"], name="rfl_deceased_match_unique"),
            models.UniqueConstraint(
                fields=["tracing_request"],
                condition=Q(state=DeceasedMatchState.CONFIRMED),
                name="rfl_deceased_one_confirmed",
            ),
            models.CheckConstraint(condition=Q(state__in=_values(DeceasedMatchState)), name="rfl_deceased_state"),
            # Two people: the second confirmer is never the first.
            models.CheckConstraint(
                condition=Q(second_confirmed_by__isnull=True)
                | Q(first_confirmed_by__isnull=False, second_confirmed_at__isnull=False)
                & ~Q(second_confirmed_by=models.F("first_confirmed_by")),
                name="rfl_deceased_confirmers_differ",
            ),
            models.CheckConstraint(
                condition=Q(first_confirmed_by__isnull=True) | Q(first_confirmed_at__isnull=False),
                name="rfl_deceased_first_dated",
            ),
            models.CheckConstraint(
                condition=Q(state=DeceasedMatchState.CONFIRMED, second_confirmed_by__isnull=False)
                | (~Q(state=DeceasedMatchState.CONFIRMED) & Q(second_confirmed_by__isnull=True)),
                name="rfl_deceased_confirmed_by_two",
            ),
            models.CheckConstraint(
                condition=~Q(state=DeceasedMatchState.REJECTED) | Q(rejected_at__isnull=False),
                name="rfl_deceased_rejected_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deceased_id} ~ {self.tracing_request_id} ({self.state})"
