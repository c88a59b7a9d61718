"""Language of a short chat message: es, pt or en (portuñol is read as the language it leans to)."""

import re

from .normalize import strip_accents

_WORDS: dict[str, frozenset[str]] = {
    "es": frozenset(
        "el la los las que de y en un una por para con mi me yo es esta estoy donde como cuando quiero puedo "
        "tengo necesito ayuda hola buenas gracias usted ustedes hay pero muy mas hijo hija nino nina esposo "
        "familia trabajo dinero comida bano ducha dormir noche tienen dan hacer saber tambien ya ahora aqui "
        "del al su sus ellos nos le lo se si sin sobre porque pueden quisiera necesitamos queja persona "
        "tarjeta llamar perdi mis datos mucho triste vivir morir pagar".split()
    ),
    "pt": frozenset(
        "o a os as que de e em um uma por para com meu minha eu e esta estou onde como quando quero posso "
        "tenho preciso ajuda ola oi obrigado obrigada voce voces tem mas muito mais filho filha crianca "
        "familia trabalho dinheiro comida banheiro chuveiro dormir noite fazer saber tambem agora aqui do da "
        "dos das no na nos nas seu sua eles ele ela nao sim sem sobre porque podem gostaria pessoa chip ligar "
        "perdi meus dados triste viver morrer pagar vale cadastro sofri fui pela pelo vocês estão tá".split()
    ),
    "en": frozenset(
        "the a an of and in on to for with my me i is are am was where how when want can have need help "
        "hello hi thanks thank you your there but very more son daughter child family work money food toilet "
        "shower sleep night do know also now here it they we he she not no yes without about because could "
        "would please person call lost data sad live die pay get do does what which who "
        "stop sending messages send any there anyone".split()
    ),
}
# Letters and endings that only one of the languages uses.
_HINTS = [
    (re.compile(r"ñ|¿|¡|\bll|cion\b|ción"), "es", 1.5),
    (re.compile(r"ção|ções|ã|õ|\bnh|lh|\bvoc[eê]"), "pt", 1.5),
    (re.compile(r"\b(th|wh)\w*"), "en", 0.7),
]


def detect(text: str, default: str = "es") -> str:
    lowered = text.lower()
    words = re.findall(r"[a-z]+", strip_accents(lowered))
    scores = {lang: 0.0 for lang in _WORDS}
    for word in words:
        hits = [lang for lang, vocab in _WORDS.items() if word in vocab]
        for lang in hits:
            scores[lang] += 1.0 / len(hits)
    for pattern, lang, weight in _HINTS:
        scores[lang] += weight * len(pattern.findall(lowered))
    best = max(scores.values())
    if best <= 0:
        return default
    leaders = [lang for lang in ("es", "pt", "en") if scores[lang] == best]
    return default if default in leaders else leaders[0]
