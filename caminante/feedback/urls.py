"""Pages of the feedback app (included from caminante/urls.py)."""

urlpatterns: list = []
