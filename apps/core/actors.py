"""Who is acting, as services see it: the shared checks every app's services start with.

Each service decides its own rule (the owner, the guest, the host...); staff reach other
people's objects only through a Django permission (superusers hold all of them), never through
`is_staff` alone. Refusals are apps.core.errors.PermissionDenied (403)."""

from django.utils.translation import gettext as _

from apps.core.errors import PermissionDenied


def is_signed_in(actor) -> bool:
    """`actor` is a user (not None, not Django's AnonymousUser)."""
    return actor is not None and actor.is_authenticated


def require_signed_in(actor) -> None:
    """Actions any user may take for themself (book, write): refused to anonymous callers."""
    if not is_signed_in(actor):
        raise PermissionDenied(_("Sign in to do this."))


def holds(actor, permission: str) -> bool:
    """A signed-in, active actor holding `permission` ("app_label.codename")."""
    return is_signed_in(actor) and actor.has_perm(permission)


def require_permission(actor, permission: str) -> None:
    """Staff-only actions: refused unless `actor` holds `permission`."""
    if not holds(actor, permission):
        raise PermissionDenied(
            _("Only staff holding %(permission)s may do this.") % {"permission": permission}
        )
