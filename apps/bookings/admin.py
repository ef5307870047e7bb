from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.bookings import services
from apps.bookings.models import Booking, BookingStatus, CalendarEntry, CalendarEntryKind
from apps.core import dates
from apps.core.admin_tools import (
    AuditHistoryMixin,
    BigTableAdmin,
    ServiceInline,
    action_with_reason,
    admin_change_url,
    contribute_inline,
    email_column,
    holds_permission,
    money,
)
from apps.core.errors import DomainError
from apps.listings.models import Listing
from apps.listings.services import CHANGE as CHANGE_LISTING
from apps.listings.services import check_calendar_nights


class CalendarInline(ServiceInline):
    """The listing's calendar from today on, on the listing's page: the host's blocks, which
    staff lay and lift through calendar_block_create / calendar_block_delete (as the owner
    would), and the nights its pending and confirmed bookings hold, which only PostgreSQL
    writes (shown read-only, linked to the booking)."""

    model = CalendarEntry
    fields = ["start_date", "end_date", "note", "entry", "created_by", "created_at"]
    readonly_fields = ["entry", "created_by", "created_at"]
    ordering = ["start_date", "id"]
    verbose_name = _("blocked period")
    verbose_name_plural = _("calendar from today (blocks and bookings)")
    permission = CHANGE_LISTING
    view_permission = "listings.view_listing"  # the calendar is part of the listing's page
    service_fields = {"start": "start_date", "end": "end_date"}

    def get_queryset(self, request):
        # Past nights are history (the audit trail keeps them); staff read every entry
        # (row-level security: calendar_entries_staff_and_system).
        return (
            super()
            .get_queryset(request)
            .filter(end_date__gt=dates.today())
            .select_related("booking", "created_by")
        )

    def may_delete_row(self, obj):
        return obj.kind == CalendarEntryKind.BLOCK  # a booking's nights go with the booking

    @admin.display(description=_("Entry"))
    def entry(self, obj):
        if obj.pk is None:
            return "—"
        if obj.kind != CalendarEntryKind.BOOKING:
            return obj.get_kind_display()
        label = _("Booking #%(id)s (%(status)s)") % {
            "id": obj.booking_id,
            "status": obj.booking.get_status_display(),
        }
        url = admin_change_url(self.admin_site, Booking, obj.booking_id)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    def check_row(self, *, parent, data, earlier):
        start, end = data["start_date"], data["end_date"]
        check_calendar_nights(start, end)  # from today, within the horizon: as the service
        if any(other["start_date"] < end and start < other["end_date"] for other in earlier):
            raise ValidationError(_("This block overlaps another new block of this form."))
        # The calendar's exclusion constraints asked before the insert (Django validates the
        # declared constraints with a query): a form error naming the overlap. The insert is
        # still the guard, a racing booking included (ServiceRefusalMixin says that refusal).
        CalendarEntry(
            listing=parent,
            tenant_id=parent.tenant_id,
            kind=CalendarEntryKind.BLOCK,
            start_date=start,
            end_date=end,
            turnover_end=end,
        ).validate_constraints()

    def create_row(self, *, parent, data, actor):
        return services.calendar_block_create(
            listing=parent,
            start=data["start_date"],
            end=data["end_date"],
            note=data["note"],
            actor=actor,
        )

    def delete_row(self, *, obj, actor):
        services.calendar_block_delete(block=obj, actor=actor)


# On the listing's page (the listings app cannot import this one).
contribute_inline(Listing, CalendarInline)


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
    # edited. So are the cancellation's refund, its rule, who cancelled and when
    # (booking_cancel). total_cents, currency, quote and refund_cents are in no fieldset: the
    # form leaves them alone.
    fieldsets = [
        (None, {"fields": [
            "listing", "guest", "tenant", "check_in", "check_out", "guests", "status",
        ]}),
        (_("Price as quoted at booking"), {"fields": ["frozen_quote", "cancellation_policy"]}),
        (_("Cancellation and refund"), {"fields": [
            "cancellation_reason", "cancelled_by", "cancelled_at", "refund", "refund_rule",
        ]}),
        (_("Record"), {"fields": ["created_at", "audit_history"]}),
    ]  # fmt: skip
    readonly_fields = [
        "frozen_quote", "cancellation_policy", "cancelled_by", "cancelled_at",
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
        """The amount refunded on cancelling, of the total; "—" unless cancelled since refunds
        exist."""
        if obj.refund_cents is None:
            return "—"
        return _("%(refund)s of %(total)s") % {
            "refund": money(obj.refund_cents, obj.currency),
            "total": money(obj.total_cents, obj.currency),
        }

    @admin.display(description=_("Quote"))
    def frozen_quote(self, obj):
        """The line items as the guest saw them when booking, one row each, then the total."""
        quote = obj.quote or {}
        currency = quote.get("currency", obj.currency)
        rows = [(quote_line_label(line, currency), money(line.get("amount_cents"), currency))
                for line in quote.get("lines", [])]  # fmt: skip
        rows.append((_("Total"), money(quote.get("total_cents", obj.total_cents), currency)))
        table = format_html(
            '<table class="frozen-quote"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("Line"),
            _("Amount (%(currency)s)") % {"currency": currency},
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
