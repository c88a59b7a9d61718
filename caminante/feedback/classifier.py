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
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

VERSION = "lexicon-1"

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

# Stems / phrases (already without accents, lower case). Weight 2 for strong cues, 1 for weak.
LEXICON: dict[str, list[tuple[str, int]]] = {
    "c_sea": [
        (s, 2)
        for s in (
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
    "voluntario me",
    "voluntaria me",
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
    "que",
    "quien",
    "puedo",
    "hay",
    "onde",
    "quando",
    "quanto",
    "qual",
    "quem",
    "posso",
    "tem",
    "how",
    "where",
    "when",
    "what",
    "which",
    "who",
    "can i",
    "is there",
    "are there",
    "do you",
    "does",
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


def classify(text: str, language: str | None = None) -> Suggestion:
    norm = normalize(text)
    language = language or detect_language(text)
    scores: dict[str, int] = {}
    matched: list[str] = []
    for category, cues in LEXICON.items():
        for cue, weight in cues:
            if _hits(norm, cue):
                scores[category] = scores.get(category, 0) + weight
                matched.append(cue)
    words = norm.replace("?", " ").replace("¿", " ").split()
    is_question = "?" in norm or "¿" in norm or any(norm.startswith(f" {w} ") for w in QUESTION_WORDS)
    sensitive_hit = any(scores.get(c, 0) >= 2 for c in SENSITIVE_CATEGORIES)
    if sensitive_hit:
        category = max(SENSITIVE_CATEGORIES, key=lambda c: (scores.get(c, 0), c))
    elif scores:
        strong = {c: s for c, s in scores.items() if s >= 2}
        if is_question and not any(CATEGORY_TYPE[c] in ("concern", "observation") for c in strong):
            question_scores = {c: s for c, s in scores.items() if CATEGORY_TYPE[c] == "question"}
            category = max(question_scores, key=lambda c: (question_scores[c], c)) if question_scores else "q_services"
        else:
            category = max(scores, key=lambda c: (scores[c], CATEGORY_TYPE[c] != "question", c))
            if CATEGORY_TYPE[category] == "question" and not is_question:
                category = "r_assistance" if scores.get("r_assistance") else category
    elif is_question:
        category = "q_services"
    elif len(words) < 3:
        category = "i_unclear"
    else:
        category = "r_assistance" if not is_question else "q_services"
    if sensitive_hit:
        sensitivity = SENSITIVE
    elif any(_hits(norm, cue) for cue in CLARIFY_CUES):
        sensitivity = TO_CLARIFY
    else:
        sensitivity = NOT_SENSITIVE
    total = sum(scores.values())
    confidence = round(scores.get(category, 0) / total, 2) if total else 0.3
    return Suggestion(CATEGORY_TYPE[category], category, sensitivity, confidence, language, tuple(matched))
