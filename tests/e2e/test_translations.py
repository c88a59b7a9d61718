"""The translations are complete, compiled, and used: Spanish by default, Portuguese and English on request.

Not a browser test. Refresh the catalogues with `make messages`, translate every new or fuzzy entry in
caminante/locale/{es,pt}/LC_MESSAGES/django.po, run `make messages` again and commit the .po and .mo files.
"""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# The source strings are English, so the English catalogue may leave entries empty (= the source text).
MUST_TRANSLATE = [code for code in LANGUAGES if code != "en"]
# The project's catalogue, and one per app that keeps its own (caminante/<app>/locale/).
LOCALES = [LOCALE, *sorted(Path(settings.BASE_DIR).glob("*/locale"))]
CATALOGUES = [pytest.param(locale, code, id=f"{locale.parent.name}-{code}") for locale in LOCALES for code in LANGUAGES]
MUST_TRANSLATE_CATALOGUES = [p for p in CATALOGUES if p.values[1] in MUST_TRANSLATE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%|\{\w*\}")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr" or "msgstr[n]"}."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set()}
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, _space, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in sorted(entry.items()) if key.startswith("msgstr")]


def po_path(code: str, locale: Path = LOCALE) -> Path:
    return locale / code / "LC_MESSAGES" / "django.po"


def nplurals(entries: list[dict]) -> int:
    header = entries[0]["msgstr"]
    return int(re.search(r"nplurals=(\d+)", header).group(1))


@pytest.mark.parametrize("locale, code", CATALOGUES)
def test_catalogue_exists_with_a_clean_header(locale, code):
    entries = parse_po(po_path(code, locale))
    header = entries[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"], "a fuzzy header is dropped by msgfmt (and its charset with it)"
    assert re.search(rf"^Language: {code}$", header["msgstr"], re.MULTILINE)
    assert "charset=UTF-8" in header["msgstr"]


@pytest.mark.parametrize("locale, code", CATALOGUES)
def test_no_fuzzy_entries(locale, code):
    fuzzy = [e["msgid"] for e in parse_po(po_path(code, locale))[1:] if "fuzzy" in e["flags"]]
    assert not fuzzy, f"{code}: fuzzy entries (check and translate them): {fuzzy}"


@pytest.mark.parametrize("locale, code", MUST_TRANSLATE_CATALOGUES)
def test_every_entry_is_translated(locale, code):
    entries = parse_po(po_path(code, locale))
    forms = nplurals(entries)
    missing = []
    for entry in entries[1:]:
        values = translations(entry)
        if not all(values) or ("msgid_plural" in entry and len(values) != forms):
            missing.append(entry["msgid"])
    assert not missing, f"{code}: untranslated entries: {missing}"


@pytest.mark.parametrize("locale, code", CATALOGUES)
def test_placeholders_are_kept(locale, code):
    wrong = []
    for entry in parse_po(po_path(code, locale))[1:]:
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for index, value in enumerate(translations(entry)):
            source = sources[min(index, 1)]
            if value and sorted(PLACEHOLDER.findall(value)) != sorted(PLACEHOLDER.findall(source)):
                wrong.append((entry["msgid"], value))
    assert not wrong, f"{code}: placeholders changed: {wrong}"


def po_catalogue(code: str, locale: Path = LOCALE) -> dict:
    """What msgfmt would put in the .mo: translated, non-fuzzy entries, keyed like GNUTranslations."""
    catalogue = {}
    for entry in parse_po(po_path(code, locale))[1:]:
        if "fuzzy" in entry["flags"] or not all(translations(entry)):
            continue
        msgid = (entry["msgctxt"] + "\x04" if "msgctxt" in entry else "") + entry["msgid"]
        if "msgid_plural" in entry:
            for index, value in enumerate(translations(entry)):
                catalogue[(msgid, index)] = value
        else:
            catalogue[msgid] = entry["msgstr"]
    return catalogue


def mo_catalogue(path: Path) -> dict:
    with path.open("rb") as handle:
        catalogue = dict(gettext.GNUTranslations(handle)._catalog)
    catalogue.pop("", None)  # the header
    return catalogue


@pytest.mark.parametrize("locale, code", CATALOGUES)
def test_committed_mo_matches_the_po(locale, code):
    mo = locale / code / "LC_MESSAGES" / "django.mo"
    assert mo.exists(), f"{mo} is missing: run `make messages` and commit the .mo"
    assert mo_catalogue(mo) == po_catalogue(code, locale), f"{mo} is stale: run `make messages` and commit the .mo"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("locale, code", CATALOGUES)
def test_msgfmt_accepts_the_po_and_compiles_the_same_catalogue(locale, code, tmp_path):
    out = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(out), str(po_path(code, locale))], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert mo_catalogue(out) == mo_catalogue(locale / code / "LC_MESSAGES" / "django.mo")


LOGIN_TEXT = {"es": ("Iniciar sesión", "Contraseña"), "pt": ("Entrar", "Senha"), "en": ("Log in", "Password")}


def assert_login_page_in(response, code):
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{code}">' in html
    heading, password = LOGIN_TEXT[code]
    assert f"<h1>{heading}</h1>" in html
    assert f">{password}</label>" in html


@pytest.mark.django_db
def test_login_page_is_spanish_by_default(client):
    assert settings.LANGUAGE_CODE == "es"
    assert_login_page_in(client.get(reverse("login")), "es")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "code"),
    [("pt", "pt"), ("pt-BR,pt;q=0.9", "pt"), ("en-US,en;q=0.8", "en"), ("es-CO", "es"), ("fr-FR", "es")],
)
def test_login_page_follows_the_browser_language(client, accept, code):
    assert_login_page_in(client.get(reverse("login"), headers={"accept-language": accept}), code)


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGUAGES)
def test_language_cookie_wins(client, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    assert_login_page_in(client.get(reverse("login"), headers={"accept-language": "fr"}), code)


@pytest.mark.django_db
def test_language_switch_form_sets_the_cookie(client):
    response = client.post(reverse("set_language"), {"language": "pt", "next": reverse("login")})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"
    assert_login_page_in(client.get(reverse("login")), "pt")


@pytest.mark.parametrize("code", MUST_TRANSLATE)
def test_every_unit_of_service_is_translated(code):
    from caminante.core.catalogue import SERVICE_TYPES, UNIT_LABELS

    with translation.override("en"):  # the source text
        marked = {str(label) for label in UNIT_LABELS}
    units = {row[-1] for row in SERVICE_TYPES} | {"unit"}
    assert units <= marked, f"mark these units in caminante/core/catalogue.py UNIT_LABELS: {units - marked}"
    catalogue = po_catalogue(code)
    assert all(f"unit of service\x04{unit}" in catalogue for unit in units)
