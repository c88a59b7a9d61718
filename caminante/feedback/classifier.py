"""Pure text classifier for community feedback (Spanish, Portuguese, English). No Django import.

It suggests the IFRC framework type and category, and the sensitivity, of what a person said. A
person always confirms or corrects the suggestion; the corrections are kept and measured.

How: the text is lower-cased, accents are stripped, and it is matched against a lexicon of word
stems and phrases per category in the three languages (a stem matches at the start of a word).
Each hit adds its weight to its category; the best category gives the type. Without a hit,
the shape of the text decides (a question mark or question word → question, thanks → praise,
very short → incomplete).

Sensitivity favours recall: missing a report of abuse is the worst error, so any hit of the
sensitive lexicon (sexual exploitation and abuse, misconduct of staff or volunteers, child
protection, threats) marks the item sensitive even when another category wins, and a weaker cue
(someone "touched", "asked for something in exchange", "afraid") marks it "to be clarified", so it
still goes to the confidential queue until a focal point has read it.

On top of the rules, a statistical layer (see the end of this module: character n-gram naive Bayes
trained at first use from the labelled files in data/) decides what the rules are not sure of, and
sends an item "to be clarified" when its probability of being sensitive passes a low threshold.
`classify_rules` is the lexicon and rules alone.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from caminante.faq import safety

RULES_VERSION = "lexicon-1"
VERSION = "lexicon-1+nb-1"

SENSITIVE = "sensitive"
NOT_SENSITIVE = "not_sensitive"
TO_CLARIFY = "to_clarify"

# category -> type
CATEGORY_TYPE = {
    "q_services": "question",
    "q_cash": "question",
    "q_migration": "question",
    "q_health": "question",
    "q_rfl": "question",
    "q_redcross": "question",
    "r_assistance": "request",
    "r_improvement": "request",
    "c_service_quality": "concern",
    "c_staff_behaviour": "concern",
    "c_sea": "concern",
    "c_misconduct": "concern",
    "c_child": "concern",
    "c_threat": "concern",
    "p_service": "praise",
    "p_staff": "praise",
    "o_rumour_health": "observation",
    "o_rumour_redcross": "observation",
    "o_rumour_migration": "observation",
    "o_perception": "observation",
    "i_unclear": "incomplete",
}
SENSITIVE_CATEGORIES = frozenset({"c_sea", "c_misconduct", "c_child", "c_threat"})
# The shared safety layer (caminante.faq.safety, also asked first by the FAQ assistant): a message it
# flags is sensitive here too, in the category of its queue, so the chat, the feedback forms and
# the PDM comments agree. Trafficking, violence and a suicidal crisis are threats to the person
# (a trafficked child: c_child).
SAFETY_CATEGORY = {
    "psea_report": "c_sea",
    "child_protection": "c_child",
    "human_trafficking": "c_threat",
    "violence_gbv": "c_threat",
    "suicidal_crisis": "c_threat",
}
# Ties go to the more specific category: a concern or rumour before a request, any question
# category before the generic "services" one.
TYPE_PRIORITY = {"concern": 5, "observation": 4, "praise": 3, "request": 2, "question": 1, "incomplete": 0}


def _rank(category: str, score: int) -> tuple:
    return (score, TYPE_PRIORITY[CATEGORY_TYPE[category]], category not in ("q_services", "r_assistance"), category)


# Stems / phrases (already without accents, lower case). Weight 2 for strong cues, 1 for weak.
LEXICON: dict[str, list[tuple[str, int]]] = {
    "c_sea": [
        (s, 2)
        for s in (
            "for sex",
            "por sexo",
            "sexo a cambio",
            "sexo em troca",
            "duerme con",
            "duermen con",
            "dormir con",
            "dormirem com",
            "dormir com",
            "sleep with",
            "apalpad",
            "manosead",
            "a cambio de sexo",
            "a cambio de relaciones",
            "a cambio de favores sexuales",
            "favores sexuales",
            "me pidio sexo",
            "pidio sexo",
            "acoso sexual",
            "abuso sexual",
            "abuso sexualmente",
            "abuso de mi hija",
            "me violo",
            "violacion",
            "violo",
            "tocamientos",
            "me manoseo",
            "manose",
            "acoso",
            "acosa",
            "em troca de sexo",
            "troca de sexo",
            "favores sexuais",
            "pediu sexo",
            "assedio sexual",
            "abuso sexual",
            "estupr",
            "me assedi",
            "assedia",
            "apalpou",
            "in exchange for sex",
            "exchange for sex",
            "sexual favours",
            "sexual favors",
            "asked for sex",
            "sexual abuse",
            "sexually abus",
            "sexual harassment",
            "harass",
            "raped",
            "rape",
            "groped",
            "touched me",
            "me toco",
            "me tocou",
            "dormir con el",
            "dormir com ele",
            "sleep with him",
            "salir con el para",
            "sair com ele para",
            "go out with him",
        )
    ],
    "c_misconduct": [
        (s, 2)
        for s in (
            "cobrou",
            "charged",
            "sus conocidos",
            "sus amigos",
            "amigos dela",
            "amigos dele",
            "her friends",
            "his friends",
            "their friends",
            "me cobr",
            "cobran",
            "cobrando",
            "cobraron",
            "cobro por",
            "cobra por",
            "nos cobr",
            "pidio plata",
            "pidio dinero",
            "pidieron dinero",
            "pidio una coima",
            "coima",
            "soborno",
            "mordida",
            "se roba",
            "se robo",
            "robando",
            "roban",
            "se quedan con",
            "se queda con",
            "vende los kits",
            "venden los kits",
            "vendiendo",
            "fraude",
            "solo a sus amigos",
            "solo a sus conocidos",
            "a sus familiares",
            "discrimin",
            "por ser venezolan",
            "por ser negr",
            "por ser trans",
            "por ser gay",
            "por ser indigena",
            "me cobrou",
            "cobraram",
            "cobrando",
            "pediu dinheiro",
            "pediram dinheiro",
            "propina",
            "suborno",
            "rouba",
            "roubou",
            "roubando",
            "desvi",
            "vendem",
            "vendendo",
            "ficam com",
            "fica com",
            "so para os amigos",
            "por ser venezuelan",
            "por ser indigena",
            "charged me",
            "charging",
            "charge us",
            "charged us",
            "asked me for money",
            "asked for money",
            "asked us for money",
            "bribe",
            "steal",
            "stole",
            "stealing",
            "selling the",
            "sells the",
            "sold the",
            "keeps the",
            "kept the",
            "only to his friends",
            "only to their friends",
            "only to her friends",
            "fraud",
            "discriminat",
            "because i am venezuelan",
            "because we are venezuelan",
            "because i am black",
            "because i am trans",
        )
    ],
    "c_child": [
        (s, 2)
        for s in (
            "les pega",
            "bate nelas",
            "bate neles",
            "beats them",
            "nino solo",
            "nina sola",
            "ninos solos",
            "menor solo",
            "menores solos",
            "menor de edad sola",
            "menor de edad solo",
            "sin sus padres",
            "sin padres",
            "sin acompanante",
            "no acompanad",
            "trata de ninos",
            "explotacion infantil",
            "trabajo infantil",
            "maltrat",
            "le pega al nino",
            "le pega a la nina",
            "le pegan a los ninos",
            "golpea a sus hijos",
            "pega a sus hijos",
            "menina sozinha",
            "menino sozinho",
            "criancas sozinhas",
            "crianca sozinha",
            "menor desacompanhad",
            "desacompanhad",
            "sem os pais",
            "trabalho infantil",
            "bate nos filhos",
            "bate na crianca",
            "espancad",
            "child alone",
            "children alone",
            "girl alone",
            "boy alone",
            "unaccompanied",
            "without her parents",
            "without his parents",
            "without their parents",
            "child labour",
            "child labor",
            "beats the child",
            "beats his children",
            "beats her children",
            "beating the children",
            "child trafficking",
            "child abuse",
        )
    ],
    "c_threat": [
        (s, 2)
        for s in (
            "amenaz",
            "me van a matar",
            "matar",
            "extorsion",
            "extorsionan",
            "vacuna a los",
            "cobran vacuna",
            "trata de personas",
            "tratante",
            "grupo armado",
            "grupos armados",
            "me golpe",
            "nos golpe",
            "me pego",
            "golpearon",
            "nos persiguen",
            "me persigue",
            "ameac",
            "ameaca",
            "vao me matar",
            "extorsao",
            "trafico de pessoas",
            "me bateu",
            "bateram",
            "agredi",
            "threat",
            "kill me",
            "going to kill",
            "extortion",
            "extort",
            "trafficking",
            "armed group",
            "beat me",
            "beat us",
            "hit me",
            "attacked",
            "following me",
        )
    ],
    "c_staff_behaviour": [
        (s, 2)
        for s in (
            "me grito",
            "nos grito",
            "grita",
            "gritan",
            "mal trato",
            "malos tratos",
            "nos trataron mal",
            "me trataron mal",
            "me trato mal",
            "groser",
            "falta de respeto",
            "irrespetuos",
            "no me atendio bien",
            "gritou",
            "nos tratou mal",
            "me tratou mal",
            "trataram mal",
            "mal educad",
            "grosseir",
            "desrespeit",
            "shouted",
            "yelled",
            "rude",
            "disrespect",
            "treated us badly",
            "treated me badly",
            "impolite",
        )
    ],
    "c_service_quality": [
        (s, 2)
        for s in (
            "sucia",
            "sucio",
            "suja",
            "sujo",
            "dirty",
            "molhad",
            "mojad",
            "wet",
            "torn",
            "rasgad",
            "did not arrive",
            "didn't arrive",
            "never came",
            "nunca llego",
            "nunca chegou",
            "invalid",
            "no es valido",
            "nobody attended",
            "nadie me atendio",
            "ninguem me atendeu",
            "vencid",
            "podrid",
            "en mal estado",
            "dano",
            "danad",
            "no me dieron",
            "no nos dieron",
            "no recibi",
            "no he recibido",
            "no llego",
            "no llega",
            "no funciona",
            "no sirve",
            "no alcanza",
            "se acabaron",
            "se acabo",
            "espere",
            "horas esperando",
            "todo el dia esperando",
            "no me atendieron",
            "no nos atendieron",
            "no quisieron atender",
            "me rechazaron",
            "queja",
            "reclamo",
            "el bono no",
            "la tarjeta no",
            "el codigo no",
            "estragad",
            "vencido",
            "nao recebi",
            "nao me deram",
            "nao nos deram",
            "nao chegou",
            "nao funciona",
            "acabou",
            "acabaram",
            "esperei",
            "horas esperando",
            "nao me atenderam",
            "nao fomos atendidos",
            "reclamacao",
            "o vale nao",
            "o cartao nao",
            "o codigo nao",
            "expired",
            "rotten",
            "spoiled",
            "broken",
            "did not receive",
            "didn't receive",
            "never received",
            "did not get",
            "didn't get",
            "not working",
            "doesn't work",
            "does not work",
            "ran out",
            "waited",
            "hours waiting",
            "waiting all day",
            "refused to",
            "turned away",
            "complain",
            "the voucher did",
            "the voucher was",
            "the card did",
            "the code did",
            "was rejected",
            "fue rechazad",
            "foi recusad",
        )
    ],
    "o_rumour_health": [
        (s, 2)
        for s in (
            "vacuna esteriliza",
            "esteril",
            "vacuna mata",
            "vacunas matan",
            "chip",
            "la vacuna da",
            "las vacunas dan",
            "vacina esteriliza",
            "a vacina causa",
            "as vacinas causam",
            "vaccine makes",
            "vaccines make",
            "vaccine causes",
            "sterile",
            "sterili",
            "dicen que el agua",
            "dizem que a agua",
            "they say the water",
        )
    ],
    "o_rumour_redcross": [
        (s, 2)
        for s in (
            "entrega los datos",
            "entregan los datos",
            "da los datos",
            "dan nuestros datos",
            "pasa los datos",
            "pasan los datos",
            "comparte los datos",
            "datos a migracion",
            "datos a la policia",
            "entrega os dados",
            "entregam os dados",
            "passa os dados",
            "passam os dados",
            "dados para a policia",
            "dados para a migracao",
            "gives your data",
            "give our data",
            "gives our data",
            "data to migration",
            "data to the police",
            "shares our data",
            "hands our data",
            "dicen que la cruz roja",
            "dizem que a cruz vermelha",
            "they say the red cross",
            "people say the red cross",
            "dicen que regalan",
            "dicen que dan",
            "dizem que dao",
            "dizem que a cruz",
            "they say you give",
        )
    ],
    "o_rumour_migration": [
        (s, 2)
        for s in (
            "cierran",
            "cerrar la frontera",
            "fechar a fronteira",
            "van a cerrar la frontera",
            "cierran la frontera",
            "cerraran la frontera",
            "dicen que la frontera",
            "dicen que van a deportar",
            "deportar a todos",
            "vao fechar a fronteira",
            "fecham a fronteira",
            "dizem que a fronteira",
            "deportar todos",
            "border will close",
            "close the border",
            "closing the border",
            "they say the border",
            "deport everyone",
            "deport all",
        )
    ],
    "o_perception": [
        (s, 1)
        for s in (
            "durmiendo en la calle",
            "dormindo na rua",
            "sleeping on the street",
            "la gente de aqui",
            "los vecinos",
            "nos miran mal",
            "nos odian",
            "xenofob",
            "hay muchos ninos durmiendo",
            "hay mucha gente",
            "cada vez mas",
            "cada vez llegan",
            "os vizinhos",
            "nos olham mal",
            "nos odeiam",
            "cada vez mais",
            "tem muita gente",
            "the locals",
            "the neighbours",
            "the neighbors",
            "hate us",
            "xenophob",
            "more and more",
            "there are many",
            "hay muchas familias",
            "tem muitas familias",
        )
    ],
    "p_service": [
        (s, 2)
        for s in (
            "agradez",
            "bendiga",
            "abencoe",
            "bless",
            "gracias",
            "agradec",
            "bendicion",
            "dios les pague",
            "dios los bendiga",
            "muy buen servicio",
            "excelente",
            "obrigad",
            "agradeco",
            "deus abencoe",
            "otimo atendimento",
            "thank",
            "grateful",
            "god bless",
            "great service",
            "excellent",
        )
    ],
    "p_staff": [
        (s, 2)
        for s in (
            "trato muy bien",
            "tratou muito bem",
            "muy amables",
            "muy amable",
            "los voluntarios son",
            "la voluntaria fue",
            "el voluntario fue",
            "nos trataron muy bien",
            "me trataron muy bien",
            "muito gentis",
            "muito gentil",
            "os voluntarios sao",
            "nos trataram muito bem",
            "very kind",
            "so kind",
            "the volunteers are",
            "the volunteer was",
            "treated us very well",
            "treated me very well",
        )
    ],
    "q_cash": [
        (s, 1)
        for s in (
            "valor",
            "monto",
            "transfer",
            "bono",
            "efectivo",
            "transferencia",
            "tarjeta",
            "pago",
            "vale",
            "dinheiro",
            "cartao",
            "pagamento",
            "voucher",
            "cash",
            "payment",
            "card",
            "money",
            "dinero",
            "plata",
        )
    ],
    "q_migration": [
        (s, 1)
        for s in (
            "interiorizacao",
            "cruzar",
            "permiso",
            "ppt",
            "pep",
            "pasaporte",
            "cedula",
            "documento",
            "papeles",
            "migracion",
            "frontera",
            "refugio",
            "asilo",
            "bus",
            "pasaje",
            "autorizacao",
            "passaporte",
            "documentos",
            "fronteira",
            "refugio",
            "onibus",
            "passagem",
            "permit",
            "passport",
            "papers",
            "border",
            "asylum",
            "refugee",
            "ticket",
            "visa",
        )
    ],
    "q_health": [
        (s, 1)
        for s in (
            "prenatal",
            "pre natal",
            "antenatal",
            "muela",
            "dente",
            "tooth",
            "espalda",
            "costas",
            "back pain",
            "examin",
            "pastillas",
            "presion",
            "pressao",
            "blood pressure",
            "medic",
            "salud",
            "hospital",
            "embaraz",
            "vacuna",
            "enferm",
            "fiebre",
            "dolor",
            "saude",
            "gravid",
            "vacina",
            "doente",
            "febre",
            "health",
            "doctor",
            "pregnan",
            "vaccin",
            "sick",
            "fever",
            "pain",
            "medicine",
        )
    ],
    "q_rfl": [
        (s, 1)
        for s in (
            "celular",
            "phone",
            "buscar",
            "procurar",
            "look for",
            "lost contact",
            "perdi contacto",
            "perdi meu",
            "hermano",
            "irmao",
            "brother",
            "llamada",
            "llamar",
            "internet",
            "wifi",
            "cargar el celular",
            "cargar el telefono",
            "mi familia",
            "familiar",
            "ligacao",
            "ligar",
            "carregar o celular",
            "minha familia",
            "phone call",
            "call my",
            "charge my phone",
            "my family",
            "my son",
            "my daughter",
            "mi hijo",
            "mi hija",
            "meu filho",
            "minha filha",
        )
    ],
    "q_redcross": [
        (s, 1)
        for s in (
            "informacion",
            "informacoes",
            "information",
            "voluntari",
            "mis datos",
            "nuestros datos",
            "meus dados",
            "nossos dados",
            "my data",
            "our data",
            "cruz roja",
            "cruz vermelha",
            "red cross",
        )
    ],
    "q_services": [
        (s, 1)
        for s in (
            "donde",
            "horario",
            "abren",
            "atienden",
            "servicio",
            "onde",
            "horario",
            "abrem",
            "atendem",
            "servico",
            "where",
            "opening",
            "open",
            "service",
        )
    ],
    "r_assistance": [
        (s, 1)
        for s in (
            "necesito",
            "necesitamos",
            "por favor",
            "ayuda",
            "comida",
            "agua",
            "colchon",
            "cobija",
            "frazada",
            "panales",
            "albergue",
            "dormir",
            "zapatos",
            "ropa",
            "medicamento",
            "preciso",
            "precisamos",
            "ajuda",
            "comida",
            "cobertor",
            "fraldas",
            "abrigo",
            "roupa",
            "sapatos",
            "remedio",
            "i need",
            "we need",
            "please",
            "help",
            "food",
            "water",
            "blanket",
            "diapers",
            "nappies",
            "shelter",
            "clothes",
            "shoes",
        )
    ],
    "r_improvement": [
        (s, 2)
        for s in (
            "sillas",
            "cadeiras",
            "chairs",
            "sombra",
            "shade",
            "banos",
            "banheiro",
            "toilet",
            "cartel",
            "cartaz",
            "sign ",
            "faltan",
            "faltam",
            "not enough",
            "no hay suficientes",
            "deberian",
            "deberia",
            "seria bueno",
            "seria mejor",
            "sugiero",
            "sugerencia",
            "propongo",
            "podrian poner",
            "podrian abrir",
            "falta sombra",
            "faltan sillas",
            "deveriam",
            "deveria",
            "seria bom",
            "seria melhor",
            "sugiro",
            "sugestao",
            "poderiam colocar",
            "poderiam abrir",
            "should",
            "would be good",
            "would be better",
            "suggest",
            "could you put",
            "could you open",
            "it would help",
            "ayudaria",
            "ajudaria",
        )
    ],
}

# The lexicon without repeated cues (a cue listed twice in a category counts once).
_LEXICON_CUES = {category: list(dict(cues).items()) for category, cues in LEXICON.items()}

# Weak cues: alone they do not prove a sensitive report, but the item goes to the confidential
# queue "to be clarified" until a focal point has read it.
CLARIFY_CUES = (
    "me toco",
    "nos toco",
    "tocaba",
    "me pidio algo a cambio",
    "algo a cambio",
    "a cambio de",
    "a solas",
    "me invito a salir",
    "miedo",
    "me siento insegura",
    "me siento inseguro",
    "me sigue",
    "me escribe por whatsapp",
    "mensajes",
    "me pidio mi numero",
    "em troca",
    "algo em troca",
    "sozinha com",
    "medo",
    "insegura",
    "me segue",
    "me manda mensagens",
    "pediu meu numero",
    "in exchange",
    "something in return",
    "alone with",
    "afraid",
    "scared",
    "unsafe",
    "keeps messaging",
    "asked for my number",
    "invited me out",
    "el senor de la cruz",
    "o senhor da cruz",
    "the man from the red cross",
)

QUESTION_WORDS = (
    "como",
    "donde",
    "cuando",
    "cuanto",
    "cual",
    "quien",
    "puedo",
    "onde",
    "quando",
    "quanto",
    "qual",
    "quem",
    "posso",
    "how",
    "where",
    "when",
    "what",
    "which",
    "who",
    "can i",
    "do you",
)

STOPWORDS = {
    "es": {
        "el",
        "la",
        "los",
        "las",
        "que",
        "de",
        "y",
        "en",
        "por",
        "para",
        "con",
        "no",
        "una",
        "un",
        "muy",
        "me",
        "nos",
    },
    "pt": {
        "o",
        "a",
        "os",
        "as",
        "que",
        "de",
        "e",
        "em",
        "por",
        "para",
        "com",
        "nao",
        "uma",
        "um",
        "muito",
        "voce",
        "nos",
    },
    "en": {"the", "and", "of", "to", "in", "is", "for", "with", "not", "a", "an", "very", "we", "i", "you", "my"},
}
# Words that tell Spanish and Portuguese apart.
MARKERS = {
    "es": {"y", "el", "los", "muy", "pero", "hay", "usted", "ustedes", "nosotros", "tengo", "gracias", "donde"},
    "pt": {"nao", "voce", "voces", "muito", "mas", "tem", "nos", "obrigado", "obrigada", "onde", "estou", "sao", "e"},
    "en": {"the", "and", "is", "are", "thank", "please", "where", "what", "you", "we", "i"},
}


# Co-occurrence rules for sensitive reports: a report rarely uses the textbook word ("sexual
# exploitation"), but it names an actor and an act. Each group lists stems in es / pt / en.
STAFF = (
    "voluntari",
    "volunteer",
    "funcionari",
    "trabajador",
    "staff",
    "worker",
    "coordinador",
    "coordenador",
    "coordinator",
    "logistic",
    "encargad",
    "responsavel",
    "responsable",
    "chofer",
    "motorista",
    "driver",
    "guardia",
    "seguranca",
    "guard",
    "enfermer",
    "nurse",
    "medico",
    "doctor",
    "el que",
    "la que",
    "o homem",
    "a mulher",
    "the man",
    "the woman",
    "el senor",
    "la senora",
    "o senhor",
    "a senhora",
    "el de ",
    "o pessoal",
    "the guy",
    "el muchacho",
    "o rapaz",
    "cruz roja",
    "cruz vermelha",
    "red cross",
    "anota",
    "lista",
    "list",
    "official",
    "oficial",
    "al senor",
    "del senor",
    "ao senhor",
    "do senhor",
    "man at",
    "men at",
    "fila",
    "queue",
)
SEXUAL = (
    "intim",
    "desnud",
    "nude",
    "naked",
    "pelad",
    "acost",
    "ficasse com",
    "ficar com ele",
    "ficar comigo",
    "spent the night",
    "spend the night",
    "pasar la noche",
    "passar a noite",
    "noche con el",
    "noite com ele",
    "night with him",
    "bes",
    "beij",
    "kiss",
    "novia",
    "namorad",
    "girlfriend",
    "cuerpo",
    "corpo",
    "body",
    "violac",
    "violad",
    "estupr",
    "rape",
    "abus",
    "acos",
    "assedi",
    "harass",
    "manose",
    "apalp",
    "grop",
    "toc",
    "touch",
    "porn",
    "fotos",
    "photos",
    "pictures",
    "sexo",
    "sexu",
    "sex ",
    "sin ropa",
    "sem roupa",
    "without clothes",
    "desnuda",
    "bano de mujeres",
    "banheiro das mulheres",
    "women s showers",
    "women s toilet",
    "nos estamos banando",
    "estamos tomando banho",
    "while we are bathing",
    "showers while",
)
EXCHANGE = (
    "a cambio",
    "em troca",
    "in exchange",
    "in return",
    "parte",
    "part of",
    "cobr",
    "charg",
    "dinero",
    "plata",
    "dinheiro",
    "money",
    "pague",
    "vend",
    "sell",
    "sold",
    "se lleva",
    "se llevan",
    "leva os",
    "levam",
    "takes the",
    "take the",
    "se queda con",
    "fica com",
    "keeps the",
    "keep the",
    "primero",
    "primeiro",
    "first",
    "soborn",
    "suborn",
    "propina",
    "bribe",
    "coima",
    "robo",
    "roub",
    "steal",
    "stole",
    "pay the",
    "pay him",
    "pay her",
    "pay them",
    "paid him",
    "paid her",
    "le paga",
    "le pague",
    "pagarle",
    "paga o",
    "paga a",
    "pagar o",
    "pagar a",
    "pagar al",
    "pagar le",
    "revend",
    "resell",
    "resold",
)
CHILD = (
    "nino",
    "nina",
    "menor",
    "hija",
    "hijo",
    "menina",
    "menino",
    "crianca",
    "filha",
    "filho",
    "child",
    "boy",
    "girl",
    "kid",
    "underage",
    "daughter",
    "son ",
    "adolescent",
    "bebe",
    "baby",
    "chiquit",
    "pequen",
    "teen",
    "adolescente",
)
CHILD_HARM = (
    "solo",
    "sola",
    "sozinh",
    "alone",
    "sin sus padres",
    "sem os pais",
    "without",
    "perdid",
    "lost",
    "pega",
    "golpe",
    "bate",
    "beat",
    "hit",
    "maltrat",
    "trabaj",
    "trabalh",
    "labour",
    "labor",
    "pidiendo",
    "pedindo",
    "beg",
    "reclut",
    "recrut",
    "recruit",
    "trafic",
    "traffick",
    "trata",
    "vend",
    "sell",
    "sold",
    "intim",
    "fotos",
    "photos",
    "abus",
    "encerrad",
    "preso",
    "locked",
    "castig",
    "punish",
    "quemad",
    "queimad",
    "burn",
    "herid",
    "ferid",
    "injur",
    "desaparec",
    "missing",
    "sexo",
    "sexu",
    "obliga",
    "obriga",
    "force",
    "forced",
)
VIOLENCE = (
    "amenaz",
    "ameac",
    "threat",
    "armad",
    "armed",
    "pistola",
    "revolver",
    "gun",
    "cuchillo",
    "faca",
    "knife",
    "reclut",
    "recrut",
    "recruit",
    "extors",
    "secuestr",
    "sequestr",
    "kidnap",
    "desaparecid",
    "matar",
    "kill",
    "muerte",
    "morte",
    "death",
    "golpe",
    "me pego",
    "nos pego",
    "bateram",
    "bateu",
    "beat ",
    "beaten",
    "hit me",
    "hit us",
    "trafic",
    "traffick",
    "trata de",
    "violenc",
    "violent",
    "asesin",
    "assassin",
    "murder",
    "pandill",
    "gangue",
    "gang",
    "disparo",
    "tiro",
    "shot",
    "persig",
    "persegu",
    "follow",
    "racis",
    "discrimin",
    "hacer dano",
    "hacerme dano",
    "lastimar",
    "machucar",
    "hurt me",
    "hurt us",
    "will hurt",
    "harm me",
    "quitaron los documentos",
    "quitaron el pasaporte",
    "tomaram nossos documentos",
    "tomaram os documentos",
    "took our documents",
    "took my passport",
    "no denunciar",
    "no podemos denunciar",
    "nao denunciar",
    "not to report",
)
# Selling or charging for aid is diversion whoever does it.
SALE = ("vend", "revend", "sell", "resell", "resold", "sold", "soborn", "suborn", "bribe", "coima", "propina")
AID = (
    "kit",
    "donad",
    "doad",
    "donat",
    "ayuda",
    "ajuda",
    "aid",
    "comida",
    "food",
    "colchon",
    "colcho",
    "mattress",
    "bono",
    "vale",
    "voucher",
    "cupo",
    "vaga",
    "turno",
    "senha",
    "lista",
    "list",
    "cesta",
    "caja",
    "box",
)
HEARSAY = (
    "dicen que",
    "andan diciendo",
    "dizem que",
    "estao dizendo",
    "andam dizendo",
    "people say",
    "people are saying",
    "they say",
    "rumor",
    "rumour",
    "boato",
    "escuche que",
    "ouvi que",
    "i heard",
    "me dijeron que",
    "me disseram",
    "i was told",
    "en el grupo",
    "no grupo",
    "in the group",
    "corre el",
    "se dice",
    "se comenta",
)


def _any(norm: str, stems) -> bool:
    return any(f" {stem}" in norm for stem in stems)


def sensitive_rule(norm: str) -> str | None:
    """The sensitive category a report falls in by its actor and act, or None."""
    staff = _any(norm, STAFF)
    if _any(norm, VIOLENCE):
        return "c_misconduct" if _any(norm, ("racis", "discrimin")) else "c_threat"
    if _any(norm, CHILD) and _any(norm, CHILD_HARM):
        return "c_child"
    if _any(norm, SEXUAL) and (staff or _any(norm, EXCHANGE)):
        return "c_sea"
    if (staff and _any(norm, EXCHANGE)) or (_any(norm, SALE) and _any(norm, AID)):
        return "c_misconduct"
    return None


def normalize(text: str) -> str:
    """Lower case, no accents, letters and digits separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("ñ", "n")
    return " " + re.sub(r"[^a-z0-9?¿]+", " ", plain).strip() + " "


def detect_language(text: str) -> str:
    """es, pt or en by counting marker words; Spanish when undecided (the default language)."""
    words = normalize(text).replace("?", " ").replace("¿", " ").split()
    scores = {lang: sum(w in MARKERS[lang] or w in STOPWORDS[lang] for w in words) for lang in ("es", "pt", "en")}
    if any(w.endswith(("cao", "coes", "ao")) for w in words):
        scores["pt"] += 1
    best = max(scores, key=lambda lang: (scores[lang], lang == "es"))
    return best if scores[best] > 0 else "es"


def _hits(norm: str, cue: str) -> bool:
    return f" {cue}" in norm


@dataclass(frozen=True)
class Suggestion:
    type: str
    category: str
    sensitivity: str
    confidence: float
    language: str
    matched: tuple[str, ...] = field(default=())
    version: str = VERSION

    @property
    def is_confidential(self) -> bool:
        return self.sensitivity != NOT_SENSITIVE


def lexicon_scores(norm: str) -> tuple[dict[str, int], list[str]]:
    """The weight of the lexicon's hits per category in a normalized text, and the cues hit."""
    scores: dict[str, int] = {}
    matched: list[str] = []
    for category, cues in _LEXICON_CUES.items():
        for cue, weight in cues:
            if f" {cue}" in norm:
                scores[category] = scores.get(category, 0) + weight
                matched.append(cue)
    return scores, matched


def classify_rules(text: str, language: str | None = None) -> Suggestion:
    """The lexicon and rules alone (version "lexicon-1"), without the statistical layer nor the safety layer."""
    norm = normalize(text)
    return _classify_rules(norm, language or detect_language(text), *lexicon_scores(norm))


def _with_safety(text: str, suggestion: Suggestion) -> Suggestion:
    """The shared safety layer has the last word on sensitivity: what it flags is sensitive, in its queue."""
    assessment = safety.assess(text)
    if assessment.kind is None:
        return suggestion
    category = SAFETY_CATEGORY[assessment.kind]
    by_model = any(":model " in rule for rule in assessment.evidence)
    if by_model and suggestion.sensitivity == SENSITIVE and suggestion.category in SENSITIVE_CATEGORIES:
        category = suggestion.category  # the layer's model agrees it is sensitive; the rules name the queue
    elif assessment.kind == "violence_gbv" and suggestion.category == "c_misconduct":
        category = "c_misconduct"  # violence by staff or volunteers: the rules' finer queue
    elif assessment.kind == "human_trafficking" and safety.involves_child(assessment.sentence):
        category = "c_child"  # a child trafficked or made to work: child protection
    matched = (*suggestion.matched, *(f"safety:{rule}" for rule in assessment.evidence))
    return Suggestion(
        CATEGORY_TYPE[category],
        category,
        SENSITIVE,
        suggestion.confidence,
        suggestion.language,
        matched,
        suggestion.version,
    )


def _classify_rules(norm: str, language: str, scores: dict[str, int], matched: list[str]) -> Suggestion:
    words = norm.replace("?", " ").replace("¿", " ").split()
    is_question = "?" in norm or "¿" in norm or any(norm.startswith(f" {w} ") for w in QUESTION_WORDS)
    sensitive_hit = any(scores.get(c, 0) >= 2 for c in SENSITIVE_CATEGORIES)
    if sensitive_hit:
        category = max(SENSITIVE_CATEGORIES, key=lambda c: _rank(c, scores.get(c, 0)))
    elif scores:
        strong = {c: s for c, s in scores.items() if s >= 2}
        if is_question and not any(CATEGORY_TYPE[c] in ("concern", "observation") for c in strong):
            question_scores = {c: s for c, s in scores.items() if CATEGORY_TYPE[c] == "question"}
            category = (
                max(question_scores, key=lambda c: _rank(c, question_scores[c])) if question_scores else "q_services"
            )
        else:
            category = max(scores, key=lambda c: _rank(c, scores[c]))
            if CATEGORY_TYPE[category] == "question" and not is_question:
                category = "r_assistance" if scores.get("r_assistance") else category
    elif is_question:
        category = "q_services"
    elif len(words) < 5:
        category = "i_unclear"
    else:
        category = "r_assistance"
    rule = None if sensitive_hit else sensitive_rule(norm)
    hearsay = _any(norm, HEARSAY)
    if (
        hearsay
        and CATEGORY_TYPE[category] != "observation"
        and not _any(norm, (" me ", " mi ", " my ", " meu", " minha"))
    ):
        rumour = [c for c in scores if CATEGORY_TYPE[c] == "observation"]
        category = max(rumour, key=lambda c: _rank(c, scores[c])) if rumour else "o_perception"
        if sensitive_hit or rule:
            # A rumour of misconduct: still read by a focal point first.
            return Suggestion("observation", category, TO_CLARIFY, 0.3, language, tuple(matched), RULES_VERSION)
    if sensitive_hit:
        sensitivity = SENSITIVE
    elif rule:
        category, sensitivity = rule, SENSITIVE
    elif any(_hits(norm, cue) for cue in CLARIFY_CUES):
        sensitivity = TO_CLARIFY
        # A cue of that kind is about someone's conduct: code it as a concern about staff until clarified.
        if CATEGORY_TYPE[category] != "concern":
            category = "c_staff_behaviour"
    else:
        sensitivity = NOT_SENSITIVE
    total = sum(scores.values())
    confidence = round(scores.get(category, 0) / total, 2) if total else 0.3
    return Suggestion(
        CATEGORY_TYPE[category], category, sensitivity, confidence, language, tuple(matched), RULES_VERSION
    )


# ---- statistical layer ------------------------------------------------------------------------
#
# The lexicon only knows the words someone wrote into it; on wording nobody tuned it for it found
# about six sensitive reports in ten. A naive Bayes model over character n-grams (robust to
# misspellings and to the endings of es/pt/en words) and word pairs, trained at first use from the
# labelled files shipped in data/ (and, when given, from the decisions people took), adds what the
# examples teach. The rules keep the last word where they are sure (a strong sensitive cue); the
# model decides the rest, and a sensitive probability above a low threshold sends the item to the
# confidential queue "to be clarified": a person reads it before anything else happens.

DATA = Path(__file__).parent / "data"
# The files the shipped model learns from ("unseen" is never among them: it measures the model).
TRAINING_KINDS = ("labelled", "holdout", "fresh", "blind", "train")


@dataclass(frozen=True)
class TrainingRow:
    text: str
    category: str
    sensitivity: str = NOT_SENSITIVE
    language: str = ""


def read_rows(kind: str, languages: tuple[str, ...] = ("es", "pt", "en")) -> list[TrainingRow]:
    """The rows of data/{kind}_{language}.txt (`category|sensitivity|text`, # comments)."""
    rows = []
    for language in languages:
        path = DATA / f"{kind}_{language}.txt"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            category, sensitivity, text = line.split("|", 2)
            if category not in CATEGORY_TYPE:
                raise ValueError(f"{path.name}: unknown category {category!r}")
            rows.append(TrainingRow(text, category, sensitivity, language))
    return rows


def features(norm: str) -> set[str]:
    """Character 3- to 5-grams inside each word (with its edges marked) and pairs of words."""
    words = norm.replace("?", " ").replace("¿", " ").split()
    found: set[str] = set()
    for word in words:
        padded = f"<{word}>"
        for n in (3, 4, 5):
            for i in range(len(padded) - n + 1):
                found.add(padded[i : i + n])
    for first, second in zip(words, words[1:], strict=False):
        found.add(f"{first}_{second}")
    if "?" in norm or "¿" in norm:
        found.add("<?>")
    return found


CATEGORIES = tuple(CATEGORY_TYPE)
_SENSITIVE_MASK = np.array([c in SENSITIVE_CATEGORIES for c in CATEGORIES])


class NaiveBayes:
    """Multinomial naive Bayes over the presence of features, equal priors per category (a rare
    category such as trafficking must not lose to the frequent ones by count alone), smoothed by
    `alpha`; `temperature` softens the probabilities (overlapping n-grams are not independent, so
    the raw model is far too sure of itself)."""

    def __init__(self, alpha: float = 0.05, temperature: float = 12.0) -> None:
        self.alpha = alpha
        self.temperature = temperature
        self.index: dict[str, int] = {}
        self.weights = np.zeros((0, len(CATEGORIES)))
        self.base = np.zeros(len(CATEGORIES))
        self.trained_on = 0

    def fit(self, rows: list[TrainingRow]) -> NaiveBayes:
        docs = [(features(normalize(row.text)), CATEGORIES.index(row.category)) for row in rows]
        for feats, _ in docs:
            for f in feats:
                self.index.setdefault(f, len(self.index))
        counts = np.zeros((len(self.index), len(CATEGORIES)))
        for feats, c in docs:
            counts[[self.index[f] for f in feats], c] += 1
        totals = counts.sum(axis=0) + self.alpha * len(self.index)
        # Log-probability of each feature per category; categories without examples stay flat.
        self.base = np.log(self.alpha / totals)
        self.weights = np.log((counts + self.alpha) / totals) - self.base
        self.trained_on = len(rows)
        return self

    def proba(self, norm: str) -> np.ndarray:
        rows = [self.index[f] for f in features(norm) if f in self.index]
        logits = self.weights[rows].sum(axis=0) + len(rows) * self.base if rows else np.zeros(len(CATEGORIES))
        logits = logits / self.temperature
        logits -= logits.max()
        exp = np.exp(logits)
        proba: np.ndarray = exp / exp.sum()
        return proba


def train(
    extra: list[TrainingRow] | tuple[TrainingRow, ...] = (), kinds: tuple[str, ...] = TRAINING_KINDS
) -> NaiveBayes:
    """A model trained on the shipped files of `kinds` plus `extra` rows (e.g. people's decisions)."""
    rows = [row for kind in kinds for row in read_rows(kind)]
    return NaiveBayes().fit(rows + list(extra))


_model: NaiveBayes | None = None
_model_lock = threading.Lock()


def default_model() -> NaiveBayes:
    """The shipped model, trained once per process at first use (well under a second)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = train()
    return _model


def learn(corrections: list[TrainingRow] | tuple[TrainingRow, ...]) -> NaiveBayes:
    """Retrain the shipped model with the decisions people took (text and final category), so that
    the next suggestions learn from them; returns the new model. Call it from a periodic job."""
    global _model
    model = train(corrections)
    with _model_lock:
        _model = model
    return model


# Thresholds on the model's probability that an item is sensitive (the sum over the sensitive
# categories): above CONFIDENT the item is suggested sensitive, above CLARIFY it still goes to the
# confidential queue "to be clarified". Chosen by leave-one-set-out cross-validation
# (bench/feedback/classifier.py --cv), biased to recall.
CONFIDENT = 0.75
CLARIFY = 0.4
# How much a strong lexicon hit (weight >= 2), and the category the rules chose, add to a
# category's probability.
RULE_BONUS = 0.25


def classify(text: str, language: str | None = None, *, model: NaiveBayes | None = None) -> Suggestion:
    """Suggest type, category and sensitivity: the lexicon and rules, then the statistical layer."""
    norm = normalize(text)
    scores, matched = lexicon_scores(norm)
    rules = _classify_rules(norm, language or detect_language(text), scores, matched)
    model = model or default_model()
    proba = model.proba(norm)
    combined = proba.copy()
    for category, score in scores.items():
        if score >= 2:
            combined[CATEGORIES.index(category)] += RULE_BONUS
    combined[CATEGORIES.index(rules.category)] += RULE_BONUS
    p_sensitive = float(proba[_SENSITIVE_MASK].sum())
    if rules.sensitivity == SENSITIVE:
        category, sensitivity = rules.category, SENSITIVE
    else:
        category = CATEGORIES[int(np.argmax(combined))]
        if p_sensitive >= CONFIDENT:
            sensitive = [i for i, c in enumerate(CATEGORIES) if c in SENSITIVE_CATEGORIES]
            category = CATEGORIES[max(sensitive, key=lambda i: combined[i])]
            sensitivity = SENSITIVE
        elif p_sensitive >= CLARIFY or rules.sensitivity == TO_CLARIFY or category in SENSITIVE_CATEGORIES:
            sensitivity = TO_CLARIFY
        else:
            sensitivity = NOT_SENSITIVE
    confidence = round(float(min(1.0, combined[CATEGORIES.index(category)] / combined.sum())), 2)
    return _with_safety(
        text, Suggestion(CATEGORY_TYPE[category], category, sensitivity, confidence, rules.language, rules.matched)
    )
