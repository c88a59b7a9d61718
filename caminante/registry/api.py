from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from caminante.core import idempotency
from caminante.core.api import ScopedViewSet, StrictSerializer
from caminante.core.models import ServicePoint
from caminante.core.roles import FIELD_WRITERS, PERSON_READERS

from . import selectors, services
from .models import (
    WG_DOMAINS,
    ConsentChannel,
    ConsentPurpose,
    Difficulty,
    DocumentType,
    Household,
    Membership,
    MigrationSituation,
    Person,
    Relationship,
    Sex,
)


class PersonSerializer(serializers.ModelSerializer):
    national_society = serializers.CharField(source="national_society.country.code", read_only=True)
    service_point = serializers.SlugRelatedField(slug_field="code", read_only=True)
    nationality = CountryField()

    class Meta:
        model = Person
        fields = [
            "id",
            "code",
            "national_society",
            "service_point",
            "given_names",
            "family_name_1",
            "family_name_2",
            "sex",
            "birth_date",
            "birth_date_estimated",
            "nationality",
            "document_type",
            "document_number",
            "phone",
            "phone_e164",
            "phone_is_whatsapp",
            "migration_situation",
            "has_disability",
            "pregnant_or_lactating",
            "unaccompanied_or_separated_child",
            "older_person_alone",
            "chronic_illness",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PersonInputSerializer(StrictSerializer):
    given_names = serializers.CharField(max_length=120)
    family_name_1 = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    family_name_2 = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    estimated_age = serializers.IntegerField(required=False, allow_null=True, default=None)
    nationality = CountryField(required=False, allow_blank=True, default="")
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False, default="")
    document_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    phone_is_whatsapp = serializers.BooleanField(required=False, default=False)
    migration_situation = serializers.ChoiceField(choices=MigrationSituation.choices, required=False, default="")
    pregnant_or_lactating = serializers.BooleanField(required=False, default=False)
    unaccompanied_or_separated_child = serializers.BooleanField(required=False, default=False)
    older_person_alone = serializers.BooleanField(required=False, default=False)
    chronic_illness = serializers.BooleanField(required=False, default=False)
    survivor_of_violence = serializers.BooleanField(required=False, default=False)
    washington_group = serializers.DictField(
        child=serializers.ChoiceField(choices=Difficulty.choices), required=False, default=dict
    )
    consents = serializers.ListField(child=serializers.ChoiceField(choices=ConsentPurpose.choices))
    consent_channel = serializers.ChoiceField(choices=ConsentChannel.choices, default=ConsentChannel.IN_PERSON)
    relationship = serializers.ChoiceField(choices=Relationship.choices, required=False, default="")
    existing_person_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    service_point = serializers.SlugRelatedField(
        slug_field="code", queryset=ServicePoint.objects.all(), required=False, allow_null=True, default=None
    )

    def validate_washington_group(self, value):
        allowed = {name for name, _label in WG_DOMAINS}
        unknown = set(value) - allowed
        if unknown:
            raise serializers.ValidationError(f"unknown domains: {', '.join(sorted(unknown))}")
        return value


def person_input(validated: dict) -> tuple[services.PersonInput, ServicePoint | None]:
    """Turn a validated PersonInputSerializer payload into the service's input."""
    data = dict(validated)
    service_point = data.pop("service_point")
    data["wg"] = data.pop("washington_group")
    data["nationality"] = str(data["nationality"] or "")
    if data["existing_person_id"]:
        data["existing_person_id"] = str(data["existing_person_id"])
    return services.PersonInput(**data), service_point


REPLAY = "A replay of an earlier request with this Idempotency-Key: nothing new was created."
CONFLICT = "idempotency_conflict: the Idempotency-Key was used for another request."


def _created_status(replayed: bool) -> int:
    return status.HTTP_200_OK if replayed else status.HTTP_201_CREATED


class PersonViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """People registered at service points, within the caller's scope."""

    serializer_class = PersonSerializer
    queryset = Person.objects.none()  # for the schema; rows come from the scoped selector
    access_roles = PERSON_READERS

    def get_queryset(self):
        return selectors.people_for(self.request.user).select_related("national_society", "service_point")

    @extend_schema(parameters=[OpenApiParameter("search", str, description="name, code, phone or document")])
    def list(self, request, *args, **kwargs):
        query = request.query_params.get("search", "").strip()
        if query:
            # Ranked best first and capped: the page asked for, in the same envelope as the plain list.
            limit, offset = self.paginator.get_limit(request), self.paginator.get_offset(request)
            found = list(selectors.search_people(request.user, query))
            results = PersonSerializer(found[offset : offset + limit], many=True).data
            return Response({"count": len(found), "next": None, "previous": None, "results": results})
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=PersonInputSerializer,
        parameters=[idempotency.SCHEMA_PARAMETER],
        responses={
            201: PersonSerializer,
            200: OpenApiResponse(PersonSerializer, description=REPLAY),
            409: OpenApiResponse(description=CONFLICT),
        },
    )
    def create(self, request):
        self.check_role(FIELD_WRITERS)
        serializer = PersonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, service_point = person_input(serializer.validated_data)
        person_id, replayed = idempotency.create_once(
            request, "person.register", lambda: services.register_person(request.user, data, service_point)
        )
        person = self.get_queryset().get(pk=person_id)
        return Response(
            PersonSerializer(person).data, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        )


class MemberSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(read_only=True)
    code = serializers.CharField(source="person.code", read_only=True)

    class Meta:
        model = Membership
        fields = ["person", "code", "relationship"]


class HouseholdSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField(help_text="The current members (people who moved out are not listed).")
    service_point = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "code", "service_point", "members", "created_at"]

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, household):
        # Filtered in Python so a prefetch of `members__person` serves it without another query.
        current = sorted((m for m in household.members.all() if m.ended_at is None), key=lambda m: m.joined_at)
        return MemberSerializer(current, many=True).data


class MoveSerializer(serializers.Serializer):
    person = serializers.UUIDField(source="person.pk", help_text="The person who moved.")
    code = serializers.CharField(source="person.code")
    from_household = serializers.CharField(
        source="from_household.code", help_text="Code of the household the person was a current member of."
    )
    from_relationship = serializers.CharField(
        help_text="The person's relationship to the head in the old household (a `relationship` value)."
    )
    message = serializers.CharField(help_text="What to tell the volunteer, in the request's language.")


class HouseholdCreatedSerializer(HouseholdSerializer):
    moved = MoveSerializer(
        many=True,
        read_only=True,
        source="moves",
        help_text=(
            "Existing registrations (`existing_person_id`) that were current members of another household: "
            "a person belongs to one household at a time, so each moved here and their old membership ended."
        ),
    )

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "moved"]


class HouseholdInputSerializer(StrictSerializer):
    members = PersonInputSerializer(
        many=True,
        help_text=(
            f"One to {services.MAX_HOUSEHOLD_SIZE} people, exactly one with relationship `head`. "
            "The same `existing_person_id` may appear once only."
        ),
    )
    service_point = serializers.SlugRelatedField(
        slug_field="code", queryset=ServicePoint.objects.all(), required=False, allow_null=True, default=None
    )

    def to_internal_value(self, data):
        # Refuse an oversized household before validating each of its people.
        members = data.get("members") if isinstance(data, dict) else None
        if isinstance(members, list) and len(members) > services.MAX_HOUSEHOLD_SIZE:
            raise serializers.ValidationError({"members": [services.too_many_members(len(members))]})
        return super().to_internal_value(data)


class HouseholdViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = HouseholdSerializer
    queryset = Household.objects.none()
    access_roles = PERSON_READERS

    def get_queryset(self):
        return selectors.households_for(self.request.user).prefetch_related("members__person")

    @extend_schema(
        request=HouseholdInputSerializer,
        parameters=[idempotency.SCHEMA_PARAMETER],
        responses={
            201: HouseholdCreatedSerializer,
            200: OpenApiResponse(
                HouseholdCreatedSerializer, description="A replay of an earlier request with this key."
            ),
            409: OpenApiResponse(description=CONFLICT),
        },
    )
    def create(self, request):
        self.check_role(FIELD_WRITERS)
        serializer = HouseholdInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        members = [person_input(item)[0] for item in serializer.validated_data["members"]]
        created = []

        def register():
            created.append(
                services.register_household(request.user, members, serializer.validated_data["service_point"])
            )
            return created[0]

        household_id, replayed = idempotency.create_once(request, "household.register", register)
        # A replay answers with the household as it is; the moves are told once, when they happen.
        household = created[0] if created and not replayed else self.get_queryset().get(pk=household_id)
        return Response(
            HouseholdCreatedSerializer(household).data,
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )
