"""The pure FAQ engine: spec examples, languages, informal writing, abstention, sensitive topics, answers, CLI."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from caminante.faq import Engine, detect, tokens
from caminante.faq.engine import DATA, THRESHOLD

SHARED = Path(__file__).resolve().parents[2] / "shared" / "faq" / "topics.yaml"
SPEC = yaml.safe_load((DATA / "topics.yaml").read_text(encoding="utf-8"))
EXAMPLES = [(t["id"], ex["lang"], ex["text"]) for t in SPEC["topics"] for ex in t["examples"]]
SENSITIVE = {t["id"] for t in SPEC["topics"] if t.get("sensitive")}


@pytest.fixture(scope="module")
def engine():
    return Engine()


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not checked out next to the project")
def test_the_shipped_topics_are_the_shared_specification():
    assert (DATA / "topics.yaml").read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8")


@pytest.mark.parametrize(("topic", "lang", "text"), EXAMPLES, ids=[f"{t}-{lang}" for t, lang, _ in EXAMPLES])
def test_every_spec_example_gets_its_topic_and_language(engine, topic, lang, text):
    result = engine.classify(text)
    assert result.topic == topic, result.ranking
    assert result.lang == lang
    assert result.confidence >= THRESHOLD
    assert result.sensitive == (topic in SENSITIVE)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("ola, dnd keda el punto mas cercano", "hsp_location"),
        ("xq me piden papeles si no tengo", "eligibility_free"),
        ("nesesito comida pa mis chamos", "food_basic_needs_kit"),
        ("ola gente, hay algun chamo solo en la frontera, q hago", "child_protection"),
        ("me kiero matar", "suicidal_crisis"),
        ("HOLAAAA BUENASSS", "greeting"),
        ("Hola, buenas. ¿Tienen kits de higiene?", "hygiene_kit"),
        ("oi, vcs dão chip de celular?", "sim_card"),
        ("i dont want to live anymore", "suicidal_crisis"),
    ],
)
def test_informal_and_misspelled_writing(engine, text, topic):
    assert engine.classify(text).topic == topic


@pytest.mark.parametrize(
    "text",
    ["quien gano el partido", "what's the exchange rate", "me conta uma piada", "mi perro esta enfermo", "asdfgh", ""],
)
def test_out_of_scope_abstains_and_offers_a_person(engine, text):
    result = engine.classify(text, "es")
    assert result.topic is None
    assert result.confidence < THRESHOLD
    assert "persona" in result.answer


def test_sensitive_wins_over_a_service_topic(engine):
    result = engine.classify("Me ofrecieron un trabajo pero el jefe se quedó con mi pasaporte")
    assert result.topic == "human_trafficking"
    assert result.sensitive
    assert engine.classify("Un voluntario me pidió favores sexuales a cambio del kit").topic == "psea_report"


def test_a_greeting_followed_by_a_question_is_the_question(engine):
    assert engine.classify("Hola buenos días, ¿dónde me puedo bañar?").topic == "wash_facilities"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("¿Dónde queda el punto?", "es"),
        ("Onde fica o posto? Não sei", "pt"),
        ("Where is the nearest point?", "en"),
        ("oi, eu quero saber onde fica", "pt"),
        ("hola, yo quiero saber donde queda", "es"),
        ("", "es"),
    ],
)
def test_language_detection(text, lang):
    assert detect(text) == lang


def test_normalisation():
    assert tokens("Hólaaaa, ¿Dónde ESTÁ?") == ("hola", "donde", "esta")
    assert tokens("q xq dnd") == ("que", "porque", "donde")
    assert tokens("I don't") == ("i", "do", "not")


def test_every_topic_has_an_answer_and_a_short_title_in_every_language(engine):
    assert set(engine.topics) == {t["id"] for t in SPEC["topics"]}
    for topic in engine.topics.values():
        for lang in ("es", "pt", "en"):
            answer = engine.answer(topic.id, lang)
            assert 40 < len(answer) < 1024, (topic.id, lang)
            assert "{" not in answer
            assert 0 < len(engine.title(topic.id, lang)) <= 20
    assert "123" in engine.answer("suicidal_crisis", "es", {"emergency": "123"})


def test_cli_prints_json_for_one_message_and_for_stdin_lines():
    env_cmd = [sys.executable, "-m", "caminante.cli", "faq", "ask"]
    env = {"CAMINANTE_TESTING": "1", "PATH": "/usr/bin:/bin"}
    one = subprocess.run([*env_cmd, "Quiero poner una queja", "--json"], capture_output=True, text=True, env=env)
    assert one.returncode == 0, one.stderr
    data = json.loads(one.stdout)
    assert data["topic"] == "complaint"
    assert set(data) == {"topic", "confidence", "lang", "sensitive", "answer"}
    many = subprocess.run(
        [*env_cmd, "--json"], input="Olá, boa tarde\nwho won the match\n", capture_output=True, text=True, env=env
    )
    lines = [json.loads(line) for line in many.stdout.splitlines()]
    assert [(d["topic"], d["lang"]) for d in lines] == [("greeting", "pt"), (None, "en")]
