"""Pages of the referrals app (included from caminante/urls.py)."""

urlpatterns: list = []
