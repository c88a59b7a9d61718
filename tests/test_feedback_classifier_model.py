"""The statistical layer of the feedback classifier: training, learning from people's decisions,
how it combines with the rules, its cross-validated figures and its speed. No database."""

import time

from caminante.feedback import classifier, labelled
from caminante.feedback.classifier import NaiveBayes, TrainingRow


def test_the_model_trains_from_the_shipped_files_and_never_from_the_unseen_set():
    assert "unseen" not in classifier.TRAINING_KINDS
    rows = [row for kind in classifier.TRAINING_KINDS for row in classifier.read_rows(kind)]
    model = classifier.default_model()
    assert model.trained_on == len(rows) >= 1100
    assert {row.category for row in classifier.read_rows("train")} == set(classifier.CATEGORY_TYPE)
    for language in ("es", "pt", "en"):
        assert len(classifier.read_rows("train", (language,))) >= 200, language


def test_probabilities_are_a_distribution_over_every_category():
    proba = classifier.default_model().proba(classifier.normalize("¿dónde cargo el celular?"))
    assert proba.shape == (len(classifier.CATEGORIES),)
    assert abs(proba.sum() - 1) < 1e-9 and (proba >= 0).all()
    assert classifier.CATEGORIES[int(proba.argmax())] == "q_rfl"
    empty = classifier.default_model().proba(classifier.normalize(""))
    assert abs(empty.max() - empty.min()) < 1e-9  # nothing known: no category preferred


def test_indirect_sensitive_reports_the_lexicon_missed_reach_the_confidential_queue():
    # Worded as nobody wrote them in the lexicon or the training file.
    cases = [
        ("el muchacho del registro le dijo a mi prima que la subia en la lista si lo visitaba sola en su cuarto", "es"),
        ("o homem da distribuição disse pra minha cunhada que ela ganhava o colchão se fosse boazinha com ele", "pt"),
        ("the guy at the gate said my sister would get a bed if she kept him company tonight", "en"),
    ]
    for text, language in cases:
        assert classifier.classify_rules(text, language).sensitivity == classifier.NOT_SENSITIVE, text
        assert classifier.classify(text, language).is_confidential, text


def test_ordinary_items_stay_out_of_the_confidential_queue():
    cases = [
        ("¿A qué hora abren el punto mañana?", "es"),
        ("Muito obrigada pelo atendimento, Deus abençoe", "pt"),
        ("Can I charge my phone here?", "en"),
        ("Necesito pañales para mi bebé", "es"),
    ]
    for text, language in cases:
        assert not classifier.classify(text, language).is_confidential, text


def test_a_strong_rule_keeps_the_last_word_on_a_sensitive_report():
    text = "El voluntario me cobró para anotarme en la lista"
    rules = classifier.classify_rules(text, "es")
    got = classifier.classify(text, "es")
    assert rules.sensitivity == got.sensitivity == classifier.SENSITIVE
    assert got.category == rules.category == "c_misconduct"
    assert got.version == classifier.VERSION != rules.version == classifier.RULES_VERSION


def test_learning_from_corrections_changes_the_next_suggestions():
    text = "el señor del kiosko de ustedes pide fotitos a las chamas"
    before = classifier.default_model()
    try:
        corrections = [TrainingRow(text, "c_sea", classifier.SENSITIVE, "es")] * 3
        model = classifier.learn(corrections)
        assert classifier.default_model() is model and model.trained_on == before.trained_on + 3
        got = classifier.classify(text, "es")
        assert got.category == "c_sea" and got.is_confidential
    finally:
        classifier._model = before
    assert classifier.default_model() is before


def test_a_model_trained_on_few_rows_still_gives_valid_suggestions():
    model = NaiveBayes().fit([TrainingRow("gracias", "p_service"), TrainingRow("me amenazaron", "c_threat")])
    got = classifier.classify("me amenazaron de muerte", "es", model=model)
    assert got.category == "c_threat" and got.sensitivity == classifier.SENSITIVE
    got = classifier.classify("mil gracias", "es", model=model)
    assert got.category in classifier.CATEGORY_TYPE and got.type == classifier.CATEGORY_TYPE[got.category]


def test_leave_one_set_out_figures_do_not_regress():
    """Trained on three shipped sets and the training file, tested on the fourth (the figures of
    docs/benchmarks.md): the blind set, never used to tune the rules, is the telling one."""
    train_file = classifier.read_rows("train")
    rows = [row for kind in ("labelled", "holdout", "fresh") for row in classifier.read_rows(kind)] + train_file
    blind = labelled.evaluate(labelled.load(kind="blind"), model=NaiveBayes().fit(rows))["all"].summary()
    rules = labelled.evaluate(labelled.load(kind="blind"), rules_only=True)["all"].summary()
    # The shared safety layer is biased to recall (issue 12): on this set it costs two items of 54
    # read first by a focal point (false confidential 10.0 % before it, 16.7 % with it).
    assert blind["sensitive_recall"] == 100.0 and blind["false_confidential_rate"] <= 17.0
    assert blind["category_accuracy"] >= 80.0 and blind["category_accuracy"] > rules["category_accuracy"] + 30


def test_speed_stays_under_two_milliseconds_per_item():
    examples = labelled.load()
    classifier.default_model()
    timings = []
    for _ in range(3):  # the best of three: the machine is shared
        start = time.perf_counter()
        for example in examples:
            classifier.classify(example.text, example.language)
        timings.append((time.perf_counter() - start) / len(examples))
    assert min(timings) < 0.002


def test_training_takes_well_under_a_second_of_work():
    start = time.process_time()
    classifier.train()
    assert time.process_time() - start < 1.5
