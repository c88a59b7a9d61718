"""Feedback objects for the permission matrix: an ordinary item, a confidential one (whose
focal point is the Colombian protection officer), and a rumour cluster, per country."""

from caminante.core.roles import Role
from caminante.feedback.models import FocalPoint
from caminante.feedback.services import receive_feedback, save_cluster

PARAM_KINDS = {"feedback_id": "feedback", "confidential_id": "confidential", "cluster_id": "rumour_cluster"}
PK_ROUTE_PREFIXES = {"feedback-item-": "feedback"}


def build(country, writer, point, users):
    ns = point.national_society
    if country == "co":
        FocalPoint.objects.get_or_create(national_society=ns, user=users[Role.PROTECTION])
    ordinary = receive_feedback(writer, national_society=ns, channel="hsp", text="¿Dónde puedo cargar el celular?")
    confidential = receive_feedback(
        writer, national_society=ns, channel="hsp", text="Un voluntario me pidió sexo a cambio de la ayuda"
    )
    officer = users[Role.OFFICER] if country == "co" else users[Role.ADMIN]
    cluster = save_cluster(officer, national_society=ns, name=f"Rumor {country}", keywords="vacuna")
    return {"feedback": ordinary.pk, "confidential": confidential.pk, "rumour_cluster": cluster.pk}
