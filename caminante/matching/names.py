"""Spanish given-name nicknames (hipocorísticos) and their full forms.

Each group lists a full name first, then the short forms people use for it on a form or when a
relative describes them ("Chuo" for Jesús, "Majo" for María José). Groups may overlap ("Beto"
is Alberto, Roberto or Humberto); a nickname then links to every full name it can stand for.
"""

from __future__ import annotations

from functools import lru_cache

from caminante.matching.normalize import fold, phonetic_key

_GROUPS: tuple[tuple[str, ...], ...] = (
    ("jose", "pepe", "chepe", "cheo", "pepito", "joselito"),
    ("francisco", "pancho", "paco", "chico", "frank", "cisco", "panchito"),
    ("jesus", "chucho", "chuo", "chuy", "chus"),
    ("manuel", "manolo", "manu", "meme"),
    ("guadalupe", "lupe", "lupita"),
    ("concepcion", "concha", "conchita", "chon"),
    ("dolores", "lola", "loli", "lolita"),
    ("rosario", "charo", "chayo"),
    ("ignacio", "nacho"),
    ("enrique", "quique", "kike"),
    ("alejandro", "alejo", "ale", "alex", "jandro"),
    ("alejandra", "ale", "alex", "jandra"),
    ("alexander", "alex", "alexis"),
    ("alexandra", "alex", "sandra"),
    ("antonio", "tono", "tony", "toni", "nono"),
    ("luis", "lucho", "lucho", "wicho"),
    ("rafael", "rafa", "rafucho", "fael"),
    ("fernando", "nando", "fer"),
    ("fernanda", "fer", "nanda"),
    ("eduardo", "lalo", "edu", "guayo"),
    ("gregorio", "goyo"),
    ("isabel", "chabela", "isa", "chave"),
    ("mercedes", "meche", "mecha"),
    ("josefa", "pepa", "chepa"),
    ("josefina", "pepa", "fina", "chepina"),
    ("guillermo", "memo", "guille", "willy"),
    ("roberto", "beto", "tito", "robert"),
    ("alberto", "beto", "tito"),
    ("humberto", "beto", "tito"),
    ("gustavo", "tavo", "gus"),
    ("ramon", "moncho", "mon"),
    ("beatriz", "bea", "betty"),
    ("patricia", "paty", "pati", "patty"),
    ("margarita", "mago", "margot", "magui"),
    ("teresa", "tere", "teresita"),
    ("graciela", "chela", "grace"),
    ("consuelo", "chelo"),
    ("socorro", "coco"),
    ("santiago", "santi", "chago"),
    ("sebastian", "sebas", "chan"),
    ("daniel", "dani", "danny"),
    ("daniela", "dani", "dany"),
    ("gabriel", "gabo", "gabi"),
    ("gabriela", "gaby", "gabi"),
    ("valentina", "vale", "tina"),
    ("andres", "andy", "andresito"),
    ("andrea", "andy"),
    ("carolina", "caro", "carol"),
    ("fabiola", "fabi"),
    ("victoria", "vicky", "viky"),
    ("virginia", "vicky", "viky"),
    ("elizabeth", "eli", "liz", "betty", "isabel"),
    ("natalia", "nati", "naty"),
    ("rodolfo", "fito", "rudy"),
    ("adolfo", "fito"),
    ("federico", "fede"),
    ("maria jose", "majo", "mariajose"),
    ("maria fernanda", "mafe", "mariafernanda"),
    ("maria alejandra", "male", "mariale", "marialejandra"),
    ("maria gabriela", "magaby", "mariagabriela"),
    ("maria eugenia", "maru", "mariaeugenia"),
    ("maria teresa", "maite", "mariate"),
    ("maria victoria", "mariví", "marivi"),
    ("maria del carmen", "mayca", "carmen"),
    ("maria de los angeles", "marielos", "angeles"),
    ("juan jose", "juanjo"),
    ("juan carlos", "juanca"),
    ("juan pablo", "juampa"),
    ("jose luis", "joselo", "pepelu"),
    ("jose gregorio", "goyo", "josegregorio"),
    ("jose manuel", "chema", "josema"),
    ("jose maria", "chema", "josema"),
    ("juana", "juanita"),
    ("carlos", "carlitos", "charly", "carlucho"),
    ("ana", "anita"),
    ("rosa", "rosita", "chana"),
    ("yolanda", "yoli"),
    ("yusmary", "yusma"),
    ("cristina", "cris", "tina"),
    ("cristian", "cris", "christian"),
    ("oswaldo", "osvaldo", "valdo"),
    ("wilfredo", "wilfre", "fredy", "freddy"),
    ("alfredo", "fredy", "freddy", "alfre"),
    ("jorge", "coke", "georgie"),
    ("miguel", "miguelito", "mike", "maikel"),
    ("michael", "maikel", "mike", "miguel"),
    ("pedro", "perucho", "pete"),
    ("dayana", "diana"),
    ("jennifer", "yenifer", "jenny", "yeni"),
    ("johana", "yoana", "joha"),
    ("estefania", "stefany", "estefany", "tefa"),
    ("jonathan", "johnny", "jhonny", "yony", "jhonatan", "yonatan"),
    ("john", "johnny", "jhon", "jhonny"),
)


def _key(name: str) -> str:
    return " ".join(phonetic_key(t) for t in fold(name).split())


def _build() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in _GROUPS:
        full = _key(group[0])
        for form in group:
            table.setdefault(_key(form), set()).add(full)
        table.setdefault(full, set()).add(full)
    return {k: frozenset(v) for k, v in table.items()}


_TABLE = _build()


@lru_cache(maxsize=100_000)
def canonical_forms(phonetic_name: str) -> frozenset[str]:
    """Full names (as space-joined phonetic keys) that a name (as space-joined phonetic keys)
    can stand for; the name itself when it is in no group."""
    return _TABLE.get(phonetic_name, frozenset((phonetic_name,)))


def nickname_related(a: str, b: str) -> bool:
    """True when two names (space-joined phonetic keys) are the same full name or one is a
    nickname of the other."""
    if a == b:
        return True
    return bool(canonical_forms(a) & canonical_forms(b))
