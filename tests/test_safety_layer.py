"""The safety layer (caminante.faq.safety): a person must see this now, in the right queue.

Each kind in each language, a disclosure halfway through a long message, messages typed as people
type, the look-alikes that must not be escalated, PSEA reaching the PSEA focal point, and the FAQ
assistant and the feedback classifier agreeing with the layer.
"""

import pytest

from caminante.faq import ask
from caminante.faq.safety import KINDS, Assessment, assess, sentences
from caminante.feedback import classifier

# kind, language, message (written for these tests; the dev set is bench/safety/dev.tsv)
EACH_KIND_EACH_LANGUAGE = [
    ("child_protection", "es", "hay un niño de 7 años solo en el terminal, no aparecen sus papás"),
    ("child_protection", "pt", "minha sobrinha de 12 anos sumiu desde ontem e ninguém sabe onde está"),
    ("child_protection", "en", "a little girl is alone at the border crossing with no adults"),
    ("suicidal_crisis", "es", "ya no quiero vivir más, pienso en quitarme la vida"),
    ("suicidal_crisis", "pt", "não aguento mais, quero morrer"),
    ("suicidal_crisis", "en", "i want to end my life, nobody would miss me"),
    ("human_trafficking", "es", "el patrón de la finca tiene nuestros pasaportes y no nos deja salir"),
    ("human_trafficking", "pt", "me trouxeram pra trabalhar e dizem que eu devo a passagem, não posso sair"),
    ("human_trafficking", "en", "the boss keeps my passport and says i owe him for the trip"),
    ("psea_report", "es", "un voluntario me pidió fotos íntimas a cambio del kit"),
    ("psea_report", "pt", "o funcionário do posto disse que se eu ficar com ele o cartão sai mais rápido"),
    ("psea_report", "en", "a volunteer at the distribution asked me for sex for the voucher"),
    ("violence_gbv", "es", "mi pareja me golpea y me amenaza de muerte"),
    ("violence_gbv", "pt", "meu companheiro me espancou ontem, estou com medo"),
    ("violence_gbv", "en", "two men attacked me on the road and raped me"),
]


@pytest.mark.parametrize(("kind", "lang", "text"), EACH_KIND_EACH_LANGUAGE)
def test_each_kind_in_each_language_reaches_its_queue(kind, lang, text):
    assessment = assess(text)
    assert assessment.kind == kind, (lang, assessment)
    assert assessment.evidence and all(e.startswith(f"{kind}:") for e in assessment.evidence)
    result = ask(text)
    assert (result.topic, result.sensitive, result.via) == (kind, True, "safety")


LONG = [
    (
        "human_trafficking",
        "Hola buenas tardes, quería saber cuándo sale el pago del bono, nos inscribimos en el punto hace tres "
        "semanas y la tarjeta sigue sin saldo. Mi cuñada se fue a trabajar a un restaurante en otra ciudad y "
        "ahora le dicen que debe mucho dinero del viaje, casi no contesta. También quiero saber si el bono "
        "se puede cobrar en cualquier cajero.",
    ),
    (
        "psea_report",
        "Boa tarde. Fiz o cadastro pro auxílio em dinheiro faz um mês e ainda nada. O moço que atende no posto "
        "falou que se eu sair com ele ele resolve rapidinho. Qual o horário de vocês no sábado?",
    ),
    (
        "suicidal_crisis",
        "hello, i lost my work two weeks ago and now the owner wants us out of the room, i have 3 kids. i went "
        "to the office and they said wait. i am so tired, honestly i dont want to go on living like this. "
        "when do you pay the rent help?",
    ),
    (
        "child_protection",
        "buenas, una pregunta del kit de higiene, cuando lo entregan. otra cosa, en la plaza hay una niña "
        "como de 10 años que duerme sola desde hace días, nadie la cuida. gracias",
    ),
]


@pytest.mark.parametrize(("kind", "text"), LONG)
def test_a_disclosure_in_the_middle_of_a_long_message_counts(kind, text):
    assessment = assess(text)
    assert assessment.kind == kind
    assert assessment.sentence and len(assessment.sentence) < len(text) / 1.5  # found in one part, not the whole
    assert ask(text).topic == kind


TYPED_AS_PEOPLE_TYPE = [
    ("suicidal_crisis", "ya no kiero vivirrr xq nada tiene sentido"),
    ("suicidal_crisis", "mequiero matar"),
    ("child_protection", "tengo 16 y toy solaaa aqui en la frontera ayudaaaa"),
    ("human_trafficking", "el jefe tiene mi cedula y nome deja salir"),
    ("psea_report", "el señor del punto dice q si me quedo con el me da el bono mas rapido"),
    ("violence_gbv", "mi marido me pegooo anoche tb a mi hermana"),
    ("violence_gbv", "men attack me in road and force me, pls help"),
    ("human_trafficking", "they took my passaport at the farm and wont let me go"),
]


@pytest.mark.parametrize(("kind", "text"), TYPED_AS_PEOPLE_TYPE)
def test_messages_typed_as_people_type(kind, text):
    assert assess(text).kind == kind


LOOK_ALIKES = [
    "me robaron el pasaporte qué hago",
    "they stole my passport, what do i do",
    "roubaram meu passaporte, o que eu faço",
    "perdí la cédula en el bus, dónde saco otra",
    "me muero de hambre, dónde dan comida",
    "to morrendo de fome",
    "estoy triste porque extraño a mi país, pero estoy bien",
    "i feel sad today but i am ok",
    "quiero inscribir a mi hija en la escuela",
    "how do i enrol my son in school",
    "mi hijo perdió la tarjeta del bono",
    "mis hijos están solos en casa mientras trabajo, hay guardería?",
    "el jefe no me ha pagado la quincena todavía",
    "debo dos meses de arriendo, me ayudan?",
    "el voluntario fue muy amable, gracias",
    "me tocó esperar tres horas en el punto",
    "me retuvieron el pasaporte en migración para revisarlo",
    "no puedo seguir esperando, cuándo sale el bono",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_escalated(text):
    assert assess(text).kind is None
    assert not ask(text).sensitive


def test_a_stolen_passport_is_cleared_and_a_kept_one_is_trafficking():
    stolen = assess("me robaron el pasaporte, qué hago")
    assert stolen.kind is None and "human_trafficking" in stolen.cleared
    assert assess("el dueño de la finca se quedó con mi pasaporte").kind == "human_trafficking"
    assert assess("me ofrecieron trabajo pero tengo que dejar mi cédula mientras tanto").kind == "human_trafficking"


@pytest.mark.parametrize(
    "text",
    [
        "un funcionario de la cruz roja abusó de mi hija de 13",  # a child, but by an aid worker
        "the volunteer who hands out the kits grabbed me and forced me",  # violent, but by an aid worker
        "o voluntário do abrigo pediu beijo em troca da cesta",
        "el muchacho del chaleco me dijo que si salgo con él me pone en la lista",
    ],
)
def test_psea_reaches_the_psea_focal_point_not_child_protection_or_violence(text):
    assert assess(text).kind == "psea_report"
    assert ask(text).topic == "psea_report"
    assert classifier.classify(text).category == "c_sea"


@pytest.mark.parametrize(("kind", "text"), [(k, t) for k, _, t in EACH_KIND_EACH_LANGUAGE] + LONG)
def test_the_feedback_classifier_agrees_with_the_layer(kind, text):
    got = classifier.classify(text)
    assert got.sensitivity == classifier.SENSITIVE
    assert got.category == classifier.SAFETY_CATEGORY[kind]
    assert any(m.startswith("safety:") for m in got.matched)


def test_every_kind_maps_to_a_sensitive_feedback_category():
    assert set(classifier.SAFETY_CATEGORY) == set(KINDS)
    assert set(classifier.SAFETY_CATEGORY.values()) <= classifier.SENSITIVE_CATEGORIES


def test_sentences_and_the_empty_message():
    assert sentences("Hola. Mi hijo se perdió!\nayudaaaa") == ["hola", "mi hijo se perdio", "ayuda"]
    assert assess("") == Assessment(None)
    assert assess("   ") == Assessment(None)
