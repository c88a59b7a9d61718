"""The FAQ engine's layers behind the patterns: the safety lexicon and the statistical (n-gram) layer."""

import time
from pathlib import Path

import pytest

from caminante.faq import Engine, normalise
from caminante.faq.engine import DATA, THRESHOLD
from caminante.faq.ngram import OUT_OF_SCOPE, NgramModel, load_examples, train_from
from caminante.faq.safety import sensitive_topics

BENCH = Path(__file__).resolve().parents[1] / "bench" / "channels"
TRAINING = load_examples((DATA / "training.tsv").read_text(encoding="utf-8"))
SENSITIVE = {"child_protection", "suicidal_crisis", "human_trafficking", "psea_report", "violence_gbv"}


@pytest.fixture(scope="module")
def engine():
    return Engine()


def test_the_training_file_is_well_formed_and_covers_every_topic_in_every_language(engine):
    topics = {t for t, _, _ in TRAINING}
    assert topics == set(engine.topics) | {OUT_OF_SCOPE}
    for topic in topics:
        langs = {lang for t, lang, _ in TRAINING if t == topic}
        assert langs == {"es", "pt", "en"}, topic
        assert sum(t == topic for t, _, _ in TRAINING) >= 15, topic
    assert {t.id for t in engine.topics.values() if t.sensitive} == SENSITIVE


@pytest.mark.parametrize("name", ["faq_eval_set.tsv", "faq_eval_blind.tsv"])
def test_no_evaluation_message_is_in_the_training_file(name):
    training = {normalise(text) for _, _, text in TRAINING}
    rows = [line.split("\t", 2) for line in (BENCH / name).read_text(encoding="utf-8").splitlines()]
    evaluation = {normalise(row[2]) for row in rows if len(row) == 3 and not row[0].startswith("#")}
    assert len(evaluation) > 100
    assert not training & evaluation


@pytest.mark.parametrize(
    ("text", "topic", "via"),
    [
        ("que beneficios dan a los venezolanos que llegan", "hsp_services", "model"),
        # A sensitive paraphrase is the safety layer's decision (the model alone never escalates).
        ("un señor del chaleco rojo me pidio fotos", "psea_report", "safety"),
        ("el man con el que vivo me dejo morado el ojo", "violence_gbv", "safety"),
    ],
)
def test_a_paraphrase_that_no_pattern_knows_is_answered_by_the_model(engine, text, topic, via):
    patterns_only, _ = engine._classify_patterns(text, "es")
    assert patterns_only.topic is None
    result = engine.classify(text)
    assert (result.topic, result.via) == (topic, via)
    assert result.confidence >= THRESHOLD
    assert result.answer != engine.answer(None, "es")


@pytest.mark.parametrize(
    "text",
    ["cual es la mejor pizzeria de la ciudad", "quiero ser voluntario", "como esta el clima en lima", "asdf qwer"],
)
def test_out_of_scope_still_abstains_with_the_model(engine, text):
    result = engine.classify(text, "es")
    assert result.topic is None
    assert result.via == "none"
    assert "persona" in result.answer


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("mi amiga dice que ya no quiere seguir en este mundo", "suicidal_crisis"),
        ("el patron guarda la cedula de todos y no nos deja salir de la finca", "human_trafficking"),
        ("mi jeva me cachetea cuando toma", "violence_gbv"),
        ("i owe the smuggler and he makes me work", "human_trafficking"),
        ("unos pelaitos andan sin adultos por la trocha", "child_protection"),
        ("o moço do colete me pediu um beijo em troca da cesta", "psea_report"),
        ("a girl of 12 is travelling with no family", "child_protection"),
    ],
)
def test_indirect_sensitive_wording_routes_to_protection(engine, text, topic):
    patterns_only, _ = engine._classify_patterns(text, "es")
    assert not patterns_only.sensitive  # a service topic or nothing
    result = engine.classify(text)
    assert result.sensitive
    assert result.topic == topic
    assert result.via == "safety"
    assert result.confidence >= 0.75


def test_the_safety_lexicon_flags_no_non_sensitive_training_message():
    flagged = [(t, text) for t, _, text in TRAINING if t not in SENSITIVE and sensitive_topics(text)]
    assert flagged == []
    missed = [(t, text) for t, _, text in TRAINING if t in SENSITIVE and not sensitive_topics(text)]
    assert missed == []


def test_without_the_model_the_gap_stays_open():
    light = Engine(model=False)
    assert light.classify("que beneficios dan a los venezolanos que llegan").topic is None
    assert light.classify("mi jeva me cachetea cuando toma").topic == "violence_gbv"  # the lexicon is not the model


def test_the_model_ranks_its_own_examples_first_and_trains_quickly():
    start = time.perf_counter()
    model = train_from(DATA)
    assert time.perf_counter() - start < 5.0
    assert model.rank("")[:1] == []
    hits = sum(model.rank(text)[0][0] == topic for topic, _, text in TRAINING[::10])
    assert hits >= 0.9 * len(TRAINING[::10])
    tiny = NgramModel([("a", "necesito comida"), ("b", "quiero bañarme")])
    assert tiny.rank("nesecito comidaa")[0][0] == "a"
