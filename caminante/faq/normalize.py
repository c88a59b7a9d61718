"""Normalisation of informal, misspelled and accent-free writing (es, pt, en and portuñol)."""

import re
import unicodedata
from functools import lru_cache

# Informal spellings, abbreviations and Venezuelan slang -> a standard word.
SLANG: dict[str, str] = {
    "q": "que",
    "k": "que",
    "ke": "que",
    "qe": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "xk": "porque",
    "x": "por",
    "dnd": "donde",
    "dnde": "donde",
    "dde": "donde",
    "onde": "onde",
    "tb": "tambien",
    "tmb": "tambien",
    "tbn": "tambien",
    "tbm": "tambem",
    "ud": "usted",
    "uds": "ustedes",
    "vc": "voce",
    "vcs": "voces",
    "cm": "como",
    "kmo": "como",
    "pa": "para",
    "pra": "para",
    "msj": "mensaje",
    "msg": "mensagem",
    "xfa": "porfavor",
    "xfavor": "porfavor",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
    "r": "are",
    "im": "i am",
    "dont": "do not",
    "didnt": "did not",
    "doesnt": "does not",
    "cant": "can not",
    "wont": "will not",
    "cannot": "can not",
    "ive": "i have",
    "kiero": "quiero",
    "kero": "quiero",
    "qiero": "quiero",
    "aki": "aqui",
    "aka": "aca",
    "nesesito": "necesito",
    "nesecito": "necesito",
    "nececito": "necesito",
    "nesito": "necesito",
    "ncesito": "necesito",
    "ayudaa": "ayuda",
    "ayudenme": "ayuda",
    "ayudame": "ayuda",
    "plata": "dinero",
    "reales": "dinero",
    "lucas": "dinero",
    "chamba": "trabajo",
    "camello": "trabajo",
    "chambear": "trabajar",
    "chamo": "nino",
    "chama": "nina",
    "chamito": "nino",
    "chamos": "ninos",
    "chamas": "ninas",
    "chamitos": "ninos",
    "chamita": "nina",
    "carajito": "nino",
    "carajita": "nina",
    "pelao": "nino",
    "pelado": "nino",
    "bebe": "bebe",
    "cedula": "documento",
    "wsp": "whatsapp",
    "wasap": "whatsapp",
    "guasap": "whatsapp",
    "vacuna": "vacuna",
    "pana": "amigo",
    "panas": "amigos",
    "coroto": "cosa",
    "corotos": "cosas",
    "jeva": "pareja",
    "jevo": "pareja",
    "marido": "esposo",
    "voluntaro": "voluntario",
    "covid19": "covid",
    "coronavirus": "covid",
    "corona": "covid",
    "sim": "sim",
    "telf": "telefono",
    "tlf": "telefono",
    "cel": "celular",
    "aluguel": "aluguel",
    "arriendo": "arriendo",
    "hsp": "psh",
    "ph": "psh",
}


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_NOT = re.compile(r"n't\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """Lower case, no accents, no punctuation, no stretched letters ("holaaaa"), slang expanded."""
    text = strip_accents(text.lower()).replace("ñ", "n").replace("’", "'")
    text = _NOT.sub(" not", text.replace("can't", "can not").replace("won't", "will not"))
    text = _NON_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1", text)
    out: list[str] = []
    for token in text.split():
        out.extend(SLANG.get(token, token).split())
    return tuple(out)


def normalise(text: str) -> str:
    return " ".join(tokens(text))
