"""Referrals objects for the permission matrix: a directory service, a pathway and a (non-urgent)
referral per country; the Colombian partner user is linked to the Colombian service's organisation."""

from datetime import date

from caminante.core.models import PartnerOrganisation
from caminante.core.roles import Role
from caminante.referrals.models import DirectoryService, Pathway, PathwayStep
from caminante.referrals.services import send_referral
from caminante.registry.selectors import people_for

PARAM_KINDS = {
    "service_id": "directory_service",
    "referral_id": "referral",
    "pathway_id": "pathway",
    "token": "referral_token",
}


def build(country, writer, point, users):
    ns = point.national_society
    organisation = PartnerOrganisation.objects.create(
        national_society=ns, name=f"Matrix partner {country}", email=f"partner.{country}@example.org"
    )
    service = DirectoryService.objects.create(
        national_society=ns,
        organisation=organisation,
        name=f"Matrix legal aid {country}",
        service_type="legal-aid",
        city=point.city,
        latitude=point.latitude,
        longitude=point.longitude,
        email=organisation.email,
        last_verified=date.today(),
    )
    pathway = Pathway.objects.create(national_society=ns, need="legal-help", name="Legal help")
    PathwayStep.objects.create(pathway=pathway, position=1, service_type="legal-aid")
    person = people_for(writer).order_by("created_at").first()
    referral = send_referral(writer, person=person, need="legal-help", service=service, consent=True).referral
    if country == "co":
        partner = users[Role.PARTNER]
        partner.partner_organisation = organisation
        partner.save()
    return {
        "directory_service": service.pk,
        "referral": referral.pk,
        "pathway": pathway.pk,
        # The matrix calls token links without credentials: a token that opens nothing.
        "referral_token": "no-such-token",
    }
