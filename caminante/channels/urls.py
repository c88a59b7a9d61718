"""Pages of the channels app (included from caminante/urls.py)."""

urlpatterns: list = []
