from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.bookings import services
from apps.bookings.models import Booking, BookingStatus
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
    list_filter = ["status", "cancelled_by", "check_in", "check_out"]
    list_select_related = ["guest"]
    search_fields = ["=id", "=guest__email", "=listing__id"]
    autocomplete_fields = ["guest", "listing"]
    # The price is the booking service's to compute, frozen with the policy: shown, never
    # edited.
    # So are the cancellation's refund, its rule, who cancelled and when (booking_cancel).
    exclude = ["total_cents", "currency", "quote", "refund_cents"]
    readonly_fields = [
        "total", "frozen_quote", "cancellation_policy", "cancelled_by", "cancelled_at",
        "refund", "refund_rule", "created_at", "audit_history",
    ]  # fmt: skip
    actions = ["cancel"]
    guest_email = email_column("guest", _("Guest"))

    def save_model(self, request, obj, form, change):
        """Staff holding bookings.change_booking may move a cancelled booking back: its
        cancellation's record goes with it (CHECK bookings_refund_when_cancelled)."""
        if obj.status != BookingStatus.CANCELLED:
            obj.cancelled_by, obj.cancelled_at, obj.refund_cents, obj.refund_rule = (
                "",
                None,
                None,
                "",
            )
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Nobody moves a booking out of expired (bookings.0011): its nights may be taken.
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status == BookingStatus.EXPIRED:
            return [*fields, "status"]
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # Only the expiry job and its sweep expire a request (bookings.0011), never staff.
        if db_field.name == "status":
            kwargs["choices"] = [
                choice for choice in db_field.choices if choice[0] != BookingStatus.EXPIRED
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    has_cancel_permission = holds_permission("bookings.cancel_booking")

    @admin.display(description=_("Total"), ordering="total_cents")
    def total(self, obj):
        return money(obj.total_cents, obj.currency)

    @admin.display(description=_("Refund"), ordering="refund_cents")
    def refund(self, obj):
        """The amount refunded on cancelling; "—" unless cancelled since refunds exist."""
        if obj.refund_cents is None:
            return "—"
        return money(obj.refund_cents, obj.currency)

    @admin.display(description=_("Quote"))
    def frozen_quote(self, obj):
        """The line items as the guest saw them when booking, one row each, then the total."""
        quote = obj.quote or {}
        currency = quote.get("currency", obj.currency)
        rows = [(quote_line_label(line, currency), money(line.get("amount_cents"), currency))
                for line in quote.get("lines", [])]  # fmt: skip
        rows.append((_("Total"), money(quote.get("total_cents", obj.total_cents), currency)))
        table = format_html(
            '<table class="frozen-quote"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
        )
        if quote.get("reconstructed"):
            note = _("Rebuilt from the total: booked before quotes were kept.")
            table = format_html('{}<p class="help">{}</p>', table, note)
        return table

    @admin.action(description=_("Cancel selected bookings (with a reason)"), permissions=["cancel"])
    def cancel(self, request, queryset):
        def apply(booking, reason):
            try:
                return services.booking_cancel(booking=booking, reason=reason, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{booking}: {exc}", messages.WARNING)
                return None

        return action_with_reason(self, request, queryset, title=_("Cancel bookings"), apply=apply)


def quote_line_label(line: dict, currency: str) -> str:
    """A line of a frozen quote as staff read it: "Night of 2027-07-01 (seasonal price)"."""
    kind = line.get("kind")
    if kind == "night":
        label = _("Night of %(date)s") % {"date": line.get("date")}
        return f"{label} ({_('price override')})" if line.get("override") else label
    if kind == "extra_guests":
        return _("%(guests)s extra guests × %(nights)s nights × %(unit)s") % {
            "guests": line.get("guests"),
            "nights": line.get("nights"),
            "unit": money(line.get("unit_cents"), currency),
        }
    if kind == "discount":
        rule = {"weekly": _("Weekly discount"), "monthly": _("Monthly discount")}
        return f"{rule.get(line.get('rule'), _('Discount'))} ({line.get('percent')}%)"
    if kind == "cleaning_fee":
        return str(_("Cleaning fee"))
    return str(kind)
