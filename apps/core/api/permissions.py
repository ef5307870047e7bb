from rest_framework import permissions


class IsOwnerOrReadOnly(permissions.BasePermission):
    """Reading a visible object is fine; changing it needs `obj.<owner_field>` to be the user.

    Objects the caller may not see never get here: row-level security and the views'
    querysets make them a 404, so ids leak nothing. A visible object they may not change
    answers 403."""

    owner_field = "owner_id"

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        field = getattr(view, "owner_field", self.owner_field)
        return getattr(obj, field) == request.user.pk or request.user.is_staff


class IsOwnerRole(permissions.BasePermission):
    message = "Only owner accounts may do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role == "owner")
