from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.admin_tools import (
    AuditHistoryMixin,
    BigTableAdmin,
    ConditionFilter,
    email_column,
    holds_permission,
    report,
)
from apps.messaging import services
from apps.messaging.models import Message


class QueueFilter(ConditionFilter):
    title = _("moderation queue")
    parameter_name = "queue"
    conditions = {
        "spam": (_("Marked as spam"), Q(is_spam=True)),
        "reported": (_("Reported by a recipient"), Q(reported_at__isnull=False)),
    }


@admin.register(Message)
class MessageAdmin(AuditHistoryMixin, BigTableAdmin):
    list_display = [
        "subject", "sender_email", "recipient_email", "is_spam", "reported_at", "created_at",
    ]  # fmt: skip
    sender_email = email_column("sender", _("Sender"))
    recipient_email = email_column("recipient", _("Recipient"))
    list_filter = [QueueFilter, "is_spam", "is_read", "is_archived"]
    list_select_related = ["sender", "recipient"]
    search_fields = ["=sender__email", "=recipient__email", "subject"]
    autocomplete_fields = ["sender", "recipient", "listing"]
    raw_id_fields = ["booking"]
    readonly_fields = ["created_at", "deleted_at", "deleted_by", "audit_history"]
    actions = ["mark_spam", "mark_not_spam"]

    def get_queryset(self, request):
        return Message.all_objects.select_related("sender", "recipient")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # what was sent is frozen by PostgreSQL (messaging.0005)
            fields += ["subject", "content", "attachments", "sender", "recipient", "tenant"]
        return fields

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    has_moderate_permission = holds_permission("messaging.moderate_message")

    @admin.action(description=_("Mark selected messages as spam"), permissions=["moderate"])
    def mark_spam(self, request, queryset):
        selected = queryset.count()
        changed = services.messages_mark_spam(messages=queryset, is_spam=True, actor=request.user)
        done = _("Marked as spam %(changed)d of %(selected)d selected.")
        report(self, request, done, changed, selected)

    @admin.action(description=_("Mark selected messages as not spam"), permissions=["moderate"])
    def mark_not_spam(self, request, queryset):
        selected = queryset.count()
        changed = services.messages_mark_spam(messages=queryset, is_spam=False, actor=request.user)
        done = _("Marked as not spam %(changed)d of %(selected)d selected.")
        report(self, request, done, changed, selected)
