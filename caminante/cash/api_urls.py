"""REST API v1 routes of the cash app (included under /api/v1/ from caminante/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import RedemptionViewSet, VendorVoucherView, VoucherViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cash/vouchers", VoucherViewSet, basename="cash-voucher")
router.register("cash/redemptions", RedemptionViewSet, basename="cash-redemption")

urlpatterns = [
    path("cash/vendor/vouchers/<str:code>/", VendorVoucherView.as_view(), name="cash-vendor-voucher"),
    path("", include(router.urls)),
]
