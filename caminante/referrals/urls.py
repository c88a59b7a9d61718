"""Pages of the referrals app (included from caminante/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("map/", views.service_map, name="service-map"),
    path("directory/", views.directory, name="directory"),
    path("directory/new/", views.directory_service, name="directory-service-new"),
    path("directory/<uuid:service_id>/", views.directory_service, name="directory-service"),
    path("directory/<uuid:service_id>/verify/", views.directory_verify, name="directory-service-verify"),
    path("directory/organisations/", views.organisations, name="directory-organisations"),
    path("directory/import/", views.directory_import, name="directory-import"),
    path("directory/export.csv", views.directory_export_csv, name="directory-export-csv"),
    path("directory/export.xlsx", views.directory_export_xlsx, name="directory-export-xlsx"),
    path("pathways/", views.pathways, name="pathways"),
    path("pathways/new/", views.pathway, name="pathway-new"),
    path("pathways/<uuid:pathway_id>/", views.pathway, name="pathway"),
    path("people/<uuid:person_id>/refer/", views.refer, name="person-refer"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/<uuid:referral_id>/", views.referral_detail, name="referral"),
    path("partner/", views.partner_home, name="partner-home"),
    path("partner/referrals/<uuid:referral_id>/", views.partner_referral, name="partner-referral"),
    path("r/<str:token>/", views.referral_link, name="referral-link"),
]
