"""Notifications in the back office, read-only: who was told what and when, whether the e-mail
left and whether the recipient read it. Staff see them with notifications.view_notification
(row-level security: notifications_staff_read); nobody adds, changes or deletes one here."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.admin_tools import ConditionFilter, ReadOnlyAdminMixin
from apps.notifications import kinds
from apps.notifications.models import Notification


class SentFilter(ConditionFilter):
    title = _("e-mail")
    parameter_name = "sent"
    conditions = {
        "yes": (_("Sent"), Q(sent_at__isnull=False)),
        "no": (_("Not sent"), Q(sent_at__isnull=True)),
    }


class ReadFilter(ConditionFilter):
    title = _("read")
    parameter_name = "read"
    conditions = {
        "yes": (_("Read"), Q(read_at__isnull=False)),
        "no": (_("Unread"), Q(read_at__isnull=True)),
    }


class KindFilter(admin.SimpleListFilter):
    """The registered kinds, with their labels: no SELECT DISTINCT over a table of millions."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.name, kind.label) for kind in kinds.all_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "created_at", "sent_at", "read_at"]
    list_filter = [KindFilter, SentFilter, ReadFilter, "created_at"]
    search_fields = ["=id", "recipient__email", "kind", "event_key"]
    ordering = ["-created_at", "-id"]
    list_select_related = ["recipient"]
    fields = [
        "id",
        "recipient",
        "kind",
        "event_key",
        "data",
        "created_at",
        "sent_at",
        "read_at",
        "email_batch",
    ]
    readonly_fields = fields
    show_full_result_count = False
