from django.urls import include, path

from caminante.assistance import views as assistance
from caminante.core import views as core
from caminante.registry import views as registry

urlpatterns = [
    path("", assistance.home, name="home"),
    path("login/", core.login, name="login"),
    path("logout/", core.logout, name="logout"),
    path("i18n/setlang/", core.set_language, name="set_language"),
    path("healthz", core.healthz, name="healthz"),
    path("people/", registry.search, name="search"),
    path("people/register/", registry.register, name="register"),
    path("people/<uuid:person_id>/", registry.person_detail, name="person"),
    path("people/<uuid:person_id>/services/", assistance.record_for_person, name="person_record_service"),
    path("households/<uuid:household_id>/", registry.household_detail, name="household"),
    path("households/<uuid:household_id>/services/", assistance.record_for_household, name="household_record_service"),
    path("tally/", assistance.tally, name="tally"),
    path("indicators/", assistance.indicators, name="indicators"),
    path("", include("caminante.api_urls")),
    path("", include("caminante.channels.urls")),
    path("", include("caminante.cash.urls")),
    path("", include("caminante.feedback.urls")),
    path("", include("caminante.referrals.urls")),
    path("", include("caminante.rfl.urls")),
    path("", include("caminante.registry.urls")),
]

handler400 = "caminante.core.views.bad_request"
handler404 = "caminante.core.views.not_found"
handler500 = "caminante.core.views.server_error"
