from django.contrib import admin

from apps.core.admin_tools import BigTableAdmin, audit_history_link, report
from apps.messaging import services
from apps.messaging.models import Message


class QueueFilter(admin.SimpleListFilter):
    title = "moderation queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("spam", "Marked as spam"), ("reported", "Reported by a recipient")]

    def queryset(self, request, queryset):
        if self.value() == "spam":
            return queryset.filter(is_spam=True)
        if self.value() == "reported":
            return queryset.filter(reported_at__isnull=False)
        return queryset


@admin.register(Message)
class MessageAdmin(BigTableAdmin):
    list_display = ["subject", "sender", "recipient", "is_spam", "reported_at", "created_at"]
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

    def has_moderate_permission(self, request):
        return request.user.has_perm("messaging.moderate_message")

    @admin.display(description="History")
    def audit_history(self, obj):
        return audit_history_link("messages", obj.pk) if obj.pk else "—"

    @admin.action(description="Mark selected messages as spam", permissions=["moderate"])
    def mark_spam(self, request, queryset):
        selected = queryset.count()
        changed = services.messages_mark_spam(messages=queryset, is_spam=True, actor=request.user)
        report(self, request, "Marked as spam", changed, selected)

    @admin.action(description="Mark selected messages as not spam", permissions=["moderate"])
    def mark_not_spam(self, request, queryset):
        selected = queryset.count()
        changed = services.messages_mark_spam(messages=queryset, is_spam=False, actor=request.user)
        report(self, request, "Marked as not spam", changed, selected)
