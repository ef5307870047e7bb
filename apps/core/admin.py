import json

from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.html import format_html, format_html_join

from apps.core.admin_tools import BigTableAdmin, filter_int
from apps.core.models import AuditLog


def audited_tables() -> list[str]:
    """The tables whose triggers write audit_logs, as each app declares them
    (AppConfig.audited_tables; a test compares them with the catalog's triggers)."""
    return sorted(
        table
        for config in django_apps.get_app_configs()
        for table in getattr(config, "audited_tables", ())
    )


class TableFilter(admin.SimpleListFilter):
    """The audited tables are known: no DISTINCT over millions of audit rows to list them."""

    title = "table"
    parameter_name = "table_name"

    def lookups(self, request, model_admin):
        return [(name, name) for name in audited_tables()]

    def queryset(self, request, queryset):
        return queryset.filter(table_name=self.value()) if self.value() else queryset


class StaffFilter(admin.SimpleListFilter):
    """Who did it, among staff (the usual question). Any other user: their admin page links
    to ?user=<id>. Listing every user present in millions of rows would be a query of its own."""

    title = "user"
    parameter_name = "user"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True).order_by("email")[:200]
        return [(str(user.pk), user.email) for user in staff]

    def queryset(self, request, queryset):
        return queryset.filter(user_id=filter_int(self.value())) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(BigTableAdmin):
    """The audit trail: written by PostgreSQL triggers, read-only for everybody here."""

    list_display = ["timestamp", "table_name", "record_id", "action", "user", "actor"]
    list_filter = [TableFilter, "action", StaffFilter]
    list_select_related = ["user"]
    date_hierarchy = "timestamp"
    search_fields = ["=record_id"]
    ordering = ["-timestamp", "-id"]
    fields = [
        "timestamp", "table_name", "record_id", "action", "user", "actor", "ip_address",
        "user_agent", "request_id", "changes_table", "old_data_pretty", "new_data_pretty",
    ]  # fmt: skip
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        if search_term and not search_term.strip().isdigit():
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Changes")
    def changes_table(self, obj):
        if not obj.changes:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (column, _short(change.get("old")), _short(change.get("new")))
                for column, change in sorted(obj.changes.items())
            ),
        )
        return format_html(
            '<table class="audit-changes"><thead><tr><th>Column</th><th>Before</th>'
            "<th>After</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Old data")
    def old_data_pretty(self, obj):
        return _pretty(obj.old_data)

    @admin.display(description="New data")
    def new_data_pretty(self, obj):
        return _pretty(obj.new_data)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 300 else text[:300] + "…"


def _pretty(data):
    if data is None:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False))
