"""Pages of the referrals app (included from caminante/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("map/", views.service_map, name="service-map"),
]
