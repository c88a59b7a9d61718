"""The safety layer: does a person have to see this message now, and which queue?

Decided on its own, before and apart from topic choice (engine.py asks it first; the feedback
classifier asks it too, so the chat, the feedback forms and the PDM comments agree). Biased to
recall on purpose: missing a child alone, trafficking, sexual exploitation or abuse by aid workers
(PSEA), violence or a suicidal crisis is the worst error the assistant can make; handing an
ordinary question to a person is a much smaller one.

How it reads a message:

- normalised as people type: no accents, lower case, slang and abbreviations expanded ("q", "xq",
  "pa", "tb"; normalize.py), stretched letters cut ("ayudaaaa"), and a missing space tolerated
  between the words of every pattern ("mequiero matar");
- sentence by sentence: a disclosure halfway through a long message about cash counts, and a rule
  that needs two cues (an actor and an act) finds them in one sentence or two adjacent ones, never
  scattered over a long message;
- per kind, in order of priority (`PRIORITY`): a PSEA report reaches psea_report even when the
  victim is a child or the act is violent, because it goes to the PSEA focal point;
- with explicit look-alike exceptions (`unless`): a stolen or lost passport alone is not
  trafficking (a passport kept by an employer is), "me muero de hambre" is not a crisis, children
  home alone while a parent asks for a day-care is not a child alone. An exception also tells the
  engine not to let its other layers escalate the message to that kind (`Assessment.cleared`).
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from . import safety_model
from .normalize import normalise

KINDS = ("child_protection", "suicidal_crisis", "human_trafficking", "psea_report", "violence_gbv")
PRIORITY = ("psea_report", "human_trafficking", "child_protection", "suicidal_crisis", "violence_gbv")


@dataclass(frozen=True)
class Rule:
    """All of `needs` in one window of the message, and not `unless` in that window."""

    name: str
    needs: tuple[re.Pattern[str], ...]
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Assessment:
    kind: str | None  # one of KINDS: a person must see this now, in that queue; None: ordinary
    sentence: str = ""  # the (normalised) part of the message that decided it
    evidence: tuple[str, ...] = ()  # the rules that matched, "kind:rule"
    cleared: tuple[str, ...] = ()  # kinds a look-alike exception ruled out (e.g. a stolen passport)


def _compile(pattern: str) -> re.Pattern[str]:
    # A space in a pattern may be missing in the message ("nome dejan salir"); lookbehinds use \s.
    return re.compile(pattern.replace(" ", " ?"))


def rule(name: str, *needs: str, unless: str | None = None) -> Rule:
    return Rule(name, tuple(_compile(p) for p in needs), _compile(unless) if unless else None)


def words(*alternatives: str) -> str:
    """A word-bounded alternation: words("a|b c") -> r"\b(?:a|b c)\b"."""
    return r"\b(?:" + "|".join(alternatives) + r")\b"


def near(first: str, second: str, gap: int = 3) -> str:
    """`first`, then `second` at most `gap` words later."""
    return rf"{first}(?: \w+){{0,{gap}}} {second}"


# ---- shared vocabulary ---------------------------------------------------------------------------

# A child or a minor: family words, slang (already "nino" after normalisation), ages 0-17.
CHILD = words(
    "nin[oa]s?|ninit[oa]s?|nene|nena|entead[oa]s?|hijastr[oa]s?|stepson|stepdaughter|pickney|pikni|"
    "(?:hij|sobrin|niet|herman|prim)it[oa]s?|"
    "irmaozinho|irmazinha|pelait[oa]s?|chiquit[oa]s?|muchachit[oa]s?"
    "|muchach[oa]s? de 1[0-7]|menor(?:es)?|hij[oa]s?|hijit[oa]s?|bebes?|sobrin[oa]s?|sobrinh[oa]s?"
    "|net[oa]s?|filhinh[oa]s?|niet[oa]s?|criancas?|menin[oa]s?|garot[oa]s?|filh[oa]s?|guri|guria"
    r"|child|children|kids?|boy|girl|son|daughter|baby|minor|teen\w*|adolescentes?|(?:de|d|tiene|tem"
    "|has) 1[0-7](?: anos| ano)?|1[0-7] (?:anos|years?|year old|yo)"
)
# Someone who works for the programme: staff, volunteers, the people at a point or a distribution.
AID_STAFF = words(
    r"(?:que|who) (?:register\w*|reparte\w*|entrega\w*|atiende\w*|atende\w*|anota\w*|apunta\w*|inscribe\w*|registra\w*|"
    r"cadastra\w*|hand\w* out|give\w* out|distribut\w*|does the|do the|hace\w* las|faz\w* os|faz\w* as)|"
    "voluntari[oa]s?|volunteers?|funcionari[oa]s?|staff|aid workers?|workers? (?:of|from|at) the"
    "|(?:shelter|camp|ngo|red cross|distribution) workers?|working for the|aid (?:place|center|centre|people|point|"
    "station|man|lady|guy)|trabajador\\w* del albergue"
    "|the workers?|trabajador(?:es|a)? (?:de|del|de la) (?:ong|cruz|organizacion|programa|punto"
    r"|albergue)|cruz roja|cruz vermelha|red cross|ong|ngo|trabalhador\w* (?:da|do|humanitari\w*)"
    r"|humanitari\w*|chaleco|colete|vest|encargad[oa]|coordinador\w*|coordenador\w*|promotor\w*"
    "|atendentes?|psh|acnur|unhcr|oim|iom|unicef|(?:el|la|o|a|the|uno|one) (?:que|who|guy|man|woman"
    "|lady|senor|senora|senhor|senhora|moco|moca|rapaz|cara|muchacho|chico|hombre|homem|de) (?:que |"
    "who )?(?:reparte|entrega|anota|"
    "apunta|inscribe|atiende"
    "|atende|hace|faz|do|does|hands?|handing|gives?|registra|cadastra)|(?:del|de la|do|da|at the"
    r"|from the|of the) (?:punto|posto|point|distribu\w*|oficina|organizacion|organizacao|aid office|office"
    "|albergue|abrigo|shelter|programa|program|entrega)|(?:las|as|the) (?:entrevistas|interviews)"
    "|aid office|aid staff"
)
# Sexual or relational demands, touching, pictures, sexual acts.
SEXUAL = words(
    r"(?:dorm\w*|duerm\w*|sleep\w*|pas\w* la noche) (?:en|no|na|in) (?:su|sua|his|el|o) (?:cuarto|"
    r"quarto|room|cama|bed)|"
    r"(?:go|ir|vaya|venga|ven|come|vir|venha) (?:to |a |al |pro |para o |no )?(?:his|su|sua|"
    r"seu) (?:room|cuarto|quarto)|"
    r"(?:check|see|revisar\w*|ver\w*|tocar\w*|examin\w*) (?:\w+ )?(?:body|cuerpo|corpo)|in private|en privado|"
    r"em particular|(?:pid\w*|pide\w*|ped\w*|ask\w*) (?:\w+ )?(?:coisas|cosas|things|favores|favors) (?:\w+ )?"
    r"(?:das|de las|a las|as|from)? ?(?:mulher\w*|mujeres|women|chicas|meninas|girls)|"
    r"(?:meet|see|encontrar\w*|ver\w*|vern\w*) (?:him |with him |com ele |con el |lo )?(?:alone|a solas|sozinh[oa])|"
    r"(?:llam\w*|lig\w*|call\w*|escrib\w*|writ\w*|text\w*|chama\w*) (?:me |para mim )?(?:\w+ )?(?:de noche|a noite|"
    r"at night|de madrugada|late at night|(?:para|a) (?:a )?sala dele|a su oficina|to his office)|"
    r"(?:su|sua|his) (?:novia|namorada|"
    r"girlfriend|amante|lover)|(?:acompano|acompanar\w*|acompanhar|go for|tomar|beber) (?:\w+ )?(?:a tomar algo|"
    r"algo|a drink|drinks|uma cerveja|una cerveza)|"
    r"sex|sexo|sexual\w*|sexy|relaciones|dormir con(?:migo)?|sleep\w* with|dorm\w* (?:con|com)|acost\w* con"
    r"|transar|nudes?|intim\w*|desnud\w*|manose\w*|tocou|tocaron|touch\w*|assedi\w*|me (?:toco"
    "|tocaron|toca|tocan)(?! (?:esperar|ir|volver|hacer|pagar|venir|regresar|salir|caminar|a mi"
    r"|el turno))|(?:pid\w*|pide\w*|ped\w*|ask\w*|mand\w*|envi\w*|send\w*) (?:(?:me|le|for|de|him|her"
    "|a) ){0,2}(?:unas |umas |some )?(?:fotos?|photos?|pictures?|pics?)|acos(?:o|a|an|aron|ando|ador"
    r"|adora)|harass\w*|favores|favors|favours|bes[oa]s?|besar\w*|beij\w*|kiss\w*|propuso cosas"
    r"|indecent\w*|abus\w*|viol[oa]\w*|estupr\w*|raped?|cosas feas|mi amor|carinos[oa]|(?:quedo"
    "|quedarme|quede|fico|ficar|fique|stay|be|salgo|salir|sair|saia|saio|go out) (?:con|com"
    "|with) (?:el|ele|him)(?! (?:bono|cupo|kit|dinero|cartao|tarjeta|voucher|documento|numero|codigo"
    "|turno|carnet|papel|formulario|cambio|resto|vale|mercado|puesto|lugar|trabajo))|passou a mao"
    r"|mexe\w* com|visit him|(?:ir|ve|venga|vaya|come|go|visit\w*|encontrar\w*|ven) (?:a "
    "|to )?(?:su casa|his house|casa dele|his place)|mensajes (?:raros|feos|sexuales|de noche)|"
    "forced me|force me|forzo|forzaron"
    "|forcou|me oblig\\w* a|me obrig\\w* a|grabbed me|me agarr\\w*"
    r"|(?:dinero|dinheiro|money|plata|pago|paga) (?:por|for|pelas?|em troca de|a cambio de) (?:unas |umas )?"
    r"(?:fotos|photos|pictures|nudes)|pass\w* (?:a|la) (?:mao|mano)|forc\w* (?:himself|herself)|se aprovech\w* de mi"
    r"|se aproveit\w* de mim|took advantage of me|(?:si|se|if) (?:\w+ ){0,2}(?:soy|sou|for|fores|am|be|sea|seja|"
    r"estoy|estou) (?:mas |mais |more |muy |bem |bien |very |bien )?(?:simpatic[oa]|carinos[oa]|boazinha|amable|nice|"
    r"sweet|buena|boa|good)|(?:come|go|ven|ir|vir|pasar|passar) (?:by|to|a|na|por) (?:him|his|su|sua) "
    r"(?:house|casa|place|room|cuarto|quarto)|(?:ser|seja|be) (?:su|sua|his) (?:novia|namorada|girlfriend|mujer|mulher)"
    "|mensagens (?:estranhas|de noite)|strange messages"
)
# A partner or ex-partner (intimate partner violence, control).
PARTNER = words(
    "esposo|esposa|pareja|novio|ex|companheir[oa]|companero|husband|boyfriend|boyfrend|partner"
    "|marido|padrasto|padrastro|namorado|(?:hombre|homem|man|senor|tipo|cara) (?:con el que|con quien|com quem"
    "|com o qual|i live with|que vive|que mora)"
)
# Work, a recruiter or a trip someone paid: the context of trafficking.
WORK = words(
    r"trabaj\w*|trabalh\w*|work\w*|jobs?|emprego|empleo|patr[oa]n|patrao|jefe|boss|dueno|dono|owner"
    r"|finca|fazenda|farm|bar|restaurant\w*|casa de familia|agencia\w*|agency|ofert\w*|ofrec\w*"
    r"|oferec\w*|offer\w*|promet\w*|promis\w*|coyote|trocha|pasaje\w*|passagem|viaje|viagem|trip"
    r"|travel|paso|trajo|trajeron|trouxe\w*|brought|llevaron|levaram|mesera|garconete|waitress"
    "|clientes|hombres|homens|men"
)
DOCUMENT = words(
    "pasaportes?|passaportes?|passports?|documentos?|documents?|papeles|papeis|papers|ids?|id cards?"
    "|identidad|identidade|carteira de identidade|rg|dni"
)
# A thing (not a person) lost or stolen: "mi hijo perdio la tarjeta" is a question about the card.
_OBJECT = words(
    r"codigo|code|pin|clave|senha|celular|telefono|phone|tarjeta|card|cartao|bono|voucher|vale|cupon|chip"
    r"|maleta|mochila|bag|documento\w*|document\w*|papeles|pasaporte|passport|passaporte|id|dinero|money"
)
LOST_OBJECT = (
    rf"\b(?:perd\w*|lost|extravi\w*|missing|no (?:la |lo )?encuentr\w*|can not find|rob\w*|roub\w*|stole\w*|"
    rf"quit\w*|took)(?: \w+){{0,3}} {_OBJECT}|{_OBJECT}(?: \w+){{0,2}} (?:perdid\w*|lost|missing|extraviad\w*)\b"
)

# Lost, stolen or checked documents: a look-alike of retained documents.
LOST_OR_STOLEN = words(
    r"rob\w*|roub\w*|stole|stolen|steal\w*|robbed|robbery|perd\w*|lost|lose|extravi\w*|asalt\w*"
    r"|assalt\w*|atrac\w*|mugged"
)
OFFICIALS = words(
    "migracion|migracao|immigration|policia|police|aduana|customs|banco|bank|cajero|atm|registro"
    r"|cadastro|revisar|check\w*|copia|copy|contrato|contract"
)


_FORCED = (
    r"\b(?:oblig\w*|forz\w*|forc\w*|obrig\w*|make|makes|made|making|mek|ponen|poem|pone|a la fuerza|a forca|by force)"
)
_FORCED_TO = words(
    r"trabaj\w*|trabalh\w*|work\w*|vend\w*|sell\w*|prostitu\w*|drog\w*|drugs?|atender|serve|clientes|men|hombres|homens"
)

# ---- rules per kind -----------------------------------------------------------------------------

RULES: dict[str, tuple[Rule, ...]] = {
    # Sexual exploitation or abuse by someone of the programme, or sex asked in exchange for aid.
    "psea_report": (
        rule("staff+sexual", AID_STAFF, SEXUAL),
        rule(
            "sex-for-aid",
            words(r"sex|sexo|sexual\w*|favores|favors|favours|acost\w* con|fotos|photos|dormir con|relaciones"),
            words(
                "a cambio|em troca|in exchange|lista|list|kit|bono|voucher|vale|mercado|cupo|cesta|cartao"
                "|tarjeta|ayuda|ajuda|help|aid|food|comida"
            ),
        ),
        rule(
            "staff+child-relationship",  # an aid worker dating or sleeping with a minor
            AID_STAFF,
            CHILD,
            r"\b(?:salie\w*|saliendo con|saindo com|sai com|sale con|namor\w*|dating|novi[oa]|relacion\w*|relac\w*|"
            r"sleep\w* with|dorm\w* con|dorm\w* com|romance|enamorad\w*)\b",
        ),
        rule("if-i-sleep-with", words("si me acuesto|si duermo con|se eu dormir com|if i sleep with")),
        rule("exploitation-named", words("explotacion sexual|exploracao sexual|sexual exploitation"), AID_STAFF),
    ),
    # Kept documents, not allowed to leave, debt bondage, forced work or sex, a deceptive offer.
    "human_trafficking": (
        rule(
            "documents-kept",
            near(
                words(
                    r"quitaron|quito|retien\w*|retuv\w*|se qued\w* con|decomis\w*|tomaram|tomou|fic\w* com|pegaram"
                    r"|pegou|retem|retiveram|took|taken?|takes?|kept|keeps?|keeping|hold\w*|confiscat\w*"
                ),
                DOCUMENT,
            ),
            unless=rf"{LOST_OR_STOLEN}|{OFFICIALS}|{PARTNER}",
        ),
        rule(
            "documents-left-for-a-job",
            near(words(r"dej\w*|deix\w*|leave|entreg\w*|guard\w*|tienen?|hold\w*|keep\w*"), DOCUMENT),
            rf"{WORK}|\b(?:mientras|meanwhile|enquanto|hasta que|until|ate)\b",
            unless=rf"{LOST_OR_STOLEN}|{OFFICIALS}|{PARTNER}|\b(?:punto de registro|registr\w*|cadastr\w*)\b",
        ),
        rule(
            "documents-kept-by",  # the employer, recruiter or smuggler has them
            words(
                "patr[oa]n|patrao|chefe|jefe|boss|agencia|agency|employer|empleador|coyote|senora|"
                "dueno|dono|owner|lady|"
                "hombre|homem|man|woman"
            ),
            words(r"se quedo con|ficou com|quit\w*|tiene|tem|has|keeps?|kept|took|takes?|guard\w*|hold\w*"),
            DOCUMENT,
            unless=rf"{LOST_OR_STOLEN}|{PARTNER}",
        ),
        rule(
            "documents-give-back",
            words(
                r"devuelv\w*|debuelv\w*|devolv\w*|devolve\w*|devolv\w*|give back|gives back|return\w*|so devolve"
                "|da (?:hasta|asta|ate)"
            ),
            DOCUMENT,
            words(r"pag\w*|pay|debo|devo|owe|trabaj\w*|trabalh\w*|work|hasta|asta|ate|until|qnd|quando"),
        ),
        rule(
            "documents-not-given-back",
            near(
                words("no|nao|not|will not|never|nunca"),
                words(r"devuelv\w*|debuelv\w*|devolv\w*|devolve\w*|give\w* back|return\w*"),
                2,
            ),
            DOCUMENT,
            unless=rf"{LOST_OR_STOLEN}|{OFFICIALS}|{PARTNER}",
        ),
        rule(
            "unpaid-and-held",  # not "has not paid me yet": never paid, and worked day and night or threatened
            r"\b(?:no (?:me|nos|le|les) (?:paga|pagan)|nao (?:me |nos |lhe )?(?:paga|pagam)|"
            r"(?:does not|do not|never) pay (?:me|us|him|her|them)|not paid|sin pagarnos)\b",
            r"\b(?:sol a sol|dia e noite|day and night|todo el dia|o dia todo|all day|todos los dias|every day|nunca|"
            r"never|meses|months|amenaz\w*|ameac\w*|threat\w*|encerr\w*|denunci\w*|si me voy|se eu sair|if i leave)\b",
            unless=r"\b(?:todavia|aun|ainda|yet|quincena|esta semana|this week|reclam\w*|complain\w*)\b",
        ),
        rule(
            "sexual-exploitation",  # made to serve men, clients
            r"\b(?:tem|tiene|tienen|tuvo|have|has|had|obligan?|obrigam?|ponen?|poem|make|makes) (?:que |to |a )?"
            r"(?:atender|servir|serve|sair com|salir con|estar con|estar com|dormir con|dormir com|sleep with|go with) "
            r"(?:hombres|homens|men|clientes|clients)\b|\bfazer programa\b",
        ),
        rule(
            "never-paid-off",  # a debt that grows: deductions that never end
            r"\b(?:nunca|never|no|nao) (?:termin\w*|acab\w*|finish\w*|done) (?:de )?(?:pagar|paying)|"
            r"(?:descuent\w*|descont\w*|deduct\w*|cobra\w* (?:el|la|o|a) (?:pasaje|comida|passagem|cuarto|quarto))",
            WORK,
        ),
        rule(
            "kept-working",
            r"\b(?:(?:lo|la|los|las|me|nos|le|les) tienen trabajando|(?:o|a|os|as|me|nos) tem trabalhando|"
            r"keep\w* (?:\w+ )?working|kept (?:\w+ )?working)\b",
            r"\b(?:sin|sem|without|no|nao|never|nunca|deuda|debe|deve|divida|debt|owe\w*|encerr\w*|pasaje|passagem|"
            r"documento\w*|pasaporte|passport|amenaz\w*|ameac\w*|threat\w*)\b",
        ),
        rule(
            "threat-of-deportation",  # coerced by the fear of the police or migration
            r"\b(?:entreg\w*|denunci\w*|llam\w*|cham\w*|call\w*|report\w*|acus\w*) (?:\w+ ){0,2}(?:a |a la |na |to )?"
            r"(?:the )?(?:migracion|migracao|immigration|policia federal|policia|police)\b",
            r"\b(?:si (?:me|se|nos) (?:va|voy|vamos|quejo|queja)|se (?:eu|ele|ela) (?:sair|reclamar|for)|"
            r"if (?:i|he|she|we) (?:leave|go|complain)|trabaj\w*|trabalh\w*|work\w*|patr\w*|jefe|dueno|boss|owner)\b",
        ),
        rule(
            "not-let-leave",
            r"\b(?:no|nao|not|never|nunca) (?:me |nos |la |lo |las |los |le |les |a |o |eu |a gente )?"
            r"(?:dej\w*|deix\w*|let\w*|permit\w*) (?:me |us |her |him |them |eu |a gente |ela |ele )?"
            r"(?:salir|irme|irse|irnos|ir|sair|ir embora|voltar|volver|llamar|ligar|leave|go|out)\b|"
            r"\b(?:sin dejar\w* (?:salir|ir)|sem deix\w* (?:\w+ )?sair|without letting (?:\w+ )?(?:leave|go|out))\b",
            unless=PARTNER,
        ),
        rule(
            "cannot-leave-work",
            r"\b(?:no|nao|not|can not|cannot) (?:podemos |puedo |pueden |puede |posso |pode |podem |consigo )?"
            r"(?:salir|irme|irnos|irse|sair|ir embora|voltar|leave|go out|get out)\b|"
            r"\b(?:no|nao) (?:da|hay como|tem como|ha como) (?:pra |para |de )?(?:salir|sair|ir embora|irse|irnos)\b",
            WORK,
            unless=rf"{PARTNER}|\b(?:papeles|permiso|sin documentos|no tengo|regulariz\w*|"
            rf"trabajar porque|before|antes|cedo|"
            r"temprano|early|a tiempo|on time|hasta las|until|kit|buscar|recoger|pick up|retirar|cita|turno|"
            r"appointment|later|despues|depois)\b",
        ),
        rule(
            "locked-in",
            r"\b(?:encerrad\w*|encerra\w*|encierr\w*|encerrao?s|trancad\w*|tranca\w*|locked (?:in|up)|"
            r"presos? (?:en|no|na|em) (?:el |la |o |a )?(?:trabajo|trabalho|casa|finca|fazenda)|"
            r"secuestr\w*|sequestr\w*|"
            r"kidnap\w*)\b",
            unless=rf"{PARTNER}|{CHILD}",
        ),
        rule(
            "threat-if-leave",  # an employer who threatens if they leave
            r"\b(?:amenaz\w*|ameac\w*|threat\w*) (?:\w+ ){0,3}(?:si|se|if) (?:\w+ ){0,2}(?:va|vai|"
            r"for embora|sair|leave|"
            r"go|se va|me voy|vou embora|irse|salir|salgo)\b",
            WORK,
            unless=PARTNER,
        ),
        rule(
            "owes-the-trip",  # owes the transport, the food, the room to whoever brought them
            r"\b(?:deb\w*|dev\w*|owe\w*) (?:\w+ )?(?:el|la|los|las|o|a|os|as|for the|for|him for|them for) "
            r"(?:transporte|comida|passagem|pasaje|viaje|viagem|hospedagem|alojamiento|trip|ride|food|"
            r"transport|room)\b",
            WORK,
            unless=r"\b(?:arriendo|alquiler|renta|aluguel|rent)\b",
        ),
        rule(
            "debt-bondage",
            words(
                "deuda|le debo|les debo|lo que (?:le )?debo|debo (?:dinero|el pasaje|el viaje|mucho)"
                "|debe (?:dinero|mucho|el pasaje|el viaje|una deuda)|deve (?:dinheiro|muito|a passagem|a viagem)"
                "|devo (?:dinheiro|muito|a passagem|a viagem|pra ele|para ele)|divida|owe|owes|owed|debt"
                "|pagar el viaje|pagar a viagem|pay (?:off )?the trip"
            ),
            WORK,
            unless=r"\b(?:arriendo|alquiler|renta|aluguel|rent|luz|agua|banco|bank|tarjeta|cartao)\b",
        ),
        rule(
            "work-until-paid",
            r"\b(?:trabajar|trabalhar|work\w*) (?:para el |pra ele |for (?:him|them) )?(?:hasta|ate|until) "
            r"(?:pagar|que pague|i pay|pay)\b",
        ),
        rule(
            "forced",  # made to work, sell drugs or serve men (either order: "trabajando a la fuerza")
            rf"{near(_FORCED, _FORCED_TO, 4)}|{near(_FORCED_TO, words('a la fuerza|a forca|by force|forced'), 4)}",
        ),
        rule(
            "named",
            words(
                r"trata de (?:personas|blancas)|trafico de (?:personas|pessoas)|trafico humano|traffick\w*"
                r"|prostitu\w*|explotacion laboral|trabajo forzado|trabalho escravo|escravo|esclav\w*|slave\w*"
                r"|forced labou?r|enganad[oa]s?|llevaron enganad\w*|enganaron|tricked|deceived|sin pagarme"
                r"|trabalh\w* sem (?:receber|salario)|sem salario|trabaj\w* sin (?:que me paguen|pago|sueldo"
                r"|salario)|work\w* (?:without|no) (?:pay|salary)"
            ),
            unless=r"\b(?:informacion|informacao|information|charla|taller|que es|news|noticia\w*|"
            r"is it common|es comun|"
            r"e comum|prevent\w*|prevenir|prevencao|campan\w*|campaign|curso|course)\b",
        ),
        rule(
            "sold-or-victim",
            r"\b(?:(?:me|nos|la|lo) (?:quieren|quiere|van a|querem|vao) vender|(?:querem|quer|vao) (?:me|nos) vender|"
            r"(?:want|wants|going) to sell (?:me|us|her|him)|sold (?:me|her|him)|me vendieron|vendida|vendido|"
            r"vitima de (?:trafico|trata)|victima de (?:trafico|trata)|victim of traffic\w*)\b",
            unless=r"\b(?:vender (?:el|la|los|las|o|a|os|as|mis|meus|comida|ropa|dulces|cafe|tintos)|"
            r"sell (?:my|the|food))\b",
        ),
        rule(
            "offer-suspicious",
            words(r"ofrec\w*|prometi\w*|promet\w*|offer\w*|promis\w*|oferec\w*|propuest\w*|proposta"),
            words(
                "es seguro|e seguro|is it safe|safe|seguro|segura|pasaje gratis|passagem gratis|free (?:ticket|travel"
                r"|trip)|mentira|trampa|trap|raro|estranh\w*|weird|strange|sospech\w*|suspeit\w*|suspicious"
                "|confiable|confiavel|legit|todo pago|tudo pago|all paid|sera verdad|e verdade|is it true"
                "|is it real"
            ),
        ),
    ),
    # A child alone, lost, taken, harmed, groomed or exploited; a minor writing for themselves.
    "child_protection": (
        rule(
            "child+at-risk",
            CHILD,
            r"\b(?:sola|solos|solas|solo(?! (?:quiere|necesita|tiene|pide|puede|queria|es|son|para|un|una|me|le|lo|la|"
            r"se|que|tengo|habla|come|va|estudia))|solit[oa]s?|sozinh[oa]s?|alone|by (?:him|her)self|"
            r"perdid[oa]s?|se (?:me |nos |le )?perdio|"
            r"se perdeu|(?:is|are|got|was|were|get|be|been) lost|lost (?:child|kid|boy|girl|children|"
            r"kids)|extravi\w*|desaparec\w*|sumiu|sumio|missing|no aparece|nao aparece|abandon\w*|"
            r"sin (?:sus |su )?(?:papas|padres|familia|mama|papa|acompanante|nadie)|sem (?:os |seus )?(?:pais|familia|"
            r"responsave\w*|ninguem)|without (?:his |her |their )?(?:parents|family|anyone)|no (?:parents|family)|"
            r"(?:sin|sem|without|with no) (?:un |an |nenhum )?(?:adultos?|adults?|nadie|ninguem|grown ?ups?)|"
            r"unaccompanied|desacompanhad\w*|no acompanad\w*|no (?:la |lo |los |las )?encuentro|"
            r"nao (?:a |o )?(?:acho|encontro)|can not find|se (?:lo|la|los|las) llev\w*|l[oa]s? llevaron|levaram|"
            r"levad[oa] por|llevad[oa] por|taken (?:away|by)|took (?:him|her|them)|separ\w*|"
            r"(?:no ha|no a|nunca|no|nao|not|never|hasnt|has not) (?:vuelto|volvio|regres\w*|voltou|"
            r"come back|came back)|"
            r"(?:senores|hombres|tipos|homens|men) (?:raros|extranos|estranhos|mayores|a la noche|a noite|at night)|"
            r"strange men|older men|disappear\w*|vanished|runs? away|ran away|se fue con|se escapo|fugiu|"
            r"(?:lo|la|los|las|le|les) (?:estan )?(?:maltrat|abus|peg|golpe|viol)\w*|"
            r"(?:bate|bateu|batem|pega|golpea|beats?|hits?|hurts?|abus\w*|maltrat\w*) "
            r"(?:nela|nele|neles|nelas|a ella|a el|a los|a las|a mis|a mi|her|him|them|the (?:child|kid|kids))|"
            r"being (?:mistreated|abused|beaten|hit)|encerrad\w*|(?:ped\w*|pid\w*) (?:dinero |"
            r"dinheiro )?(?:en la|na) (?:calle|rua)|"
            r"no sabe donde (?:esta|estan) su|nao sabe onde|se mete (?:al|en el|a su) cuarto|entra no quarto|"
            r"(?:sin|no tengo|sem|without) (?:el |su |sus |a )?(?:permiso|autorizacao|autorizacion|permission)|"
            r"by (?:them|him|her)sel(?:f|ves)|(?:left|se fue|foi|went) (?:with|con|com) (?:some|unos|uns|unas|umas|"
            r"strangers|desconocid\w*|desconhecid\w*)|(?:can not|cant|no podemos|nao conseguimos|nao consigo) (?:reach|"
            r"contact|find|localizar|contactar|comunicar\w*|achar)|(?:no|nao) (?:se|sei|sabemos|sabe|"
            r"sabem) (?:donde|onde|"
            r"where) (?:esta|estan|ta|is|are)|touch\w*|manose\w*|toquete\w*|reclut\w*|recrut\w*|recruit\w*|"
            r"grupos? armad\w*|armed group\w*|pandilla\w*|gangs?|apanh\w*|marcas (?:no|en el) (?:corpo|cuerpo)|"
            r"marks on (?:his|her) body|moretones|hematomas|bruises|(?:sell\w*|sold|vend\w*) (?:her|him|them|ela|ele)|"
            r"(?:la|lo|a|o) (?:vende|vendem|venden|vendio|vendeu)|"
            r"(?:left|dejaron|deixaram|"
            r"dejo|deixou|abandon\w*) (?:them|him|her|solos|"
            r"sozinhos|a los ninos|os meninos)|(?:no|nao) (?:sabemos|se|sei|sabe) nada (?:de|d)|(?:do not|dont) know "
            r"where (?:she|he|they) (?:is|are)|no sabemos donde|nao sabemos onde|se mete (?:en|a|al) (?:la |su )?"
            r"(?:cama|cuarto|bano|ducha)|deita com (?:ela|ele)|gets? in(?:to)? (?:her|his) bed|"
            r"(?:padres|papas|pais|parents|mama|mae|papa|pai|madre|mother|father) (?:\w+ )?(?:nunca|never|no|nao) "
            r"(?:aparec\w*|volv\w*|voltam|voltou|came back|come back|return\w*)|(?:mother|mama|mae|madre) (?:is )?gone|"
            r"(?:quit\w*|sac\w*|tir\w*|take|took|lev\w*|llev\w*) (?:a |os |as )?(?:mis|meus|minhas|my|mi|meu) "
            r"(?:hij\w*|filh\w*|kids|children|bebe\w*|nin\w*|son|daughter))\b",
            unless=rf"{LOST_OBJECT}|"
            r"\b(?:policia|police|detenid\w*|detid\w*|carcel|prision|prisao|arrested|detained|jail|prison|"
            r"guarderia|creche|daycare|day care|mientras trabajo|while i work|enquanto trabalho|"
            r"(?:la|el|a|the) (?:clase|aula|class|cita|consulta|turno|distribucion|distribuicao|distribution)|"
            r"extran\w*|saudade|miss (?:their|his|her)|(?:la|el|a|o) (?:gripe|covid|virus|fiebre|febre|tos)|"
            r"hospital|medico|clinica|jugando|brincando|playing|(?:para|a) (?:la |el |a |o )?(?:escuela|escola|colegio|"
            r"school)|to school|(?:can|puede|pode) (?:he|she|el|ella|ele) (?:register|registr\w*|"
            r"inscrib\w*|cadastr\w*)|"
            r"(?:precisa|necesita|need\w*) (?:de )?(?:un |a )?(?:documento|autorizacao|autorizacion|"
            r"permiso|papers|document))\b",
        ),
        rule(
            "child-on-the-street",  # not a family sleeping rough together (a shelter question)
            CHILD,
            r"\b(?:trabaj\w*|durm\w*|dorm\w*|pid\w*|ped\w*|vend\w*|trabalh\w*|work\w*|sleep\w*|slept|beg\w*|viv\w*|"
            r"mora\w*|lives?|living|pasa|passa|spend\w*|noche|noite|night) (?:\w+ ){0,3}(?:en la|na|in the|on the) "
            r"(?:calle|rua|streets?)",
            unless=r"\b(?:estamos|we are|dormimos|nosotros|nos|a gente|con (?:los|mis|nuestros)|com (?:os|meus)|"
            r"with (?:my|the|our))\b",
        ),
        rule(
            "child-lost",
            r"\b(?:perdi|perdemos|perdimos|lost) (?:a |o |a la |al )?(?:mi|mis|meu|minha|meus|my|nuestr\w*) "
            r"(?:hij\w*|filh\w*|nin\w*|bebe\w*|son|daughter|child|kids?|children|sobrin\w*|niet\w*|net[oa]s?)\b",
        ),
        rule(
            "grooming",
            CHILD,
            words("hombre|homem|man|men|guy|senor|adulto|adult|mayor|tipo|cara|viejo|older|rapaz|dude|someone|alguien"),
            words(
                r"regal\w*|gifts?|present\w*|fotos?|photos?|pictures?|novi[oa]|namor\w*|conocer|meet|encontrar"
                r"|levar (?:ela|ele)|llevarsel[oa]|mensaj\w*|mensag\w*|messages?|sending|escrib\w*|promet\w*|promis\w*"
                r"|ofrec\w*|oferec\w*|offer\w*|model\w*|cars?|carro\w*|night|noche|noite|dinero|dinheiro|money"
                r"|convers\w*|chat\w*|talking|whatsapp|instagram|facebook|tiktok|buscar|pick (?:her|him) up|recoger"
                r"|morar|vivir|live with|living with|casar\w*|casamento|marry|married|boda|uni\w*"
            ),
            unless=r"\b(?:medico|doctor|maestro|profesor|professor|teacher)\b",
        ),
        rule(
            "minor-alone",
            r"\b(?:tengo|tenho|i am|soy|sou|me|i|am|aged?|edad|idade) 1[0-7](?: anos| ano|"
            r" years?(?: old)?| yo)?\b(?! (?:dias|dia|days|semanas|"
            r"semana|weeks|meses|mes|months|horas|hours|hijos|filhos|kids|children|personas|pessoas))",
            r"\b(?:sol[oa]|solit[oa]|sozinh[oa]|alone|sin|sem|without|nadie|ninguem|no family|nobody|help|"
            r"ayuda|ajuda|left me|me dejo|me dejaron|me deixou|me deixaram|me abandon\w*|(?:do not|dont) know anyone|"
            r"no conozco a nadie|nao conheco ninguem)\b",
        ),
        rule("minor-named", r"\b(?:soy|sou) menor\b|\bi am (?:a )?minor\b|\bi am under 18\b|\bsoy menor de edad\b"),
    ),
    # Wanting to die, self-harm, a plan or a farewell; also said of someone else.
    "suicidal_crisis": (
        rule(
            "suicide-named",
            r"\b(?:suicid\w*|matarme|me mato|me (?:voy a|quiero|vou) matar|me matar|se (?:quiere|va a|queria) matar|"
            r"quer\w* se matar|kill (?:myself|himself|herself|themselves)|killing (?:myself|himself|herself)|"
            r"end (?:my|his|her) (?:own )?life|ending (?:my|it)|end it|take my (?:own )?life|"
            r"quitar(?:me|se|le) la vida|tirar (?:a )?(?:minha |sua )?(?:propria )?vida|ahorcarme|colgarme|"
            r"me enforcar|hang myself)\b",
            unless=r"\b(?:me (?:van|quieren|quiere) (?:a )?matar|(?:vai|vao|querem|quer) me matar|"
            r"amena[zs]\w* (?:con|de) "
            r"matar\w*|ameac\w* (?:de )?(?:me )?matar|threat\w* to kill|"
            r"(?:will|wants to|going to) kill (?:me|us)|me mata (?:el|la|de)|matar de hambre)\b",
        ),
        rule(
            "want-to-die",
            r"\b(?:quiero|quisiera|queria|quiere|quero|quer|want to|wanna|wants to|gostaria de) "
            r"(?:morir\w*|morrer|morre|muri\w*|die|dye|dormir y no|dormir e nao)\b",
        ),
        rule(
            "burden-better-gone",
            r"\b(?:soy una carga|sou um peso|sou uma carga|i am a burden|burden (?:to|for) (?:everyone|everybody|all)|"
            r"(?:seria|sera|would be|it is|es|e) (?:mejor|melhor|better) (?:si |se |if )?(?:yo |eu |"
            r"i )?(?:no |nao |not )?"
            r"(?:desaparec\w*|sumir|sumisse|morir|morrer|muero|estar|estuviera|existir|existiera|disappear\w*|die|died|"
            r"was gone|were gone|be gone|be here|was not here|were not here|exist\w*)|"
            r"(?:won't|will not|no voy a|nao vou) (?:be here|estar aqui|estar mucho|"
            r"ficar muito) (?:long|mucho|por mucho)|"
            r"(?:saying|said|dijo|se despid\w*|despidiendo|despedindo|despediu) (?:\w+ )?(?:goodbye|"
            r"adios|adeus|de todos|"
            r"a todos|everyone)|(?:regal\w*|dando|doando|do\w*|giving away|gave away) (?:\w+ )?(?:sus|"
            r"suas|his|her|my|mis|"
            r"minhas|meus) (?:cosas|coisas|things|stuff))\b",
            unless=r"\b(?:seria mejor (?:si )?(?:estar|estuviera) (?:en|con|aqui|alla|alli)|"
            r"better to be here|estar mejor)\b",
        ),
        rule(
            "plan-or-farewell",
            r"\b(?:carta (?:para|pra) (?:\w+ ){0,2}(?:por si|caso)|por si (?:ya )?no estoy|"
            r"in case i am (?:not here|gone)|"
            r"caso eu nao (?:esteja|estiver)|if i am gone|cuando ya no este|quando eu nao estiver mais|"
            r"(?:rope|soga|cuerda|corda) (?:\w+ )?(?:ready|lista|pronta|preparad\w*)|(?:have|tengo|"
            r"tenho) (?:the |a |la |una |"
            r"uma )?(?:rope|soga|corda) (?:ready|lista|pronta)|(?:vou|vo|voy a|gonna|going to) (?:me )?mata\b|"
            r"(?:me|se|te) (?:voy a |va a |vai |vou |quiere |quer )?(?:colgar|ahorcar|enforcar)\b(?! (?:la|el|a|o) "
            r"(?:ropa|roupa|cuadro|quadro|foto)))",
        ),
        rule(
            "end-this",
            r"\b(?:acabar (?:com|con) (?:isso|esto|tudo|todo|tudo isso)|que (?:esto|isso|todo|tudo) (?:se )?acab\w*|"
            r"end (?:this|it)) (?:de vez|de una vez|para siempre|pra sempre|once and for all|forever)\b",
            r"\b(?:futuro|future|vida|life|viva|vivo|alive|morir|morrer|die|forcas|fuerzas|aguento|aguanto|"
            r"no quiero estar|nao quero estar)\b",
        ),
        rule(
            "no-way-out",
            r"\b(?:no way out|no hay salida|sin salida|nao (?:tem|ha|vejo) saida|no veo salida|"
            r"(?:want|quiero|quero) (?:it|everything|all|todo|tudo) (?:to )?(?:que )?(?:stop|end|"
            r"se acabe|termine|acabe|"
            r"pare)|can not do this anymore|no puedo mas con (?:esto|mi vida)|nao aguento mais (?:viver|essa vida))\b",
            r"\b(?:forever|para siempre|pra sempre|anymore|ya no|mais|nunca|never|vida|life|vivir|viver|live|nada|"
            r"nothing|todo|tudo|everything|morir|morrer|die|stop)\b",
        ),
        rule(
            "wish-to-die",
            r"\b(?:ganas|vontade|deseo|desejo) de (?:morir\w*|morrer|matarme|me matar|sumir|desaparecer|no vivir|"
            r"nao viver)\b",
        ),
        rule(
            "not-want-to-live",
            r"\b(?:no|nao|not|no longer|ya no) (?:quiero|quero|vale la pena|vale a pena|want to|wanna|want) "
            r"(?:mas |mais |more )?(?:seguir |continuar |go on |keep |to keep )?(?:vivir|viver|"
            r"viviendo|vivendo|live|living|be alive|be here|"
            r"existir|exist|estar aqui|ficar aqui|estar vivo|estar viva)\b",
        ),
        rule(
            "not-go-on",
            r"\b(?:no|nao|not) (?:quiero|quero|want to|wanna|aguanto|tengo fuerzas para|tenho forcas para) "
            r"(?:seguir|continuar|go on|keep going|continue)\b(?! (?:esperando|esperar|con|com|with|en|na|no|el|la|o|"
            r"a|the|my|mi|meu|minha|este|esse|this|buscando|procurando|estudiando|estudando|aqui|asi|adelante|"
            r"tentando|intentando|trying|pagando|trabajando|trabalhando|waiting))",
            r"\b(?:vida|vivir|viver|life|living|fuerzas|forcas|strength|sentido|razon|razao|reason|todo|tudo|"
            r"everything|nada|nothing|morir|morrer|die|acabar|ending|end it|desaparec\w*|sumir|aguanto|aguento|"
            r"can not take|puedo mas|posso mais)\b",
        ),
        rule("no-world", r"\b(?:no|nao|not|do not)\b", r"\b(?:seguir|estar|be|ficar)\b.*\b(?:mundo|world)\b"),
        rule(
            "no-meaning",
            r"\b(?:sentido (?:a|de|en|na|da) (?:la |mi |minha )?(?:vida|nada|vivir|viver|seguir|continuar)|"
            r"(?:sentido|razon|razao|motivo|reason|point) (?:\w+ ){0,2}(?:seguir|vivir|viver|continuar|go on|"
            r"going on|living|live)|point in (?:living|life)|"
            r"reason to (?:live|go on|keep living|continue|be here)|razon para (?:vivir|seguir)|"
            r"(?:razao|motivo) (?:pra|para) (?:continuar|viver|seguir)|no le veo sentido|nao vejo (?:mais )?sentido|"
            r"(?:para|por) que (?:seguir )?(?:vivir|viviendo|viver|vivendo|seguir asi)|what is the point of living)\b",
        ),
        rule(
            "better-without-me",
            r"\b(?:mejor sin mi|melhor sem mim|better (?:off )?without me|no (?:le )?(?:haria|hace) falta a nadie|"
            r"ninguem (?:ia|vai|iria) sentir (?:minha )?falta|nobody (?:would|will) miss me|"
            r"(?:cansad[oa]|cansei|tired) (?:de|of) (?:vivir|viver|living|la vida|a vida|life)|"
            r"carta de despedida|goodbye letter|(?:sumir|sumisse|desaparec\w*|irme|disappear\w*) "
            r"(?:para|pra|de|for) (?:siempre|sempre|ever|good)|dormir (?:para|pra) (?:siempre|sempre)|sleep forever|"
            r"(?:y|e|and) (?:no|nao|not|never) (?:despertar|acordar|wake up)|no existiera|nao existisse|no existir|"
            r"nao existir|(?:no|nao) (?:quiero|quero) (?:mas |mais )?existir|(?:did not|not) exist|"
            r"(?:para|pra|so|to) (?:i )?(?:no|nao|not|will not|never) (?:despertar|acordar|wake up)|"
            r"(?:desaparecer|sumir) (?:para|pra|de) (?:una vez|vez))\b",
            unless=r"\b(?:(?:te|le|lo|la) (?:amo|quiero|extrano)|gracias|obrigad\w*|thanks|thank you|recuerdo|"
            r"lembranca)\b",
        ),
        rule(
            "jump-pills-wrists",
            r"\b(?:(?:me|se|te) (?:jogar|tirar|lanzar|botar|aventar) (?:da|de|del|desde|do|pela|por la) "
            r"(?:la |a |o |el )?(?:ponte|puente|predio|edificio|janela|ventana|techo|telhado|balcon)|"
            r"jump (?:off|from) (?:the|a) (?:bridge|building|window|roof)|"
            r"se cort\w* (?:las |los |os |as )?(?:munecas|venas|brazos|pulsos|bracos)|cortou os pulsos|"
            r"cut (?:her|his|my) wrists|dejar de existir|deixar de existir|stop existing|"
            r"dejar de vivir|deixar de viver|"
            r"(?:no|nao) (?:quiero|quero|want to) (?:despertar|acordar|wake up)|"
            r"(?:cansad[oa]|cansei|tired) (?:de|of) (?:luchar|lutar|fighting)|"
            r"(?:pills|pastillas|remedios|comprimidos) (?:\w+ )?(?:saved|guardad\w*|juntad\w*|acumulad\w*)|"
            r"(?:take|tomar\w*|tomo) (?:them all|all of them|todas|todos de una|todas de una))\b",
        ),
        rule(
            "pills-jump",
            r"\b(?:(?:todas|todos) (?:las|os|mis|meus) (?:pastillas|pildoras|remedios|comprimidos)|"
            r"all (?:the|my) pills|"
            r"overdose|sobredosis|me (?:quiero|voy a) (?:tirar|lanzar|botar)|(?:tirarme|lanzarme|botarme|me jogar|"
            r"jump) (?:del|de un|al|da|de|off))\b",
            r"\b(?:tomar\w*|tomo|take|tomei|quiero|quero|want|voy|vou|tiene|tem|has|matar|vida|life|morir|die|"
            r"puente|ponte|bridge|edificio|predio|building|ventana|janela|window|guardad\w*|colgar|enforcar|hang)\b",
        ),
        rule(
            "self-harm",
            r"\b(?:cortarme|me corto|me estoy cortando|me cortando|se (?:esta )?cortando|se corta|me corte las venas|"
            r"cutting (?:myself|himself|herself|my|his|her)|cut myself|cuts (?:himself|herself)|hacerme dano|"
            r"me hago dano|me estoy haciendo dano|(?:quiero|quero|want to) (?:cortarme|me cortar|cut myself)|"
            r"me quiero cortar|"
            r"hurt(?:ing)? myself|harm(?:ing)? myself|self harm|(?:quero|vou|quiero|voy a|penso em|"
            r"pensando em|estou) me "
            r"machuc\w*)\b",
        ),
        rule(
            "end-it-all",
            r"\b(?:acabar con (?:todo|mi vida)|acabar com (?:tudo|minha vida)|end it all|end everything|"
            r"(?:pienso|penso|pensando|pensado|thinking|think) (?:en |em |about |de |of )?(?:me mat|matarme|suicid|"
            r"quitarme|ending|end my|kill|acabar con todo|acabar com tudo|morir|morrer|dying|die))\w*\b",
        ),
        rule(
            "me-quiero-morir",
            r"\b(?:rather|prefer|would rather) (?:be |to be )?dead\b|\bwould rather die\b|"
            r"\b(?:me quiero|me voy a|mejor me) (?:mor|muer)\w*|\bmejor (?:estar )?muert[oa]\b|"
            r"\bprefiero (?:estar )?muert|"
            r"\bprefiro (?:estar )?mort[oa]\b",
            unless=r"\b(?:(?:mor|muer)\w* de|muert[oa] de|mort[oa] de)\b",
        ),
    ),
    # Violence: beaten, raped, threatened, attacked, controlled by a partner.
    "violence_gbv": (
        rule(
            "hit-threatened",
            r"\b(?:me|la|lo|le|nos|les) (?:pega\w*|pego|golpe\w*|bate\w*|bateu|maltrat\w*|agred\w*|agrid\w*|"
            r"viol[oa]\w*|"
            r"abus\w*|amena[zs]\w*|ameac\w*|manose\w*|estupr\w*|ahorc\w*|pate\w*|chuz\w*|acos(?:o|a|"
            r"an|aron|ando|ador)|persig\w*|"
            r"perseg\w*|cachete\w*|abofete\w*|empuj\w*|empurr\w*|xing\w*|espanc\w*|forz\w*|forc\w*|"
            r"atac\w*|slaps?|hit|hits|beat\w*|attack\w*|raped?|force\w*|quem\w*|queim\w*|burn\w*|chok\w*|"
            r"strangl\w*|estrangul\w*|enforc\w*|sufoc\w*)\b"
            r"|\b(?:(?:me|le|la) (?:dio|dieron|deu|deram|metio) (?:una |uma )?(?:paliza|golpiza|pela|surra|coca)|"
            r"beat (?:me|her) up|gave me a beating|(?:vai|va a|going to|will) acabar (?:comigo|conmigo)|"
            r"(?:chokes|choked|choking|strangles?) (?:me|her))\b"
            r"|\bme agarr\w* (?:del|por el|por la|el pelo|el cuello|a la fuerza|en|unos|entre)\b|"
            r"\b(?:grabbed|grab) me\b",
            unless=r"\b(?:asilo|asylum|refugiad\w*|refugee status|refugio politico|"
            r"me (?:pega|pego) (?:el|la) (?:sol|gripe|covid|virus)|ataque de (?:risa|tos|panico)|"
            r"hit me up|me agarr\w* (?:la|el) (?:lluvia|noche|gripe))\b",
        ),
        rule(
            "named",
            r"\b(?:violad[oa]|violaron|violacion|estuprad[oa]|estupro|apanh\w*|moreton\w*|golpes|golpead[oa]|"
            r"abused|abusing|abuses (?:me|her|him)|hits? (?:me|her|him)|hitting (?:me|her)|beats? (?:me|her|him|us)|"
            r"beaten|beating me|raped|rape|sexually assaulted|assault\w*|threaten\w*|stalk\w*|"
            r"violencia (?:domestica|intrafamiliar|sexual|de genero)|domestic violence|abuso sexual|sexual abuse|"
            r"abusad[oa]s?|me (?:quieren|quiere|van a) (?:hacer dano|matar)|(?:want|wants|will|going) to (?:hurt|kill) "
            r"(?:me|us)|(?:he|she|they) will kill (?:me|us)|(?:quer|querem|vai|vao) me (?:machucar|matar|pegar)|"
            r"tener relaciones (?:a la fuerza|sin querer|cuando no quiero)|forced me|force me|me forcou|me forzo|"
            r"amenaz\w* de muerte|ameac\w* de morte|death threats?|amenazad[oa]s?|ameacad[oa]s?|"
            r"did (?:\w+ )?things to (?:me|her)|(?:hicieron|hizo|fizeram|fez) (?:cosas|coisas) (?:malas|feas|horribles|"
            r"ruins|horriveis)|(?:si|se|if) (?:\w+ ){0,4}(?:me mata|me matar|me matara|kill me|kills me)|"
            r"(?:coisa|cosa|thing)s? (?:que|q|i) (?:eu )?(?:no|nao|n|did not|do not) "
            r"(?:queria|quise|quis|want|wanted)|cara morada|(?:dejo|dejaron|puso) morad[oa]|morad[oa] el ojo|olho roxo|"
            r"black eye|violencia|violence|violent[oa]|abuso|abuse|hurt me|hurting me|hurts me|me lastim\w*|"
            r"me (?:hizo|hicieron|fez|fizeram) dano|me machuc\w*|(?:took|dragged) me (?:in|into|to) the (?:bush|woods)|"
            r"me (?:llevaron|arrastraron) al monte|me levaram (?:pro|para o) mato|(?:makes|made|"
            r"make) me do (?:things|stuff)|"
            r"me (?:obliga|obligo) a hacer cosas|me (?:obriga|obrigou) a fazer coisas|when i say no|"
            r"cuando (?:le )?digo que no|"
            r"quando (?:eu )?digo (?:que )?nao|"
            r"toc\w* (?:sin|sem) (?:mi |meu |minha )?(?:permiso|permissao|consentimiento)|touched me without|"
            r"me (?:tocaron|tocaram|forzaron|forcaram|oblig\w* a tener|obrigou a)|"
            r"(?:oblig\w*|obrig\w*|forc\w*|forz\w*) a (?:tener relaciones|tener sexo|ter relacoes|fazer sexo))\b",
            unless=r"\b(?:violencia (?:en|na) (?:la )?(?:tele|television|noticias|news)|informacion sobre|"
            r"matar de (?:hambre|fome)|jaja\w*|kkk\w*|haha\w*|lol)\b",
        ),
        rule(
            "controlling-partner",
            PARTNER,
            r"\b(?:no me deja\w* (?:salir|trabajar|ver|hablar)|nao me deixa\w* (?:sair|trabalhar)|"
            r"(?:not|never) let\w* me (?:go|out|leave|work)|me quita (?:el|la|mi) (?:dinero|telefono|celular|plata)|"
            r"me controla\w*|me grita\w*|locks? me|me encierra\w*|me tranca\w*|"
            r"me quit\w* (?:los |mis |o |os |meus )?(?:documentos?|papeles|pasaporte|passaporte)|"
            r"takes? my (?:phone|money)|tengo miedo|to com medo|tenho medo|"
            r"estou com medo|i am scared|i am afraid|afraid of (?:him|her))\b",
        ),
    ),
}

# Look-alikes that clear a kind for the whole message when no rule of that kind matched: the
# engine's other layers must not escalate these to that queue either.
CLEARS: dict[str, re.Pattern[str]] = {
    # A stolen or lost passport, a document checked by an official: a documents question.
    "human_trafficking": _compile(rf"(?:{LOST_OR_STOLEN}|{OFFICIALS}).*{DOCUMENT}|{DOCUMENT}.*(?:{LOST_OR_STOLEN})"),
    # A child who lost a card, a code, a document: a question about that card, not a child at risk.
    "child_protection": _compile(
        rf"{CHILD}(?: \w+){{0,3}} (?:{LOST_OBJECT})|(?:{LOST_OBJECT})(?: \w+){{0,3}} {CHILD}|"
        rf"{CHILD}(?: \w+){{0,3}} (?:perdio|perdeu|lost|se le perdio|extravio)(?: \w+){{0,3}} (?:codigo|code|pin|"
        r"tarjeta|card|cartao|bono|voucher|vale|documento\w*|document\w*|id|papeles|pasaporte|passport|celular|phone)\b"
    ),
    # "Me tocó esperar": it was my turn to wait (not a touch).
    "psea_report": _compile(
        r"\bme (?:toco|toca|tocaba) (?:esperar|ir|volver|hacer|pagar|venir|regresar|salir|caminar|dormir|quedarme)\b"
    ),
    # Hunger, tiredness, laughter: figures of speech with "morir".
    "suicidal_crisis": _compile(
        r"\b(?:muero de|muriendo de|morrendo de|dying (?:of|for|to)|muert[oa] de|mort[oa] de|me mata el|"
        r"killing time|morir de (?:la )?risa|me muero de|matar de (?:hambre|fome)|mor\w* de fome)\b"
    ),
}

_SENTENCE = re.compile(
    r"(?:[.!?;:\n]+|\s(?:pero|but|mas|ademas|tambien|also|another thing|outra coisa|"
    r"lo otro es que)\s)"
)
_FINAL_DOUBLE = re.compile(r"([aiu])\1+\b")  # "ayudaa", "porfii"; not "free", "cree", "zoo"


# Spellings the shared normalisation leaves alone (it also feeds the topic layers), expanded here only.
SAFETY_SLANG = {
    "vo": "vou",
    "hj": "hoje",
    "d": "de",
    "n": "no",
    "nd": "nada",
    "qro": "quero",
    "qero": "quero",
    "kro": "quero",
    "toy": "estoy",
    "tamos": "estamos",
    "bn": "bien",
    "wah": "what",
    "di": "the",
    "dem": "them",
    "lef": "left",
    "mek": "make",
    "gyal": "girl",
    "wid": "with",
    "dnd": "donde",
    "trabaiando": "trabalhando",
}


def _expand(sentence: str) -> str:
    return " ".join(SAFETY_SLANG.get(word, word) for word in _FINAL_DOUBLE.sub(r"\1", sentence).split())


def sentences(text: str) -> list[str]:
    """The message cut into sentences (punctuation, new lines), each normalised."""
    parts = [_expand(normalise(part)) for part in _SENTENCE.split(text)]
    return [part for part in parts if part]


def _windows(parts: list[str]) -> list[str]:
    """Each sentence, then each pair of adjacent sentences (two cues split by a full stop)."""
    return parts + [f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False)]


def _matches(r: Rule, window: str) -> bool | None:
    """True: the rule matches; None: it would, but its look-alike exception holds; False: no."""
    if not all(p.search(window) for p in r.needs):
        return False
    return None if r.unless is not None and r.unless.search(window) else True


@lru_cache(maxsize=4096)
def assess(text: str) -> Assessment:
    """Does a person have to see this message now, and in which queue (a topic id of KINDS)?

    The rules first (precise, they name the words that decided); where they find nothing, the
    statistical model (safety_model.py), which reads indirect and misspelt wording, with the
    kinds a look-alike exception ruled out left out."""
    found = assess_rules(text)
    if found.kind:
        return found
    verdict = safety_model.verdict(safety_model.model(), text, exclude=found.cleared)
    if verdict.kind is None:
        return found
    return Assessment(verdict.kind, verdict.window, (f"{verdict.kind}:model {verdict.probability:.2f}",), found.cleared)


def assess_rules(text: str) -> Assessment:
    """The rules alone (and the look-alike exceptions that held)."""
    parts = sentences(text)
    windows = _windows(parts)
    cleared: list[str] = []
    for kind in PRIORITY:
        for window in windows:
            outcomes = [(r.name, _matches(r, window)) for r in RULES[kind]]
            hits = tuple(f"{kind}:{name}" for name, outcome in outcomes if outcome)
            if hits:
                return Assessment(kind, window, hits)
            if any(outcome is None for _, outcome in outcomes) and kind not in cleared:
                cleared.append(kind)
    whole = " ".join(parts)
    cleared += [kind for kind, pattern in CLEARS.items() if kind not in cleared and pattern.search(whole)]
    return Assessment(None, "", (), tuple(cleared))


def involves_child(text: str) -> bool:
    """Does the text name a child or a minor (a trafficked or beaten child is also a child-protection case)?"""
    return bool(_CHILD_RE.search(normalise(text)))


_CHILD_RE = _compile(CHILD)


def sensitive_topics(text: str) -> tuple[str, ...]:
    """The sensitive topics the layer finds in the message (the first one decides; kept for callers)."""
    kind = assess(text).kind
    return (kind,) if kind else ()
