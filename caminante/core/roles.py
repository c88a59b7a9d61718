"""Roles and what each may do. One place for the capability rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    COORDINATOR = "coordinator", _("HSP coordinator")
    OFFICER = "officer", _("Programme officer")
    PROTECTION = "protection", _("Protection officer")
    # Restoring Family Links: tracing cases of one National Society (caminante/rfl).
    RFL = "rfl", _("RFL officer")
    DATA_MANAGER = "datamanager", _("Data manager")
    ANALYST = "analyst", _("Regional analyst")
    ADMIN = "admin", _("Administrator")
    # People outside the National Society who use one narrow part of the platform.
    VENDOR = "vendor", _("Vendor (shop)")
    PARTNER = "partner", _("Partner organisation")


# Roles whose scope is one service point, one National Society, or everything.
HSP_ROLES = frozenset({Role.VOLUNTEER, Role.COORDINATOR})
NS_ROLES = frozenset({Role.OFFICER, Role.PROTECTION, Role.RFL, Role.DATA_MANAGER})
GLOBAL_ROLES = frozenset({Role.ANALYST, Role.ADMIN})
# Outside users, scoped to one National Society and to their own shop or organisation (the
# cash and referrals apps narrow them further). They never see the registry.
EXTERNAL_ROLES = frozenset({Role.VENDOR, Role.PARTNER})
# Everyone who works for the Movement.
STAFF_ROLES = HSP_ROLES | NS_ROLES | GLOBAL_ROLES
# Where each external role lands after logging in (URL names; staff land on "home").
ROLE_HOME = {Role.VENDOR: "vendor-home", Role.PARTNER: "partner-home"}

# Who may read person-level records (the analyst sees aggregates only).
PERSON_READERS = HSP_ROLES | NS_ROLES | {Role.ADMIN}
# Who may register people and record services.
FIELD_WRITERS = HSP_ROLES | {Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN}
# Who may read sensitive protection fields (survivor of violence, ...). Every read is audited.
SENSITIVE_READERS = frozenset({Role.PROTECTION})
# Who may read and work on Restoring Family Links cases (tracing), of their own National Society
# only: no global role sees them. Every read is audited.
RFL_ROLES = frozenset({Role.RFL, Role.PROTECTION})
# Who may export record-level data.
EXPORTERS = frozenset({Role.DATA_MANAGER})
# Who may see aggregate indicators.
AGGREGATE_READERS = STAFF_ROLES - {Role.VOLUNTEER}
