"""Vendor and officer REST API: redeem and look up vouchers (vendor token), list vouchers (officers)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as drf_message  # DRF's own messages and catalogue
from drf_spectacular.drainage import set_override
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from caminante.core.api import HasRole, ScopedViewSet, StrictSerializer, query_params
from caminante.core.fields import ApiDateTimeField
from caminante.core.roles import Role

from . import fastpath, selectors, services
from .models import Redemption, Voucher

OFFICERS = frozenset({Role.OFFICER, Role.DATA_MANAGER, Role.ADMIN})


class VoucherSerializer(serializers.ModelSerializer):
    programme = serializers.UUIDField(source="programme_id", read_only=True)

    class Meta:
        model = Voucher
        fields = ["id", "code", "programme", "value", "balance", "currency", "status", "expires_at", "issued_at"]
        read_only_fields = fields


class VoucherFilter(serializers.Serializer):
    programme = serializers.UUIDField(required=False, help_text="Programme id")
    status = serializers.ChoiceField(choices=Voucher.Status.choices, required=False)


class VoucherViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """A National Society's vouchers, for programme officers and data managers."""

    serializer_class = VoucherSerializer
    queryset = Voucher.objects.none()
    access_roles = OFFICERS

    @extend_schema(parameters=[VoucherFilter])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.vouchers_for(self.request.user).order_by("-issued_at", "code")
        if self.action != "list":
            return qs
        wanted = query_params(self.request, VoucherFilter)
        if wanted.get("programme"):
            qs = qs.filter(programme_id=wanted["programme"])
        if wanted.get("status"):
            qs = qs.filter(status=wanted["status"])
        return qs


class RedemptionRequest(StrictSerializer):
    voucher_code = serializers.CharField(max_length=40)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    check_answer = serializers.CharField(max_length=20, required=False, allow_blank=True)


class RedemptionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    voucher_code = serializers.CharField()
    amount = serializers.CharField()
    balance = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField()


class RedemptionListSerializer(serializers.ModelSerializer):
    voucher_code = serializers.CharField(source="voucher.code")
    currency = serializers.CharField(source="voucher.currency")
    balance = serializers.DecimalField(source="balance_after", max_digits=14, decimal_places=2)

    class Meta:
        model = Redemption
        fields = ["id", "voucher_code", "amount", "balance", "currency", "redeemed_at"]


def _refusal(exc: services.RedemptionError) -> Response:
    return Response({"code": exc.code, "message": exc.message}, status=exc.status)


class VendorTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (same header, same refusals) that reads the token, its user and
    the user's shop in one query, so a redemption does not look the shop up again."""

    def authenticate_credentials(self, key):
        found = fastpath.token_user_and_vendor(key)
        if found is None:
            raise exceptions.AuthenticationFailed(drf_message("Invalid token."))
        user, vendor = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(drf_message("User inactive or deleted."))
        user.cash_vendor_loaded = vendor
        return user, Token(key=key, user=user)


# The same `Authorization: Token ...` scheme as DRF's: one "tokenAuth" component in the schema.
set_override(VendorTokenAuthentication, "suppress_collision_warning", True)


class RedemptionViewSet(ScopedViewSet, mixins.ListModelMixin):
    """A vendor redeems vouchers with its API token. Send an `Idempotency-Key` header: the same key
    replayed returns the first result without spending again."""

    serializer_class = RedemptionListSerializer
    queryset = Redemption.objects.none()
    access_roles = frozenset({Role.VENDOR})
    authentication_classes = [VendorTokenAuthentication, SessionAuthentication]

    def get_queryset(self):
        return selectors.redemptions_of_vendor(self.request.user).order_by("-redeemed_at")

    @extend_schema(
        request=RedemptionRequest,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            201: RedemptionSerializer,
            200: OpenApiResponse(RedemptionSerializer, description="A replay of an earlier request with this key."),
            409: OpenApiResponse(description="insufficient_balance, used_up or idempotency_conflict"),
            410: OpenApiResponse(description="expired or cancelled"),
        },
    )
    def create(self, request):
        payload = RedemptionRequest(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            result = services.redeem(
                request.user,
                code=payload.validated_data["voucher_code"],
                amount=payload.validated_data["amount"],
                idempotency_key=request.headers.get("Idempotency-Key", ""),
                check_answer=payload.validated_data.get("check_answer"),
            )
        except services.RedemptionError as exc:
            return _refusal(exc)
        return Response(result.as_dict(), status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED)


class VendorVoucherView(APIView):
    """Look up a voucher by its code before redeeming: what is left, and the person's first name."""

    permission_classes = [permissions.IsAuthenticated, HasRole]
    access_roles = frozenset({Role.VENDOR})

    @extend_schema(
        responses=inline_serializer(
            "VendorVoucher",
            {
                "code": serializers.CharField(),
                "balance": serializers.CharField(),
                "currency": serializers.CharField(),
                "expires_at": ApiDateTimeField(),
                "first_name": serializers.CharField(),
                "check_question": serializers.CharField(),
            },
        )
    )
    def get(self, request, code):
        try:
            voucher = services.find_voucher_for_vendor(request.user, code)
        except services.RedemptionError as exc:
            if exc.status == 404:
                raise Http404 from exc
            return _refusal(exc)
        return Response(
            {
                "code": voucher.code,
                "balance": str(voucher.balance),
                "currency": voucher.currency,
                "expires_at": voucher.expires_at,
                "first_name": (voucher.entitlement.person.given_names or "").split(" ")[0],
                "check_question": voucher.programme.check_question,
            }
        )
