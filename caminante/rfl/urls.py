"""Pages of the RFL app (included from caminante/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("rfl/", views.request_list, name="rfl-list"),
    path("rfl/new/", views.request_new, name="rfl-new"),
    path("rfl/children/", views.child_list, name="rfl-children"),
    path("rfl/deceased/", views.deceased_list, name="rfl-deceased-list"),
    path("rfl/deceased/new/", views.deceased_new, name="rfl-deceased-new"),
    path("rfl/deceased/<uuid:deceased_id>/", views.deceased_detail, name="rfl-deceased"),
    path("rfl/<uuid:tracing_id>/", views.request_detail, name="rfl-request"),
    path("rfl/<uuid:tracing_id>/candidates/", views.request_candidates, name="rfl-candidates"),
]
