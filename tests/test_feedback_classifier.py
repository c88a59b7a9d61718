"""The pure classifier (no database): language, suggestions, and guards on its measured accuracy."""

from hypothesis import given, settings
from hypothesis import strategies as st

from caminante.feedback import classifier, labelled
from caminante.feedback.framework import framework_data


def test_every_category_of_the_classifier_is_in_the_framework():
    data = framework_data()
    categories = {c["key"]: t["key"] for t in data["types"] for c in t["categories"]}
    assert classifier.CATEGORY_TYPE == categories
    sensitive = {c["key"] for t in data["types"] for c in t["categories"] if c.get("sensitive")}
    assert classifier.SENSITIVE_CATEGORIES == sensitive


def test_language_detection():
    assert classifier.detect_language("¿Dónde puedo cargar el celular?") == "es"
    assert classifier.detect_language("Onde posso carregar o celular? Não tenho bateria") == "pt"
    assert classifier.detect_language("Where can I charge my phone?") == "en"
    assert classifier.detect_language("") == "es"


def test_suggestions_in_three_languages():
    cases = {
        "¿Cuándo pagan el bono de este mes?": ("question", "q_cash", "not_sensitive"),
        "A vacina esteriliza as mulheres, dizem": ("observation", "o_rumour_health", "not_sensitive"),
        "Thank you so much for the food": ("praise", "p_service", "not_sensitive"),
        "El voluntario me cobró para anotarme en la lista": ("concern", "c_misconduct", "sensitive"),
        "Um homem armado ameaçou minha família no abrigo": ("concern", "c_threat", "sensitive"),
        # A volunteer's insistent messages at night: the shared safety layer reads a PSEA warning sign.
        "A volunteer keeps messaging me at night": ("concern", "c_sea", "sensitive"),
    }
    for text, (type_, category, sensitivity) in cases.items():
        got = classifier.classify(text)
        assert (got.type, got.category, got.sensitivity) == (type_, category, sensitivity), text


def test_hearsay_of_misconduct_is_a_rumour_still_read_by_a_focal_point_first():
    got = classifier.classify("Dicen que la Cruz Roja se roba las donaciones")
    assert got.type == "observation" and got.sensitivity == "to_clarify" and got.is_confidential


def test_measured_figures_do_not_regress():
    scores = labelled.evaluate(labelled.load())
    for language in ("es", "pt", "en"):
        summary = scores[language].summary()
        assert summary["sensitive_recall"] == 100.0, language
        assert summary["category_accuracy"] >= 90.0, language
    holdout = labelled.evaluate(labelled.load(kind="holdout"))["all"].summary()
    assert holdout["sensitive_recall"] == 100.0 and holdout["type_accuracy"] >= 75.0
    assert len(labelled.load()) >= 300


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_valid_suggestion(text):
    got = classifier.classify(text)
    assert got.category in classifier.CATEGORY_TYPE and got.type == classifier.CATEGORY_TYPE[got.category]
    assert got.sensitivity in (classifier.SENSITIVE, classifier.NOT_SENSITIVE, classifier.TO_CLARIFY)
    assert got.language in ("es", "pt", "en") and 0 <= got.confidence <= 1
