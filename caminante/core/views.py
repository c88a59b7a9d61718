from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.i18n import set_language

from .inputs import error_response
from .roles import ROLE_HOME
from .scoping import public


@public
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Staff land on their day page; a vendor or a partner on their own page."""
        name = ROLE_HOME.get(self.request.user.role)
        if name:
            try:
                return reverse(name)
            except NoReverseMatch:  # that part of the platform is not installed
                pass
        return super().get_default_redirect_url()


login = public(LoginView.as_view())
logout = public(auth_views.LogoutView.as_view())
set_language = public(set_language)


def not_found(request, exception=None):
    """API clients get the API's JSON error for any unknown URL under /api/, pages get the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """A malformed request: the API's JSON error under /api/, a translated page elsewhere."""
    message = getattr(exception, "message", "") or _("Some of the data is not valid. Check it and try again.")
    return error_response(request, str(message))


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "error", "message": _("Something went wrong on our side.")}, status=500)
    return defaults.server_error(request)
