"""The safety layer's statistical model: same probabilities as scikit-learn, shipped up to date,
reads indirect wording, keeps the rules' look-alike exceptions, and learns from people's labels."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from caminante.faq import linear, safety, safety_model


@pytest.fixture(scope="module")
def small_examples():
    examples = safety_model.read_examples()
    return examples[::3]


def test_numpy_answers_give_scikit_learns_probabilities(small_examples):
    model = safety_model.train(small_examples)
    pipeline = make_pipeline(
        FeatureUnion(
            [
                (
                    "c",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=False
                    ),
                ),
                ("w", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\w+", lowercase=False)),
            ]
        ),
        LogisticRegression(C=safety_model.C, class_weight="balanced", max_iter=3000),
    )
    pipeline.fit([safety_model.prepare(t) for t, _ in small_examples], [k for _, k in small_examples])
    probes = [
        safety_model.prepare(text)
        for text in ("ya no quiero vivir", "onde fica o ponto", "a", "", "ñandú 123 çã", "di man hit mi bad")
    ]
    assert list(pipeline.classes_) == model.classes
    assert np.abs(pipeline.predict_proba(probes) - model.predict_proba(probes)).max() < 1e-5


def test_the_shipped_model_was_trained_on_the_shipped_data():
    # After changing the training data: caminante faq train-safety --shipped
    assert safety_model.shipped_is_current()


def test_saved_and_loaded_models_answer_alike(tmp_path, small_examples):
    model = safety_model.train(small_examples[:400])
    model.save(tmp_path / "m.npz")
    again = linear.LinearModel.load(tmp_path / "m.npz")
    probe = [safety_model.prepare("me quiero morir")]
    assert again.classes == model.classes and again.trained_on == model.trained_on
    assert np.allclose(again.predict_proba(probe), model.predict_proba(probe), atol=1e-5)


@pytest.mark.parametrize(
    "text,kind",
    [
        ("ya no quiero ser una carga para nadie, mejor desaparezco para siempre", "suicidal_crisis"),
        ("o voluntario disse que me ajuda mais rapido se eu ficar com ele hoje a noite", "psea_report"),
    ],
)
def test_the_model_reads_what_the_rules_do_not(text, kind):
    verdict = safety_model.verdict(safety_model.model(), text)
    assert verdict.kind == kind and verdict.probability >= safety_model.THRESHOLD


def test_a_look_alike_exception_of_the_rules_also_holds_for_the_model():
    text = "me robaron el pasaporte en el bus, que hago?"
    assessment = safety.assess(text)
    assert assessment.kind is None and "human_trafficking" in assessment.cleared
    assert safety_model.verdict(safety_model.model(), text, exclude=assessment.cleared).kind != "human_trafficking"


def test_ordinary_questions_stay_ordinary():
    for text in (
        "donde queda el punto de la cruz roja en cucuta",
        "cuando pagan el bono",
        "Where can I charge my phone?",
    ):
        assert safety.assess(text).kind is None, text


def test_the_long_message_is_read_window_by_window():
    text = (
        "Buenas tardes, queria saber si ya salio la lista del bono de este mes porque me registre hace dos semanas. "
        "El muchacho de la carpa me dijo que si lo acompaño a su cuarto me pone primero en la lista. "
        "Tambien necesito un kit de higiene para mi hija. Gracias."
    )
    assessment = safety.assess(text)
    assert assessment.kind == "psea_report" and "cuarto" in assessment.sentence
    # The same disclosure after a longer ordinary text: its sentence alone decides.
    longer = "Hola. " + " ".join(["Necesito saber cuando pagan el bono y donde queda el punto."] * 6) + text
    assert safety.assess(longer).kind == "psea_report"


def test_labels_from_people_retrain_the_model(tmp_path, monkeypatch):
    phrase = "el senor zapallo azul del galpon me tiene guardada la cedula"
    monkeypatch.setenv("CAMINANTE_DATA_DIR", str(tmp_path))
    before = safety_model.model()
    try:
        trained = safety_model.retrain([(phrase, "human_trafficking")] * 8)
        assert (tmp_path / "models" / "safety.npz").exists()
        assert safety_model.model() is trained and trained.trained_on != before.trained_on
        assert safety_model.verdict(trained, phrase).kind == "human_trafficking"
        safety_model.use(None)  # a new process loads the retrained model from the data directory
        assert safety_model.model().trained_on == trained.trained_on
    finally:
        safety_model.use(before)
