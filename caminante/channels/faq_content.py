"""The FAQ engine with the newest answers edited by programme staff (versioned in FaqContent)."""

import threading

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from caminante.core import audit
from caminante.faq import Engine, default_engine
from caminante.faq.engine import DATA, LANGUAGES

from .models import FaqContent

_lock = threading.Lock()
_engines: dict[int, Engine] = {}


def current_engine() -> Engine:
    latest = FaqContent.objects.order_by("-version").values_list("version", "answers_yaml").first()
    if latest is None:
        return default_engine()
    version, text = latest
    with _lock:
        if version not in _engines:
            _engines.clear()
            _engines[version] = Engine(answers_yaml=text)
        return _engines[version]


def current_yaml() -> tuple[int, str]:
    latest = FaqContent.objects.order_by("-version").first()
    if latest is None:
        return 0, (DATA / "answers.yaml").read_text(encoding="utf-8")
    return latest.version, latest.answers_yaml


def check(text: str) -> None:
    """Refuse answers that the engine cannot use: bad YAML, a topic or a language missing, empty text."""
    try:
        data = yaml.safe_load(text)
        engine = Engine(answers_yaml=text)
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, ValueError) as error:
        raise ValidationError(_("The answers could not be read: %(error)s") % {"error": str(error)[:300]}) from error
    for topic in engine.topics.values():
        for lang in LANGUAGES:
            if not str(topic.answers.get(lang) or "").strip():
                raise ValidationError(
                    _("Topic %(topic)s has no answer in %(lang)s.") % {"topic": topic.id, "lang": lang}
                )
    if not isinstance(data, dict):
        raise ValidationError(_("The answers could not be read."))


def save_version(user, text: str, note: str = "") -> FaqContent:
    from caminante.core.roles import Role
    from caminante.core.scoping import require

    require(user, {Role.OFFICER, Role.ADMIN})
    check(text)
    with transaction.atomic():
        version = (FaqContent.objects.aggregate(m=Max("version"))["m"] or 0) + 1
        try:
            content = FaqContent.objects.create(version=version, answers_yaml=text, note=note[:200], created_by=user)
        except IntegrityError as error:  # two saves at once
            raise ValidationError(_("Someone saved a new version at the same time; reload and try again.")) from error
        audit.record(user, "channels.faq.save", content, data={"version": version, "note": note[:200]})
    return content
