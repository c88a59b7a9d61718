"""Pages of the feedback app (included from caminante/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("feedback/", views.item_list, name="feedback-list"),
    path("feedback/new/", views.intake_hsp, name="feedback-new"),
    path("feedback/new/box/", views.intake_box, name="feedback-box"),
    path("feedback/new/hotline/", views.intake_hotline, name="feedback-hotline"),
    path("feedback/logged/", views.logged, name="feedback-logged"),
    path("feedback/receipt/<uuid:feedback_id>/", views.receipt, name="feedback-receipt"),
    path("feedback/answers/<uuid:feedback_id>/collect/", views.collect, name="feedback-collect"),
    path("feedback/items/<uuid:feedback_id>/", views.item_detail, name="feedback-item"),
    path("feedback/items/<uuid:feedback_id>/act/", views.item_action, name="feedback-act"),
    path("feedback/confidential/", views.confidential_queue, name="feedback-confidential"),
    path("feedback/confidential/<uuid:confidential_id>/", views.confidential_item, name="feedback-confidential-item"),
    path("feedback/dashboard/", views.dashboard, name="feedback-dashboard"),
    path("feedback/trends/", views.trends, name="feedback-trends"),
    path("feedback/export/", views.export, name="feedback-export"),
    path("feedback/rumours/", views.clusters, name="feedback-clusters"),
    path("feedback/rumours/<uuid:cluster_id>/", views.cluster_detail, name="feedback-cluster"),
    path("feedback/framework/", views.framework, name="feedback-framework"),
    path("feedback/focal-points/", views.focal_points, name="feedback-focal-points"),
]
