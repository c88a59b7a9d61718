"""Who may see what. Scoping fails closed: no scope means an error, never all rows."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from . import audit
from .roles import EXTERNAL_ROLES, GLOBAL_ROLES, HSP_ROLES, NS_ROLES, Role

log = logging.getLogger(__name__)


class NoScope(PermissionDenied):
    """The user has no usable scope (not logged in, or a role without its National Society)."""


@dataclass(frozen=True)
class Scope:
    user: object
    role: Role
    national_society_id: object | None
    service_point_id: object | None

    @classmethod
    def of(cls, user) -> "Scope":
        if user is None or not user.is_authenticated or not user.is_active:
            raise NoScope("not authenticated")
        role = Role(user.role)
        if role in HSP_ROLES and not (user.service_point_id and user.national_society_id):
            raise NoScope("HSP role without a service point")
        if role in NS_ROLES | EXTERNAL_ROLES and not user.national_society_id:
            raise NoScope("National Society role without a National Society")
        if role in GLOBAL_ROLES:
            return cls(user, role, None, None)
        return cls(user, role, user.national_society_id, user.service_point_id)

    @property
    def is_global(self) -> bool:
        return self.role in GLOBAL_ROLES

    def require(self, roles: Iterable[Role]) -> "Scope":
        if self.role not in roles:
            raise PermissionDenied(f"role {self.role} may not do this")
        return self


def require(user, roles: Iterable[Role]) -> Scope:
    return Scope.of(user).require(roles)


def by_national_society(qs: QuerySet, scope: Scope, field: str = "national_society") -> QuerySet:
    """Rows of the scope's National Society; every row for global roles."""
    if scope.is_global:
        return qs
    if scope.national_society_id is None:
        raise NoScope("no National Society")
    return qs.filter(**{f"{field}_id": scope.national_society_id})


def get_or_404(qs: QuerySet, user, **lookup) -> Model:
    """Fetch one row from an already scoped queryset. A miss is a 404; a miss on a row that
    exists outside the scope is logged to the audit trail as a denied access."""
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        try:
            exists = qs.model._default_manager.filter(**lookup).exists()
        except (ValueError, TypeError, ValidationError):
            exists = False
        if exists:
            log.warning("out-of-scope access by %s to %s %s", getattr(user, "username", "?"), qs.model, lookup)
            audit.record(
                user,
                "access.denied",
                data={"model": qs.model._meta.label_lower, "lookup": {k: str(v) for k, v in lookup.items()}},
            )
        raise Http404 from exc


def access(*roles: Role) -> Callable:
    """Declare which roles may open a view. The permission-matrix test reads `access_roles`;
    a route without a declaration fails that test."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            Scope.of(request.user).require(roles)
            return view(request, *args, **kwargs)

        wrapped.access_roles = frozenset(roles)
        return wrapped

    return decorator


def public(view):
    """Declare a view open to everyone (login page, public pages, health check)."""
    view.access_roles = "public"
    return view


def signed(view):
    """Declare a view that authenticates the request itself, not the session: a webhook checking
    a signature, a link carrying a secret token. It must answer 403 or 404 to a request without
    valid credentials (the permission matrix checks that anonymous calls never get a 2xx)."""
    view.access_roles = "signed"
    return view
