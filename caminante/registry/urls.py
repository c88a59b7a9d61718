"""Pages of the registry's duplicates review (the person pages are in caminante/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("people/duplicates/", views.duplicates, name="duplicates"),
    path("people/duplicates/<uuid:candidate_id>/", views.duplicate_detail, name="duplicate"),
    path("people/merges/<uuid:merge_id>/unmerge/", views.unmerge, name="unmerge"),
]
