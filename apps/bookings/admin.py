from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.bookings import services
from apps.bookings.models import Booking
from apps.core.admin_tools import (
    AuditHistoryMixin,
    BigTableAdmin,
    action_with_reason,
    email_column,
    holds_permission,
    money,
)
from apps.core.errors import DomainError


@admin.register(Booking)
class BookingAdmin(AuditHistoryMixin, BigTableAdmin):
    list_display = [
        "__str__", "guest_email", "status", "check_in", "check_out", "total", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "check_in", "check_out"]
    list_select_related = ["guest"]
    search_fields = ["=id", "=guest__email", "=listing__id"]
    autocomplete_fields = ["guest", "listing"]
    # The total is the booking service's to compute: shown as an amount, never edited.
    exclude = ["total_cents", "currency"]
    readonly_fields = ["total", "created_at", "audit_history"]
    actions = ["cancel"]
    guest_email = email_column("guest", _("Guest"))

    def has_delete_permission(self, request, obj=None):
        return False

    has_cancel_permission = holds_permission("bookings.cancel_booking")

    @admin.display(description=_("Total"), ordering="total_cents")
    def total(self, obj):
        return money(obj.total_cents, obj.currency)

    @admin.action(description=_("Cancel selected bookings (with a reason)"), permissions=["cancel"])
    def cancel(self, request, queryset):
        def apply(booking, reason):
            try:
                return services.booking_cancel(booking=booking, reason=reason, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{booking}: {exc}", messages.WARNING)
                return None

        return action_with_reason(self, request, queryset, title=_("Cancel bookings"), apply=apply)
