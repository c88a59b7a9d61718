"""REST API v1 routes of the cash app (included under /api/v1/ from caminante/api_urls.py)."""

urlpatterns: list = []
