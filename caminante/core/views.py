from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.views.i18n import set_language

from .scoping import public


@public
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


login = public(auth_views.LoginView.as_view(redirect_authenticated_user=True))
logout = public(auth_views.LogoutView.as_view())
set_language = public(set_language)
