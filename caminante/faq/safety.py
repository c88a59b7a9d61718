"""A broad safety lexicon: wording that must reach a sensitive topic (and a trained person) even when
neither the patterns nor the statistical layer recognise the phrasing.

Biased to recall on purpose: indirect wording, diminutives ("chamita solita"), third persons ("mi
amiga se quiere matar"), es/pt/en. Matched on the normalised text (no accents, lower case, slang
expanded: "chamo" is already "nino"). Each entry is a regular expression, or a pair of them that
must both match. Missing an escalation is the worst error the assistant can make; answering the
protection message to someone who did not need it is a much smaller one.
"""

import re
from functools import lru_cache

from .normalize import normalise

Rule = tuple[re.Pattern[str], ...]


def _rules(*specs: str | tuple[str, ...]) -> list[Rule]:
    out = []
    for spec in specs:
        parts = (spec,) if isinstance(spec, str) else spec
        out.append(tuple(re.compile(p) for p in parts))
    return out


_CHILD = (
    r"\b(nin[oa]s?|ninit[oa]s?|nene|nena|pelait[oa]s?|carajit[oa]s?|chiquit[oa]s?|muchachit[oa]s?|menor(es)?|"
    r"hij[oa]s?|hijit[oa]s?|bebes?|sobrin[oa]s?|niet[oa]s?|criancas?|menin[oa]s?|garot[oa]s?|filh[oa]s?|"
    r"guri|guria|child|children|kids?|boy|girl|son|daughter|baby|minor|teenager|adolescentes?)\b"
)
_CHILD_AT_RISK = (
    r"\b(sol[oa]s?|solit[oa]s?|sozinh[oa]s?|alone|perdid[oa]s?|se (me )?perdio|se perdeu|perdeu|lost|"
    r"extravi\w*|desaparec\w*|se (me |nos |le )?perdio|sumiu|missing|no aparece|nao aparece|abandonad\w*|abandon\w*|"
    r"sin (sus |su )?(papas|padres|familia|mama|papa|acompanante)|sem (os |seus )?(pais|familia|responsave\w*)|"
    r"without (his |her |their )?(parents|family)|unaccompanied|desacompanhad\w*|no acompanad\w*|"
    r"no (la |lo |los |las )?encuentro|nao (a |o )?(acho|encontro)|can not find|cant find|"
    r"se (lo|la|los|las) llevaron|l[oa]s? llevaron|levaram|took (my|him|her|them)|taken away|"
    r"(quit|sac)\w* (a )?mis hij\w*|tir\w* (os )?meus filh\w*|take my (kids|children|son|daughter)|"
    r"separ\w*|(sin|no tengo|sem) (el )?(permiso|autorizacao)|"
    r"(sin|sem|without|with no|no) (adultos?|adults?|nadie|ninguem|family|parents)|"
    r"(no ha|nunca|no|nao|not|never|hasnt|has not) (vuelto|volvio|voltou|come back|came back)|"
    r"(senores|hombres|tipos|homens|men) (raros|extranos|estranhos|mayores)|strange men|older men|"
    r"disappear\w*|vanished|run away|(quit|sac|llev)\w* (a )?(mi|mis) (hij\w*|bebe\w*|nin[oa]s?)|"
    r"se fue con|se escapo|fugiu|ran away|(lo|la|los|las|le|les) (estan )?(maltrat|abus|pega|golpe)\w*|"
    r"(being )?(mistreat|abus|beat|beaten|hit)\w* (him|her|them|the child|the kid)|being (mistreated|abused|beaten)|"
    r"pidiendo (plata |dinero )?en la calle|trabajando en la calle|"
    r"no sabe donde (esta|estan) su|nao sabe onde)\b"
)
_CHILD_NOT = (
    r"\b(codigo|code|pin|clave|senha|celular|telefono|phone|tarjeta|card|cartao|bono|voucher|vale|cupon|chip|sim|"
    r"maleta|mochila|bag|documento\w*|papeles|pasaporte|passport|passaporte|registro|cadastro|"
    r"policia|police|detenid\w*|detid\w*|carcel|prision|prisao|pres[oa]|arrested|detained|jail|prison)\b"
)
_AID_STAFF = (
    r"\b(voluntari[oa]s?|volunteers?|funcionari[oa]s?|trabajador(es|a)?|staff|workers?|cruz roja|cruz vermelha|"
    r"red cross|ong|ngo|trabalhador\w*|humanitari\w*|chaleco|colete|vest|encargad[oa]|coordinador\w*|"
    r"promotor\w*|atendente|"
    r"el que (reparte|entrega|atiende)|la que (reparte|entrega|atiende)|o que (entrega|atende)|"
    r"del punto|do posto|at the point|de la organizacion|aid)\b"
)
_SEXUAL = (
    r"\b(sex\w*|acost\w*|dormir con(migo)?|transar|fotos? (intim\w*|desnud\w*|sin ropa)|nudes?|intimate|"
    r"manose\w*|me toc\w*|toco|tocou|tocaron|touch\w*|assedi\w*|acos\w*|harass\w*|favores|favors|favours|"
    r"besar\w*|besos?|beij\w*|kiss\w*|propuso cosas|propuesta\w*|indecent\w*|abus\w*|cosas feas|novia|novio|"
    r"mensajes (raros|feos|sexuales)|mensagens estranhas|strange messages|(salgo|salir) con el|sair com ele|"
    r"go out with (him|her)|(mi|meu|my) numero|my number)\b"
)
_IN_EXCHANGE = r"\b(a cambio|em troca|in exchange|lista|list|kit|bono|voucher|vale|mercado|cupo)\b"

RULES: dict[str, list[Rule]] = {
    "suicidal_crisis": _rules(
        r"\b(suicid\w*|(?<!con )(?<!quiere )(?<!quieren )matarme|me mato|me voy a matar|me matar|"
        r"se (quiere|va a|queria) matar|quer\w* se matar|"
        r"kill (myself|himself|herself|themselves)|killing (myself|himself|herself)|"
        r"end (my|his|her) (own )?life|take my (own )?life|quitarme la vida|quitarse la vida|tirar (a )?(minha )?vida)",
        r"\b(quiero|quisiera|queria|quiere|quero|quer|queria|want to|wanna|wants to) (morir\w*|morrer|die)\b",
        r"\bsentido (a|de|en|na|da) (la |mi |minha )?vida\b|\bpoint in (living|life)\b|\breason to (live|go on)\b",
        (r"\b(no|nao|not|dont|do not)\b", r"\b(seguir|estar|be|ficar)\b.*\b(mundo|world)\b"),
        r"\bse (corta|esta cortando|cortando|corto) (los|las|el|la|os|as|o|a)? ?(brazos|munecas|venas|bracos|pulsos)\b",
        r"\b(se esta cortando|esta se cortando|cutting (his|her|their|my) (arms|wrists)|cuts (himself|herself))\b",
        r"\b((todas|todos) (las|os) (pastillas|pildoras|remedios|comprimidos)|all (the|my) pills|overdose|"
        r"sobredosis)\b",
        r"\b(no existiera|no existir|nao existir|nao existisse|(didnt|did not|not) exist)\b",
        r"\bme (quiero|voy a) (tirar|lanzar|botar)\b",
        r"\b(me quiero|me voy a|mejor me) muer\w*|\bmejor (estar )?muert[oa]\b|\bprefiero (estar )?muert",
        r"\b(no|nao) (quiero|quero|vale la pena|vale a pena) (mas |mais )?(seguir )?(vivir|viver|viviendo|vivendo)\b",
        r"\b(quiero|quero|want to) (cortarme|cortar|me cortar|cut myself)\b|\bme quiero cortar\b",
        r"\b(do not|dont|no longer) want to (live|be alive|be here)\b|\bno reason to live\b",
        r"\b(para|pa|pra) que (seguir )?(vivir|viviendo|viver|vivendo)\b|\bwhat is the point of living\b",
        r"\b(no|nao|not|never) (despertar|acordar|wake up)\b",
        r"\b(cortarme|me corto|me estoy cortando|me cortando|me corte las venas|cutting myself|cut myself|"
        r"hacerme dano|me hago dano|me estoy haciendo dano|hurt(ing)? myself|harm(ing)? myself|self harm|"
        r"me machucar|me machucando)\b",
        r"\b(acabar con (todo|mi vida)|acabar com (tudo|minha vida)|end it all|end everything)\b",
        r"\b(desaparecer|sumir) (para|pra|pa|de) (siempre|sempre|una vez|vez)\b|\bdisappear (forever|for good)\b",
        r"\b(tirarme|lanzarme|botarme|me jogar|jump) (del|de un|al|da|de|off)\b",
    ),
    "psea_report": _rules(
        (_AID_STAFF, _SEXUAL),
        (r"\b(sex\w*|favores|favors|favours|acost\w*|fotos|dormir con)\b", _IN_EXCHANGE),
        r"\b(si me acuesto|si duermo con|se eu dormir com|if i sleep with)\b",
        r"\b(explotacion|exploracao|exploitation|abuso|abuse) sexual\b.*\b(ayuda|ajuda|aid|humanitari\w*)\b",
    ),
    "human_trafficking": _rules(
        r"\b(quitaron|quito|retien\w*|retuv\w*|se quedo con|se quedaron con|guardan?|tienen|tiene|decomis\w*)"
        r" (mi|mis|el|los|nuestros?|nuestras?) (pasaporte|documentos?|papeles|cedula)\b",
        r"\b(tomaram|tomou|ficaram com|ficou com|pegaram|pegou|retem|retiveram|seguram|segura)"
        r" (o |os |a |as )?(meu |meus |minha |minhas |nosso |nossos )?(passaporte|documentos?|papeis)\b",
        r"\b(devuelve\w*|debuelve\w*|devolver\w*|devolvi\w*|devolve\w*|give back|gives back|return\w*) "
        r"(el |los |la |mi |mis |o |os |meu |meus |my |our )?(pasaporte|passaporte|passport|documentos?|papeles|"
        r"cedula|papers)\b",
        r"\b(took|taken|kept|keep|keeps|keeping|holding|holds|confiscat\w*) (my|our|her|his) "
        r"(passport|documents|papers|id)\b",
        r"\bno (me|nos|la|lo|las|los) (deja|dejan|dejaron) (salir|ir\w*)\b",
        r"\bnao (me |nos |a |o )?deix\w* (a gente )?(sair|ir)\b",
        (
            r"\b(no (podemos|puedo|pueden|puede) (salir|irme|irnos|irse)|nao (podemos|posso|pode) sair|"
            r"cant leave|can not leave)\b",
            r"\b(trabaj\w*|trabalh\w*|work\w*|traje\w*|trouxe\w*|brought|engan\w*|lies|mentira\w*|finca|fazenda|farm|"
            r"jefe|patron|dueno|dono|owner|boss|casa)\b",
        ),
        (
            r"\b(no|nao|dont|do not|never) (me |nos )?(pagan|pagam|pay)\b",
            r"\b(trabaj\w*|trabalh\w*|work\w*|jefe|patron|boss|dia|day)\b",
        ),
        r"\b(wont|will not|dont|do not) let (me|us|her|him|them) (leave|go)\b",
        r"\b(encerrad[oa]s?|encierran|encerraron|trancad[oa]s?|presos? en la finca|locked (in|up))\b",
        (
            r"\b(deuda|debo|debemos|le debo|divida|devo|devemos|owe|debt)\b",
            r"\b(trabaj\w*|trabalh\w*|work\w*|salir|sair|leave|viaje|viagem|trip|trajo|trouxe|brought|coyote|"
            r"pasaje|passagem|me tiene|retenid\w*|paso|passou|frontera|fronteira|border|trocha)\b",
        ),
        (
            r"\b(oblig\w*|forz\w*|forc\w*|obrig\w*|make me|makes me|made me|a la fuerza|a forca|by force)\b",
            r"\b(trabaj\w*|trabalh\w*|work\w*|vender|vend\w*|sell\w*|prostitu\w*|drog\w*|drugs?)\b",
        ),
        r"\b(trata de (personas|blancas)|trafico de personas|trafico humano|trafficking|trafficked|"
        r"tráfico de pessoas|trafico de pessoas|prostitu\w*|explotacion laboral|trabajo forzado|trabalho escravo|"
        r"forced labou?r|enganad[oa]s?|enganaron|tricked|deceived|sin pagarme|sem receber|without pay)\b",
        (
            r"\b(ofrec\w*|ofrece\w*|prometi\w*|promet\w*|offer\w*|promis\w*|oferec\w*|propuest\w*|proposta)\b",
            r"\b(otro pais|exterior|afuera|abroad|outro pais|europa|mexico|pasaje gratis|passagem gratis|"
            r"free (ticket|travel|trip)|mentira|trampa|trap|raro|estranh\w*|weird|strange|sospech\w*|"
            r"suspeit\w*|suspicious|confiable|confiavel|seguro|safe|legit|todo pago|tudo pago|all paid|verdad|"
            r"verdade|true|real|"
            r"chile|peru|mexico|espana|europa|estados unidos|usa|trinidad|panama|argentina|otra ciudad)\b",
        ),
    ),
    "child_protection": _rules(
        (_CHILD, _CHILD_AT_RISK),
        (r"\b(tengo|tenho|i am|im|i m) 1[0-7]\b", r"\b(sol[oa]|sozinh[oa]|alone|sin|sem|without|nadie|ninguem)\b"),
        r"\b(soy|sou) menor( de edad| de idade)?\b|\bi am (a )?minor\b|\bim (a )?minor\b|\bi am under 18\b",
    ),
    "violence_gbv": _rules(
        r"\b(me|la|lo|le|nos|les) (pega|pego|pegan|pegaron|golpe\w*|bate|bateu|batem|batia|maltrat\w*|agred\w*|"
        r"agrid\w*|viol[oa]\w*|abus\w*|amenaz\w*|ameac\w*|manose\w*|estupr\w*|ahorc\w*|pate\w*|chuz\w*|"
        r"acos\w*|persigue|persegue|cachete\w*|abofete\w*|slaps?)\b",
        r"\b(me|nos) (toco|tocaron|tocou|tocaram|forzo|forzaron|forcou|forcaram|obligo a tener)\b",
        r"\b(violad[oa]|violaron|violacion|estuprad[oa]|estupro|apanh\w*|moreton\w*|golpes|golpead[oa]|"
        r"abuses? (me|her|him)|hits? (me|her|him)|hitting (me|her)|beats? (me|her|him|us)|beaten|beating me|raped|rape|"
        r"sexually assaulted|assault\w*|abused|abusing|threaten\w*|stalk\w*|violencia (domestica|intrafamiliar|"
        r"sexual|de genero)|violencia domestica|domestic violence|abuso sexual|sexual abuse|"
        r"me (quieren|quiere|van a) (hacer dano|matar)|(want|wants) to (hurt|kill) (me|us)|"
        r"(quer|querem) me (machucar|matar)|tener relaciones (a la fuerza|sin querer)|forced me|"
        r"amenaz\w* de muerte|ameac\w* de morte|death threats?|amenazad[oa]s?|ameacad[oa]s?|"
        r"violencia|violence|abuso|abuse|abusad[oa]s?)\b",
    ),
}
PRIORITY = ("psea_report", "human_trafficking", "child_protection", "suicidal_crisis", "violence_gbv")


@lru_cache(maxsize=4096)
def sensitive_topics(text: str) -> tuple[str, ...]:
    """The sensitive topics whose safety wording the message contains, in order of priority."""
    norm = normalise(text)
    found = []
    for topic in PRIORITY:
        for rule in RULES[topic]:
            if all(p.search(norm) for p in rule):
                if topic == "child_protection" and len(rule) == 2 and re.search(_CHILD_NOT, norm):
                    continue
                found.append(topic)
                break
    return tuple(found)
