import uuid
from datetime import date

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from caminante.core.models import NationalSociety, ServicePoint, Tracked


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    INTERSEX = "intersex", _("Intersex")
    UNKNOWN = "unknown", _("Not stated")


class MigrationSituation(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    ARRIVING_TO_STAY = "arriving", _("Arriving to stay")
    SETTLED = "settled", _("Settled")
    RETURNING = "returning", _("Returning")
    PENDULAR = "pendular", _("Pendular")
    HOST_COMMUNITY = "host", _("Host community")


class DocumentType(models.TextChoices):
    NONE = "", _("No document")
    VE_CEDULA = "ve_cedula", _("Venezuelan identity card (cédula)")
    PASSPORT = "passport", _("Passport")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    PERMIT = "permit", _("Residence or protection permit (PPT, PEP, carné)")
    NATIONAL_ID = "national_id", _("National identity card (host country)")
    OTHER = "other", _("Other")


class Difficulty(models.TextChoices):
    """Washington Group short set answer scale."""

    NONE = "no", _("No difficulty")
    SOME = "some", _("Some difficulty")
    A_LOT = "a_lot", _("A lot of difficulty")
    CANNOT = "cannot", _("Cannot do at all")
    NOT_ASKED = "", _("Not asked / declined")


WG_DOMAINS = [
    ("wg_seeing", _("Seeing, even if wearing glasses")),
    ("wg_hearing", _("Hearing, even if using a hearing aid")),
    ("wg_walking", _("Walking or climbing steps")),
    ("wg_cognition", _("Remembering or concentrating")),
    ("wg_selfcare", _("Self-care, such as washing all over or dressing")),
    ("wg_communication", _("Communicating in the usual language")),
]


class Household(Tracked):
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="households")
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="households")
    code = models.CharField(max_length=16, unique=True)

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("household", kwargs={"household_id": self.pk})


class Person(Tracked):
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="people")
    # Where the person was first registered.
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="registered_people")
    code = models.CharField(max_length=16, unique=True)
    given_names = models.CharField(_("given names"), max_length=120)
    family_name_1 = models.CharField(_("first family name"), max_length=80, blank=True)
    family_name_2 = models.CharField(_("second family name"), max_length=80, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_date_estimated = models.BooleanField(_("date of birth estimated"), default=False)
    nationality = CountryField(_("nationality"), blank=True)
    document_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices, blank=True)
    document_number = models.CharField(_("document number"), max_length=40, blank=True)
    document_number_normalized = models.CharField(max_length=40, blank=True, db_index=True)
    phone = models.CharField(_("phone / WhatsApp number (as given)"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True)
    phone_is_whatsapp = models.BooleanField(_("uses WhatsApp on this number"), default=False)
    migration_situation = models.CharField(
        _("migration situation"), max_length=12, choices=MigrationSituation.choices, blank=True
    )
    wg_seeing = models.CharField(max_length=6, choices=Difficulty.choices, blank=True)
    wg_hearing = models.CharField(max_length=6, choices=Difficulty.choices, blank=True)
    wg_walking = models.CharField(max_length=6, choices=Difficulty.choices, blank=True)
    wg_cognition = models.CharField(max_length=6, choices=Difficulty.choices, blank=True)
    wg_selfcare = models.CharField(max_length=6, choices=Difficulty.choices, blank=True)
    wg_communication = models.CharField(max_length=6, choices=Difficulty.choices, blank=True)
    # Washington Group disability identifier: "a lot of difficulty" or worse in any domain.
    has_disability = models.BooleanField(default=False, db_index=True)
    pregnant_or_lactating = models.BooleanField(_("pregnant or lactating"), default=False)
    unaccompanied_or_separated_child = models.BooleanField(_("unaccompanied or separated child"), default=False)
    older_person_alone = models.BooleanField(_("older person alone"), default=False)
    chronic_illness = models.BooleanField(_("chronic illness"), default=False)
    # Protection fields (survivor of violence, ...): encrypted, readable by protection roles only.
    protection_data = models.TextField(blank=True, editable=False)
    # Blocking keys for search and duplicate check: sorted pairs of phonetic name keys.
    search_name = models.CharField(max_length=300, blank=True)
    key_given_family1 = models.CharField(max_length=40, blank=True)
    key_given_family2 = models.CharField(max_length=40, blank=True)
    key_families = models.CharField(max_length=40, blank=True)
    key_given2_family1 = models.CharField(max_length=40, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["family_name_1", "given_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_society", "document_type", "document_number_normalized"],
                condition=~Q(document_number_normalized=""),
                name="person_unique_document_per_country",
            ),
        ]
        # Name search always filters by National Society: one index per key, led by it, so the
        # database never builds a bitmap of the whole country (400,000 rows at 1M people).
        indexes = [
            models.Index(fields=["national_society", "key_given_family1"], name="person_ns_key_gf1_idx"),
            models.Index(fields=["national_society", "key_given_family2"], name="person_ns_key_gf2_idx"),
            models.Index(fields=["national_society", "key_families"], name="person_ns_key_ff_idx"),
            models.Index(fields=["national_society", "key_given2_family1"], name="person_ns_key_g2f1_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("person", kwargs={"person_id": self.pk})

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.family_name_1, self.family_name_2) if p)

    def age_on(self, day: date) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int | None:
        return self.age_on(date.today())


class PersonBlockingKey(models.Model):
    """One row per blocking key of each registered person who is not merged into another (the
    matching engine's `blocking_keys`: name pairs, names with the date of birth, phone,
    document). The registration duplicate check reads the ids of the people sharing the most
    keys with the person being registered from the primary key index alone, never from the
    people table. Written by the registry services (register, merge, unmerge) and seed-load."""

    pk = models.CompositePrimaryKey("key", "national_society", "person")
    key = models.CharField(max_length=120)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.key} {self.person_id}"


class PersonServicePoint(models.Model):
    """The service points that have served a person. HSP roles see the people linked to their HSP."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="service_point_links")
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="person_links")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "service_point"], name="person_sp_unique")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.service_point_id}"


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Son or daughter")
    PARENT = "parent", _("Father or mother")
    SIBLING = "sibling", _("Brother or sister")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER_RELATIVE = "relative", _("Other relative")
    NOT_RELATED = "not_related", _("Not related")


class MembershipEnd(models.TextChoices):
    MOVED = "moved", _("Moved to another household")
    REPAIRED = "repaired", _("Ended by the data repair (the person was in several households)")


class MembershipQuerySet(models.QuerySet):
    def current(self):
        """The memberships that have not ended: each person's one current household."""
        return self.filter(ended_at__isnull=True)

    def past(self):
        return self.filter(ended_at__isnull=False)


class Membership(models.Model):
    """A person's place in a household. A person belongs to at most one household at a time
    (`membership_one_current_household`, a partial unique index on PostgreSQL and SQLite); an
    ended membership is kept as history. Read `Membership.objects.current()` (or
    `household.members.current()`, `person.memberships.current()`) unless you want history."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    relationship = models.CharField(max_length=12, choices=Relationship.choices)
    joined_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    end_reason = models.CharField(max_length=10, choices=MembershipEnd.choices, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            # One current household per person (this also makes a person a current member of a
            # household at most once; they may leave and come back, the old row stays as history).
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_at__isnull=True), name="membership_one_current_household"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship="head", ended_at__isnull=True),
                name="household_one_head",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id} ({self.relationship})"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class ConsentPurpose(models.TextChoices):
    ASSISTANCE = "assistance", _("Assistance")
    WHATSAPP = "whatsapp", _("Contact by WhatsApp")
    REFERRALS = "referrals", _("Referrals to other organisations")
    TRACING = "tracing", _("Family tracing")


class ConsentChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    WHATSAPP = "whatsapp", _("By WhatsApp")
    GUARDIAN = "guardian", _("Given by parent or guardian")


class Consent(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=12, choices=ConsentPurpose.choices)
    granted = models.BooleanField(default=True)
    channel = models.CharField(max_length=12, choices=ConsentChannel.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    service_point = models.ForeignKey(ServicePoint, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.purpose} ({'granted' if self.granted else 'refused'})"


# ---- duplicates: decisions, the learned model, the review queue, merges ----------------------


class MatchDecisionKind(models.TextChoices):
    SAME = "same", _("Same person")
    NOT_SAME = "not_same", _("Not the same person")


class MatchDecisionSource(models.TextChoices):
    REGISTRATION = "registration", _("Duplicate check at registration")
    REVIEW = "review", _("Duplicates review")


class MatchDecision(models.Model):
    """A person's answer to "is this the same person?" about a pair, kept forever.

    `person_a` is the existing registration that was shown. `person_b` is the other person when
    there is one (the new person registered after "new person", or the other side of a reviewed
    pair). `probe` keeps what the volunteer typed when the answer was "same person" (no new
    person was created), so the model can learn from the pair later.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    probe = models.JSONField(default=dict, blank=True)
    decision = models.CharField(max_length=10, choices=MatchDecisionKind.choices)
    source = models.CharField(max_length=14, choices=MatchDecisionSource.choices)
    score_shown = models.FloatField(null=True, blank=True)
    decided_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["person_a", "person_b"], name="matchdecision_pair_idx")]

    def __str__(self) -> str:
        return f"{self.person_a_id} / {self.person_b_id}: {self.decision}"


class MatchModel(models.Model):
    """The matching model's parameters learned for one National Society (JSON of `Model.to_dict`)."""

    national_society = models.OneToOneField(NationalSociety, on_delete=models.CASCADE, related_name="+")
    parameters = models.JSONField()
    decisions_used = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"model {self.national_society_id} ({self.decisions_used} decisions)"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    NOT_SAME = "not_same", _("Not the same person")


class DuplicateCandidate(models.Model):
    """A pair of people the engine thinks may be one, waiting for a data manager's review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    # Per-field explanation: [{"field", "level", "weight", "detail"}] (detail in English, translated when shown).
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN)
    found_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_pair_unique")]
        indexes = [models.Index(fields=["national_society", "status", "-score"], name="duplicate_ns_status_idx")]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id} ({self.score:.2f})"


class MergeRecord(models.Model):
    """One merge of `merged` into `survivor`, with exactly the rows that moved, so it can be undone.

    `moved`: [{"model": app_label.model, "field": fk name, "pk": row pk}] re-pointed from merged to
    survivor. `removed`: service point links of the merged person dropped because the survivor
    already had them ({"service_point": id, "linked_at": iso}), re-created on unmerge.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    national_society = models.ForeignKey(NationalSociety, on_delete=models.PROTECT, related_name="+")
    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField(default=list)
    removed = models.JSONField(default=list)
    merged_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)
    unmerged_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unmerged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.survivor_id}"
