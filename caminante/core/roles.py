"""Roles and what each may do. One place for the capability rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    COORDINATOR = "coordinator", _("HSP coordinator")
    OFFICER = "officer", _("Programme officer")
    PROTECTION = "protection", _("Protection officer")
    DATA_MANAGER = "datamanager", _("Data manager")
    ANALYST = "analyst", _("Regional analyst")
    ADMIN = "admin", _("Administrator")


# Roles whose scope is one service point, one National Society, or everything.
HSP_ROLES = frozenset({Role.VOLUNTEER, Role.COORDINATOR})
NS_ROLES = frozenset({Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER})
GLOBAL_ROLES = frozenset({Role.ANALYST, Role.ADMIN})

# Who may read person-level records (the analyst sees aggregates only).
PERSON_READERS = HSP_ROLES | NS_ROLES | {Role.ADMIN}
# Who may register people and record services.
FIELD_WRITERS = HSP_ROLES | {Role.OFFICER, Role.PROTECTION, Role.DATA_MANAGER, Role.ADMIN}
# Who may read sensitive protection fields (survivor of violence, ...). Every read is audited.
SENSITIVE_READERS = frozenset({Role.PROTECTION})
# Who may export record-level data.
EXPORTERS = frozenset({Role.DATA_MANAGER})
# Who may see aggregate indicators.
AGGREGATE_READERS = frozenset(Role) - {Role.VOLUNTEER}
