"""Pages of the cash app (included from caminante/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("cash/vendor/", views.vendor_home, name="vendor-home"),
    path("cash/programmes/", views.programme_list, name="cash-programmes"),
    path("cash/programmes/new/", views.programme_new, name="cash-programme-new"),
    path("cash/programmes/<uuid:programme_id>/", views.programme_detail, name="cash-programme"),
    path("cash/cycles/<uuid:cycle_id>/", views.cycle_detail, name="cash-cycle"),
    path("cash/cycles/<uuid:cycle_id>/prepare/", views.cycle_prepare, name="cash-cycle-prepare"),
    path("cash/cycles/<uuid:cycle_id>/approve/", views.cycle_approve, name="cash-cycle-approve"),
    path("cash/cycles/<uuid:cycle_id>/pdm/send/", views.cycle_pdm_send, name="cash-cycle-pdm-send"),
    path("cash/programmes/<uuid:programme_id>/pdm/", views.programme_pdm, name="cash-programme-pdm"),
    path("cash/pdm/entry/", views.pdm_entry, name="cash-pdm-entry"),
    path("cash/vouchers/<uuid:voucher_id>/", views.voucher_detail, name="cash-voucher"),
    path("cash/vouchers/<uuid:voucher_id>/qr.svg", views.voucher_qr, name="cash-voucher-qr"),
    path("cash/vouchers/<uuid:voucher_id>/reissue/", views.voucher_reissue, name="cash-voucher-reissue"),
    path("cash/vendors/", views.vendor_list, name="cash-vendors"),
    path("cash/vendors/<uuid:vendor_id>/", views.vendor_detail, name="cash-vendor"),
    path("cash/settlements/<uuid:settlement_id>/paid/", views.settlement_paid, name="cash-settlement-paid"),
    path("cash/settlements/<uuid:settlement_id>/export.csv", views.settlement_export, name="cash-settlement-export"),
    path(
        "cash/settlements/<uuid:settlement_id>/export.xlsx",
        views.settlement_export_xlsx,
        name="cash-settlement-export-xlsx",
    ),
    path("cash/reconciliation/", views.reconciliation, name="cash-reconciliation"),
    path("cash/provider-reports/", views.provider_reports, name="cash-provider-reports"),
    path("cash/provider-reports/<uuid:report_id>/", views.provider_report, name="cash-provider-report"),
]
