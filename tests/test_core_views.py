"""Login, lockout, logout, CSRF, session idle timeout, health check."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.builders import fast_hashing  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_and_login(users):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="password"' in page.content
    response = client.post(reverse("login"), {"username": "volunteer.co", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_shows_the_form_again(users):
    response = Client().post(reverse("login"), {"username": "volunteer.co", "password": "wrong-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session


def test_lockout_after_five_failures(users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "volunteer.co", "password": "wrong-password"})
    # Now even the right password is refused.
    response = client.post(reverse("login"), {"username": "volunteer.co", "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    assert settings.AXES_FAILURE_LIMIT == 5
    # Another account from the same address is not locked.
    ok = client.post(reverse("login"), {"username": "officer.co", "password": PASSWORD})
    assert ok.status_code == 302


def test_anonymous_is_sent_to_login(users):
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_is_a_post(users):
    client = Client()
    client.force_login(users["volunteer.co"])
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_csrf_is_enforced(users):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "volunteer.co", "password": PASSWORD}).status_code == 403
    client.force_login(users["volunteer.co"])
    assert client.post(reverse("register"), {"members": "1"}).status_code == 403
    assert client.post(reverse("tally"), {"count": "1"}).status_code == 403


def test_csrf_token_lets_the_form_through(users):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("login"), {"username": "volunteer.co", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_session_idle_timeout(users):
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST  # the clock restarts at each request: an idle timeout
    assert settings.SESSION_COOKIE_HTTPONLY
    client = Client()
    client.force_login(users["volunteer.co"])
    client.get(reverse("home"))
    assert 1700 < client.session.get_expiry_age() <= 1800
    session = client.session
    session.set_expiry(-1)  # idle for longer than the timeout
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_strong_password_hashing_is_configured():
    """The tests swap in a fast hasher; the project's own setting is Argon2."""
    import caminante.settings as project

    assert project.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_healthz_is_public(db):
    response = Client().get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_set_language(users):
    client = Client()
    client.force_login(users["volunteer.co"])
    response = client.post(reverse("set_language"), {"language": "pt", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"
    page = client.get(reverse("home"))
    assert page["Content-Language"] == "pt"
