"""The FAQ engine's layers around the patterns: the safety layer and the topic model."""

from pathlib import Path

import pytest
import yaml

from caminante.faq import Engine, normalise, topic_model
from caminante.faq.engine import DATA, THRESHOLD
from caminante.faq.safety import sensitive_topics
from caminante.faq.topic_model import OUT_OF_SCOPE

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench" / "channels"
TRAINING = [
    tuple(line.split("\t", 2))
    for line in (DATA / "training.tsv").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
SPEC_EXAMPLES = {
    example["text"]
    for topic in yaml.safe_load((DATA / "topics.yaml").read_text(encoding="utf-8"))["topics"]
    for example in topic.get("examples", [])
}
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


@pytest.mark.parametrize(
    "path",
    [
        BENCH / "faq_eval_set.tsv",
        BENCH / "faq_eval_blind.tsv",
        BENCH / "faq_eval_unseen.tsv",
        BENCH / "faq_eval_heldout2.tsv",
        ROOT / "bench" / "safety" / "heldout.tsv",
        ROOT / "bench" / "safety" / "heldout2.tsv",
    ],
    ids=lambda p: p.name,
)
def test_no_evaluation_message_is_in_the_training_data(path):
    """Neither model trains on a message of a set that measures it (compared normalised). The
    specification's own examples (topics.yaml) are left out of the comparison: a few are common
    greetings that independent writers also wrote ("bom dia")."""
    from caminante.faq import safety_model

    spec = {normalise(text) for text, _ in topic_model.read_examples() if text in SPEC_EXAMPLES}
    examples = topic_model.read_examples() + safety_model.read_examples()
    training = {normalise(text) for text, _ in examples} - spec
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    evaluation = {normalise(row[-1]) for row in rows if len(row) >= 3 and not row[0].startswith("#")}
    assert len(evaluation) > 100
    assert len(training & evaluation) == 0  # the overlap itself is never printed (private sets)


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


def test_the_safety_layer_on_its_training_paraphrases():
    """In-sample, so a floor, not a figure: recall first, a few ordinary questions handed over."""
    ordinary = [text for t, _, text in TRAINING if t not in SENSITIVE]
    flagged = [text for text in ordinary if sensitive_topics(text)]
    assert len(flagged) <= 0.02 * len(ordinary)
    missed = [(t, text) for t, _, text in TRAINING if t in SENSITIVE and not sensitive_topics(text)]
    assert missed == []


def test_without_the_model_the_gap_stays_open():
    light = Engine(model=False)
    assert light.classify("que beneficios dan a los venezolanos que llegan").topic is None
    assert light.classify("mi jeva me cachetea cuando toma").topic == "violence_gbv"  # the lexicon is not the model


def test_the_shipped_topic_model_was_trained_on_the_shipped_data():
    # After changing the training data: caminante faq train --shipped
    assert topic_model.shipped_is_current()


def test_the_topic_model_ranks_its_own_examples_first():
    sample = topic_model.read_examples()[::10]
    hits = sum((topic_model.guess(text)[0] or OUT_OF_SCOPE) == topic for text, topic in sample)
    assert hits >= 0.9 * len(sample)
    assert topic_model.guess("")[1] < 0.5  # nothing to read: not a confident answer
