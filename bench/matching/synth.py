"""Synthetic Venezuelan registrations with realistic errors and hard negatives, with ground truth.

Households (parents and children share family names, phone, place; children's birth years are
close), twins (same date of birth, different given names), a son named after his father,
very common names, and duplicates written with the variations seen at Humanitarian Service
Points: dropped second given or family name, swapped family names, spelling variants
(Yusmary/Yusmari, Jhonny/Yony), nicknames, typing errors, day and month swapped, only a year,
phone in other formats or a new SIM card, document number with or without V- and dots.

Tracing requests are written by a relative: nickname, often one family name, an approximate
age instead of a date, rarely a document number, the relative's own phone.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from caminante.matching.record import Record

MALE = (
    "José Luis Carlos Juan Jesús Miguel Pedro Luis Antonio Manuel Francisco Jorge Rafael Alejandro Daniel "
    "David Gabriel Ángel Eduardo Ricardo Fernando Javier Andrés Oscar Víctor Alexander Jhonny Maikel Wilmer "
    "Yorman Deivis Kleiber Yonathan Richard Wilson Freddy Nelson Henry Edgar Ramón Gregorio Héctor Orlando "
    "Rubén Alberto Roberto Humberto Enrique Gustavo Sebastián Santiago Samuel Moisés Jonás Elías Yeferson "
    "Anderson Jefferson Brayan Kevin Cristian Jesús Eliezer Leonardo Simón Rómulo Omar Nelson Darwin Robert"
).split()
FEMALE = (
    "María Ana Carmen Rosa Luisa Yusmary Yorgelis Yelitza Yuleisy Marisol Carolina Daniela Gabriela Andrea "
    "Valentina Mariana Alejandra Fernanda Patricia Beatriz Teresa Isabel Josefina Dolores Mercedes Yolanda "
    "Yenny Johana Dayana Yesenia Milagros Nohemí Xiomara Zuleima Yaneth Genesis Nairobi Oriana Rosmary "
    "Eglee Yajaira Yamileth Maritza Lisbeth Coromoto Elizabeth Virginia Natalia Victoria Fabiola Graciela "
    "Consuelo Lucía Sofía Paola Karla Kimberly Stefany Yurimar Yohana Yuliana Nathaly Dulce Esther Ruth"
).split()
COMPOUND_F = (
    "María José",
    "María Alejandra",
    "María Fernanda",
    "María Gabriela",
    "María del Valle",
    "María Eugenia",
    "María Teresa",
    "Ana María",
    "Rosa María",
    "María de los Ángeles",
)
COMPOUND_M = (
    "José Luis",
    "José Gregorio",
    "Juan Carlos",
    "José Manuel",
    "Juan José",
    "Luis Alberto",
    "Carlos Eduardo",
    "José Ángel",
    "Juan Pablo",
    "Miguel Ángel",
    "Jesús Alberto",
)
FAMILY = (
    "González Rodríguez Pérez Hernández García Martínez López Díaz Sánchez Ramírez Torres Rojas Flores Gómez "
    "Morales Vásquez Castillo Mendoza Suárez Romero Gutiérrez Rivas Moreno Silva Contreras Medina Marcano "
    "Villegas Quintero Llanos Blanco Herrera Ramos Chacón Jiménez Fernández Salazar Guerrero Álvarez Acosta "
    "Delgado Mora Peña Colmenares Briceño Parra Aguilar Márquez Barrios Bolívar Carrillo Ortiz Ruiz Vargas "
    "Zambrano Camacho Cordero Montilla Escalona Urdaneta Azuaje Yépez Pacheco Sequera Arteaga Linares Rangel "
    "Lugo Mujica Oropeza Figueroa Padrón Infante Tovar Guzmán Palacios Uzcátegui Villalobos Cedeño Bracho "
    "Nava Fuenmayor Chirinos Atencio Añez Paz Ferrer Petit Leal Sulbarán Moncada Valero Rondón Terán Hurtado "
    "Bastidas Lozada Duque Salas Navas Ochoa Olivares Rincón Montero Marín Mejías Cova Brito Quijada Malavé "
    "Gil Guevara Lara Campos Key Zerpa Piña Carvajal Sarmiento Tremont Landaeta Garcés Castro Aponte Istúriz"
).split()
PLACES = (
    "Caracas Maracaibo Valencia Barquisimeto Maracay Ciudad Guayana Barcelona Maturín Cumaná Mérida "
    "San Cristóbal Barinas Ciudad Bolívar Puerto La Cruz Los Teques Coro Punto Fijo Acarigua Guanare Valera "
    "Carúpano El Tigre San Fernando de Apure Tucupita Puerto Ayacucho Cabimas Ciudad Ojeda Guarenas Petare "
    "San Felipe Calabozo Valle de la Pascua El Vigía Tocuyo Carora Anaco Upata Porlamar Machiques"
).split(" ")
PLACES = tuple(p for p in (" ".join(PLACES)).replace("Ciudad Guayana", "Ciudad_Guayana").split(" "))  # type: ignore[assignment]

SPELLING = (
    ("y", "i"),
    ("i", "y"),
    ("v", "b"),
    ("b", "v"),
    ("z", "s"),
    ("s", "z"),
    ("ll", "y"),
    ("h", ""),
    ("qu", "k"),
    ("j", "jh"),
    ("k", "c"),
    ("c", "k"),
    ("ph", "f"),
    ("ei", "ey"),
    ("ai", "ay"),
)
NICK = {
    "José": ("Pepe", "Cheo", "Chepe"),
    "Jesús": ("Chucho", "Chuo"),
    "Francisco": ("Pancho", "Paco"),
    "Manuel": ("Manolo",),
    "Alejandro": ("Alejo", "Alex"),
    "Antonio": ("Toño", "Tony"),
    "Luis": ("Lucho",),
    "Rafael": ("Rafa",),
    "Eduardo": ("Lalo",),
    "Gregorio": ("Goyo",),
    "Guillermo": ("Memo",),
    "Roberto": ("Beto",),
    "Alberto": ("Beto",),
    "Gustavo": ("Tavo",),
    "Ramón": ("Moncho",),
    "Beatriz": ("Bea",),
    "Patricia": ("Paty",),
    "Teresa": ("Tere",),
    "Isabel": ("Chabela",),
    "Mercedes": ("Meche",),
    "Dolores": ("Lola",),
    "Daniela": ("Dani",),
    "Gabriela": ("Gaby",),
    "Valentina": ("Vale",),
    "Carolina": ("Caro",),
    "Victoria": ("Vicky",),
    "Natalia": ("Naty",),
    "María José": ("Majo",),
    "María Fernanda": ("Mafe",),
    "María Alejandra": ("Male",),
    "Juan José": ("Juanjo",),
    "Josefina": ("Pepa",),
    "Yolanda": ("Yoli",),
    "Graciela": ("Chela",),
    "Santiago": ("Santi",),
    "Sebastián": ("Sebas",),
    "Gabriel": ("Gabo",),
    "Andrés": ("Andy",),
    "Fernando": ("Nando",),
    "Enrique": ("Kike",),
    "Elizabeth": ("Eli",),
    "Daniel": ("Dani",),
    "Carlos": ("Carlitos",),
}


@dataclass
class Person:
    pid: int
    given: str
    fam1: str
    fam2: str
    sex: str
    birth: dt.date
    place: str
    phone: str
    doc: str
    nationality: str = "VEN"


def _zipf(items: tuple[str, ...] | list[str], s: float = 1.0) -> list[float]:
    return [1.0 / (k + 1) ** s for k in range(len(items))]


class Generator:
    def __init__(self, seed: int = 0) -> None:
        self.r = random.Random(seed)
        self.male_w = _zipf(MALE, 0.9)
        self.female_w = _zipf(FEMALE, 0.9)
        self.fam_w = _zipf(FAMILY, 0.8)
        self.place_w = _zipf(PLACES, 0.7)
        self.pid = 0
        self.docs: set[str] = set()

    # -- people ------------------------------------------------------------------------
    def given(self, sex: str) -> str:
        r = self.r
        if r.random() < 0.22:
            return r.choice(COMPOUND_F if sex == "F" else COMPOUND_M)
        pool, w = (FEMALE, self.female_w) if sex == "F" else (MALE, self.male_w)
        first = r.choices(pool, w)[0]
        if r.random() < 0.35:
            second = r.choices(pool, w)[0]
            if second != first:
                return f"{first} {second}"
        return first

    def family(self) -> str:
        return self.r.choices(FAMILY, self.fam_w)[0]

    def phone(self) -> str:
        r = self.r
        return f"+58{r.choice(('412', '414', '416', '424', '426'))}{r.randint(1000000, 9999999)}"

    def doc(self, adult: bool) -> str:
        if not adult and self.r.random() < 0.85:
            return ""
        if adult and self.r.random() < 0.15:
            return ""
        while True:
            d = str(self.r.randint(3_000_000, 32_000_000))
            if d not in self.docs:
                self.docs.add(d)
                return d

    def new_pid(self) -> int:
        self.pid += 1
        return self.pid

    def household(self) -> list[Person]:
        r = self.r
        place = r.choices(PLACES, self.place_w)[0].replace("_", " ")
        phone = self.phone()
        fa1, fa2 = self.family(), self.family()
        ma1, ma2 = self.family(), self.family()
        people: list[Person] = []
        base_year = r.randint(1955, 2000)
        size = r.choices((1, 2, 3, 4, 5, 6), (20, 20, 22, 20, 12, 6))[0]
        father = Person(
            self.new_pid(), self.given("M"), fa1, fa2, "M", self._date(base_year), place, phone, self.doc(True)
        )
        mother = Person(
            self.new_pid(),
            self.given("F"),
            ma1,
            ma2,
            "F",
            self._date(base_year + r.randint(-4, 4)),
            place,
            phone if r.random() < 0.5 else self.phone(),
            self.doc(True),
        )
        people.append(father if r.random() < 0.5 else mother)
        if size >= 2:
            people.append(mother if people[0] is father else father)
        n_children = size - 2
        year = base_year + r.randint(18, 30)
        for _ in range(max(0, n_children)):
            if year > 2023:
                break
            sex = r.choice("MF")
            birth = self._date(year)
            if r.random() < 0.08 and people[-1].fam1 == fa1 and people[-1].birth.year == year:
                birth = people[-1].birth  # twins
            given = self.given(sex)
            if sex == "M" and r.random() < 0.12:
                given = father.given  # named after the father
            adult = year < 2006
            people.append(
                Person(
                    self.new_pid(),
                    given,
                    fa1,
                    ma1,
                    sex,
                    birth,
                    place,
                    phone if r.random() < 0.6 else (self.phone() if adult else ""),
                    self.doc(adult),
                )
            )
            year += r.choice((0, 1, 1, 2, 2, 3, 4))
        return people

    def _date(self, year: int) -> dt.date:
        return dt.date(year, self.r.randint(1, 12), self.r.randint(1, 28))

    # -- errors ------------------------------------------------------------------------
    def typo(self, s: str) -> str:
        r = self.r
        if len(s) < 4:
            return s
        i = r.randint(1, len(s) - 2)
        op = r.random()
        if op < 0.3:
            return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
        if op < 0.6:
            return s[:i] + s[i + 1 :]
        if op < 0.8:
            return s[:i] + r.choice("aeiounrsltm") + s[i + 1 :]
        return s[:i] + s[i] + s[i:]

    def spelling(self, s: str) -> str:
        r = self.r
        opts = [(a, b) for a, b in SPELLING if a in s.lower()]
        if not opts:
            return s
        a, b = r.choice(opts)
        low = s.lower()
        i = low.index(a)
        out = s[:i] + b + s[i + len(a) :]
        return out[:1].upper() + out[1:] if out else out

    def deaccent(self, s: str) -> str:
        import unicodedata

        return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))

    def vary_given(self, g: str, strong: bool = False) -> str:
        r = self.r
        parts = g.split()
        x = r.random()
        if g in NICK and x < (0.5 if strong else 0.08):
            return r.choice(NICK[g])
        if parts[0] in NICK and x < (0.4 if strong else 0.06):
            return r.choice(NICK[parts[0]])
        y = r.random()
        if len(parts) >= 2 and y < 0.35:
            if "de" in parts or "del" in parts:
                return parts[0]
            return parts[0] if r.random() < 0.8 else parts[-1]
        if y < 0.5:
            return self.spelling(g)
        if y < 0.6:
            return self.typo(g)
        if y < 0.75:
            return g.upper()
        return g

    def record(self, p: Person, rid: str, dup: bool, tracing: bool = False) -> Record:
        r = self.r
        given, f1, f2 = p.given, p.fam1, p.fam2
        birth: dt.date | None = p.birth
        byear: int | None = None
        phone, doc, place, sex = p.phone, p.doc, p.place, p.sex
        if dup or tracing:
            if r.random() < (0.7 if tracing else 0.45):
                given = self.vary_given(given, strong=tracing)
            q = r.random()
            if q < (0.45 if tracing else 0.2):
                family = f1
            elif q < 0.3:
                family = f"{f2} {f1}"
            elif q < 0.38:
                family = f"{self.spelling(f1)} {f2}"
            elif q < 0.45:
                family = f"{f1} {self.typo(f2)}"
            elif q < 0.5:
                family = f"{self.typo(f1)} {f2}"
            else:
                family = f"{f1} {f2}"
            d = r.random()
            if tracing:
                if d < 0.45:
                    birth, byear = None, p.birth.year + r.choice((-1, 0, 0, 0, 1))
                elif d < 0.55:
                    birth = None
                elif d < 0.65 and p.birth.day <= 12:
                    birth = dt.date(p.birth.year, p.birth.day, p.birth.month)
            else:
                if d < 0.06 and p.birth.day <= 12:
                    birth = dt.date(p.birth.year, p.birth.day, p.birth.month)
                elif d < 0.12:
                    birth = self._typo_date(p.birth)
                elif d < 0.18:
                    birth, byear = None, p.birth.year
                elif d < 0.22:
                    birth = None
            ph = r.random()
            if tracing:
                phone = "" if ph < 0.7 else self.phone()
            elif ph < 0.3:
                phone = self.phone()  # a new SIM card
            elif ph < 0.45:
                phone = ""
            elif ph < 0.75 and phone:
                phone = "0" + phone[3:6] + "-" + phone[6:]
            dd = r.random()
            if tracing:
                doc = "" if dd < 0.8 else doc
            elif dd < 0.3:
                doc = ""
            elif dd < 0.6 and doc:
                doc = f"V-{int(doc):,}".replace(",", ".")
            elif dd < 0.65 and doc:
                doc = self.typo(doc)
            if r.random() < 0.2:
                place = "" if r.random() < 0.5 else self.typo(place)
            if r.random() < 0.1:
                sex = ""
            if r.random() < 0.5:
                given, family = self.deaccent(given), self.deaccent(family)
        else:
            family = f"{f1} {f2}"
        return Record(
            record_id=rid,
            given_names=given,
            family_names=family,
            sex=sex,
            birth_date=birth,
            birth_year=byear if birth is None else None,
            nationality=p.nationality,
            place_of_origin=place,
            phone=phone,
            document_number=doc,
        )

    def _typo_date(self, d: dt.date) -> dt.date:
        r = self.r
        k = r.random()
        try:
            if k < 0.4:
                return d.replace(day=min(28, max(1, d.day + r.choice((-1, 1, 10, -10)))))
            if k < 0.7:
                return d.replace(month=min(12, max(1, d.month + r.choice((-1, 1)))))
            return d.replace(year=d.year + r.choice((-1, 1, 10, -10)))
        except ValueError:
            return d


def dedupe_set(n: int, seed: int = 0, dup_rate: float = 0.3) -> tuple[list[Record], list[int]]:
    """About n records of people in households; `dup_rate` of people have 1-3 more records.
    Returns (records, entity id of each record), shuffled."""
    g = Generator(seed)
    out: list[tuple[Record, int]] = []
    k = 0
    while len(out) < n:
        for p in g.household():
            out.append((g.record(p, f"r{k}", dup=False), p.pid))
            k += 1
            if g.r.random() < dup_rate:
                for _ in range(g.r.choices((1, 2, 3), (70, 22, 8))[0]):
                    out.append((g.record(p, f"r{k}", dup=True), p.pid))
                    k += 1
    out = out[:n]
    g.r.shuffle(out)
    return [x[0] for x in out], [x[1] for x in out]


def link_set(
    n_registered: int, n_requests: int, seed: int = 1, found_rate: float = 0.7
) -> tuple[list[Record], list[Record], set[tuple[str, str]]]:
    """Tracing requests (left) against registrations (right), with the true pairs.

    A request is for a registered person with probability `found_rate`; otherwise it is for a
    relative of a registered person who is not registered (a sibling, a parent: hard negatives)."""
    g = Generator(seed)
    registered: list[Record] = []
    by_pid: dict[int, list[str]] = {}
    unregistered: list[Person] = []
    people: list[Person] = []
    k = 0
    while len(registered) < n_registered:
        for p in g.household():
            if g.r.random() < 0.8:
                rec = g.record(p, f"R{k}", dup=False)
                registered.append(rec)
                by_pid.setdefault(p.pid, []).append(rec.record_id)
                people.append(p)
                k += 1
                if g.r.random() < 0.1:
                    rec = g.record(p, f"R{k}", dup=True)
                    registered.append(rec)
                    by_pid[p.pid].append(rec.record_id)
                    k += 1
            else:
                unregistered.append(p)
    requests: list[Record] = []
    truth: set[tuple[str, str]] = set()
    for q in range(n_requests):
        rid = f"T{q}"
        if g.r.random() < found_rate or not unregistered:
            p = g.r.choice(people)
            requests.append(g.record(p, rid, dup=False, tracing=True))
            for reg in by_pid[p.pid]:
                truth.add((rid, reg))
        else:
            p = g.r.choice(unregistered)
            requests.append(g.record(p, rid, dup=False, tracing=True))
    return requests, registered, truth


def truth_pairs(records: list[Record], entities: list[int]) -> set[tuple[str, str]]:
    by: dict[int, list[str]] = {}
    for rec, e in zip(records, entities, strict=True):
        by.setdefault(e, []).append(rec.record_id)
    out: set[tuple[str, str]] = set()
    for ids in by.values():
        ids.sort()
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                out.add((ids[i], ids[j]))
    return out


__all__ = ["Generator", "dedupe_set", "link_set", "truth_pairs", "replace"]
