from django.conf import settings

from .roles import SENSITIVE_READERS, Role


def caminante(request):
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user and user.is_authenticated else None
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "user_role": role,
        "user_role_label": Role(role).label if role else "",
        "can_read_sensitive": role in SENSITIVE_READERS,
        "is_analyst": role == Role.ANALYST,
    }
