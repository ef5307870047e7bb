"""Admin building blocks shared by every app's admin.py."""

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

# An exact count above this is not worth a full scan: the pager shows "10,000+" pages worth.
COUNT_CAP = 10_000


class EstimatedCountPaginator(Paginator):
    """Big tables: no exact count(*) over a million rows on every changelist.

    Unfiltered, the count is PostgreSQL's estimate (pg_class.reltuples, kept by ANALYZE and
    autovacuum); filtered, it is exact up to COUNT_CAP and capped there."""

    @cached_property
    def count(self):
        query = self.object_list.query
        if not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [self.object_list.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > COUNT_CAP:
                return row[0]
        return self.object_list[: COUNT_CAP + 1].count()


class BigTableAdmin(admin.ModelAdmin):
    """Defaults for tables that grow to millions of rows."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000
    )


def action_with_reason(modeladmin, request, queryset, *, title, apply):
    """An admin action that first asks for a reason (required), then calls `apply(obj, reason)`
    for each selected object and reports how many changed."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            changed = 0
            for obj in queryset:
                changed += int(bool(apply(obj, form.cleaned_data["reason"])))
            modeladmin.message_user(
                request, f"{title}: {changed} of {len(queryset)} changed.", messages.SUCCESS
            )
            return None
    else:
        form = ReasonForm()
    return TemplateResponse(
        request,
        "admin/action_with_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "objects": queryset,
            "action": request.POST["action"],
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "opts": modeladmin.model._meta,
        },
    )


def report(modeladmin, request, verb: str, changed: int, selected: int) -> None:
    level = messages.SUCCESS if changed else messages.WARNING
    modeladmin.message_user(request, f"{verb} {changed} of {selected} selected.", level)


def audit_history_link(table: str, record_id) -> str:
    url = reverse("admin:core_auditlog_changelist")
    return format_html(
        '<a href="{}?table_name={}&record_id={}">Audit history</a>', url, table, record_id
    )
