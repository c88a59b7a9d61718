"""REST API v1 routes of the feedback app (included under /api/v1/ from caminante/api_urls.py)."""

urlpatterns: list = []
