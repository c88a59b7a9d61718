"""Pages of the cash app (included from caminante/urls.py)."""

urlpatterns: list = []
