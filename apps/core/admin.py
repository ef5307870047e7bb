import json

from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.core.admin_tools import (
    BigTableAdmin,
    ReadOnlyAdminMixin,
    admin_change_url,
    breakable_email,
    filter_int,
)
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

    title = _("table")
    parameter_name = "table_name"

    def lookups(self, request, model_admin):
        return [(name, name) for name in audited_tables()]

    def queryset(self, request, queryset):
        return queryset.filter(table_name=self.value()) if self.value() else queryset


class StaffFilter(admin.SimpleListFilter):
    """Who did it, among staff (the usual question). Any other user: their admin page links
    to ?user=<id>. Listing every user present in millions of rows would be a query of its own."""

    title = _("user")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True).order_by("email")[:200]
        return [(str(user.pk), user.email) for user in staff]

    def queryset(self, request, queryset):
        return queryset.filter(user_id=filter_int(self.value())) if self.value() else queryset


def model_of_table(table: str):
    """The model stored in `table`, or None."""
    for model in django_apps.get_models():
        if model._meta.db_table == table:
            return model
    return None


def existing_ids(model, ids) -> set:
    """Which of these primary keys still have a row (soft-deleted ones included: the admin
    opens those too), as far as the request's context may see."""
    return set(model._base_manager.filter(pk__in=ids).values_list("pk", flat=True))


class AuditLogChangeList(ChangeList):
    """Each listed entry learns the admin page of the row it describes: one query per audited
    table on the page (a handful), not one per entry."""

    def get_results(self, request):
        super().get_results(request)
        ids_by_table: dict[str, set] = {}
        for entry in self.result_list:
            ids_by_table.setdefault(entry.table_name, set()).add(entry.record_id)
        existing = {}
        for table, ids in ids_by_table.items():
            model = model_of_table(table)
            if model is not None and model in self.model_admin.admin_site._registry:
                existing[table] = (model, existing_ids(model, ids))
        for entry in self.result_list:
            model, alive = existing.get(entry.table_name, (None, ()))
            entry.row_url = (
                admin_change_url(self.model_admin.admin_site, model, entry.record_id)
                if entry.record_id in alive
                else None
            )


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, BigTableAdmin):
    """The audit trail: written by PostgreSQL triggers, read-only for everybody here."""

    # Fits 1280 px beside the filters (tests/e2e/test_admin_layout.py): the audited row is one
    # column, linked to its page; who acted is the user, or the actor when no user did.
    list_display = ["timestamp", "row", "action", "who"]
    list_filter = [TableFilter, "action", StaffFilter]
    list_select_related = ["user"]
    date_hierarchy = "timestamp"
    search_fields = ["=record_id"]
    ordering = ["-timestamp", "-id"]
    fields = [
        "timestamp", "table_name", "record_id", "audited_row", "action", "user", "actor",
        "ip_address", "user_agent", "request_id", "changes_table", "old_data_pretty",
        "new_data_pretty",
    ]  # fmt: skip
    readonly_fields = fields

    def get_changelist(self, request, **kwargs):
        return AuditLogChangeList

    @admin.display(description=_("Row"))
    def row(self, obj):
        label = f"{obj.table_name} #{obj.record_id}"
        url = getattr(obj, "row_url", None)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description=_("Who"), ordering="user")
    def who(self, obj):
        return breakable_email(obj.user.email) if obj.user_id and obj.user else obj.actor or "—"

    @admin.display(description=_("Audited row"))
    def audited_row(self, obj):
        model = model_of_table(obj.table_name)
        if model is None or model not in self.admin_site._registry:
            return _("— (not in the back-office)")
        if obj.record_id not in existing_ids(model, [obj.record_id]):
            return _("— (deleted)")
        url = admin_change_url(self.admin_site, model, obj.record_id)
        return format_html(
            '<a href="{}">{} #{}</a>', url, model._meta.verbose_name.capitalize(), obj.record_id
        )

    def get_search_results(self, request, queryset, search_term):
        if search_term and not search_term.strip().isdigit():
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("Changes"))
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
            '<table class="audit-changes"><thead><tr><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("Column"),
            _("Before"),
            _("After"),
            rows,
        )

    @admin.display(description=_("Old data"))
    def old_data_pretty(self, obj):
        return _pretty(obj.old_data)

    @admin.display(description=_("New data"))
    def new_data_pretty(self, obj):
        return _pretty(obj.new_data)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 300 else text[:300] + "…"


def _pretty(data):
    if data is None:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False))
