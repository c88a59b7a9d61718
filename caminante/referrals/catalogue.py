"""Service types of the referral directory and the needs referral pathways answer.

The directory uses the HSP catalogue (core.ServiceType, names in the three working languages)
plus the specialised services HSPs refer people to. Those extra types are fixed here, with
English source names translated in this app's catalogue.
"""

from django.utils.translation import gettext_lazy as _

EXTRA_SERVICE_TYPES = {
    "asylum": _("Asylum and refugee status"),
    "regularisation-info": _("Migration regularisation information"),
    "child-protection": _("Child protection"),
    "gbv-response": _("Gender-based violence response"),
    "anti-trafficking": _("Anti-trafficking"),
    "legal-aid": _("Legal aid"),
    "mental-health": _("Mental health"),
    "shelter": _("Shelter"),
    "education": _("Education"),
    "employment": _("Employment"),
    "health-care": _("Health care"),
}

# Needs a referral answers; a pathway is defined per country for one need.
NEEDS = {
    "unaccompanied-child": _("Unaccompanied or separated child"),
    "gbv-survivor": _("Survivor of gender-based violence"),
    "trafficking-survivor": _("Survivor of trafficking"),
    "asylum-seeker": _("Wants to seek asylum"),
    "regularisation": _("Needs to regularise their stay"),
    "legal-help": _("Needs legal help"),
    "health-care": _("Needs health care"),
    "mental-health": _("Needs mental health care"),
    "shelter": _("Needs a place to sleep"),
    "school": _("Child needs a school place"),
    "work": _("Looking for work"),
}

# Needs whose referrals are urgent by default (and seen only by protection roles).
URGENT_NEEDS = frozenset({"unaccompanied-child", "gbv-survivor", "trafficking-survivor"})

# Languages a service may be offered in (ISO 639-1).
LANGUAGES = {
    "es": _("Spanish"),
    "pt": _("Portuguese"),
    "en": _("English"),
    "fr": _("French"),
    "ht": _("Haitian Creole"),
    "wayuu": _("Wayuunaiki"),
    "warao": _("Warao"),
}


def hsp_service_types() -> dict[str, str]:
    from caminante.core.models import ServiceType

    return {t.code: t.name for t in ServiceType.objects.filter(active=True).order_by("sort_order", "code")}


def service_type_labels() -> dict[str, str]:
    """Every service type code a directory entry may carry, with its name in the active language."""
    labels = hsp_service_types()
    labels.update({code: str(name) for code, name in EXTRA_SERVICE_TYPES.items()})
    return labels


def service_type_choices() -> list[tuple[str, str]]:
    return sorted(service_type_labels().items(), key=lambda item: item[1].lower())


def service_type_label(code: str) -> str:
    if code in EXTRA_SERVICE_TYPES:
        return str(EXTRA_SERVICE_TYPES[code])
    return service_type_labels().get(code, code)


def need_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in NEEDS.items()]


# Service types offered for a need when the country has no pathway for it yet.
NEED_SERVICE_TYPES = {
    "unaccompanied-child": ["child-protection"],
    "gbv-survivor": ["gbv-response", "mental-health", "shelter"],
    "trafficking-survivor": ["anti-trafficking", "shelter"],
    "asylum-seeker": ["asylum", "legal-aid"],
    "regularisation": ["regularisation-info", "legal-aid"],
    "legal-help": ["legal-aid"],
    "health-care": ["health-care", "first-aid-phc"],
    "mental-health": ["mental-health", "psychosocial-support"],
    "shelter": ["shelter", "shelter-rent"],
    "school": ["education"],
    "work": ["employment", "livelihoods"],
}

# Navigation labels (base.html) that live in this app's catalogue.
NAV_LABELS = [_("Referrals"), _("Directory")]
