"""The job queue in the back office: every job with its state, attempts and last error; failed
jobs can be retried. Read-only otherwise (procrastinate's own admin is replaced by this one)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.core.admin_tools import ReadOnlyAdminMixin, holds_permission, report
from apps.jobs import selectors, services

if admin.site.is_registered(ProcrastinateJob):
    admin.site.unregister(ProcrastinateJob)


@admin.register(ProcrastinateJob)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "task",
        "queue_name",
        "status",
        "attempts",
        "scheduled_at",
        "last_failed_at",
        "short_error",
    ]
    list_filter = ["status", "queue_name", "task_name"]
    search_fields = ["=id", "task_name"]
    ordering = ["-id"]
    fields = [
        "id",
        "task_name",
        "queue_name",
        "status",
        "attempts",
        "scheduled_at",
        "args",
        "lock",
        "queueing_lock",
        "priority",
        "last_failed_at",
        "last_error",
    ]
    readonly_fields = fields
    actions = ["retry"]

    def get_queryset(self, request):
        return selectors.jobs_with_last_error()

    @admin.display(description=_("task"), ordering="task_name")
    def task(self, job):
        # "apps.notifications.tasks.send_email_batch" is one unbreakable word that widened the
        # list past the screen: the function's name, then its app; the whole path on hover.
        module, _dot, function = job.task_name.rpartition(".")
        if not module:
            return job.task_name
        app = module.removeprefix("apps.").removesuffix(".tasks")
        return format_html('<span title="{}">{} ({})</span>', job.task_name, function, app)

    @admin.display(description=_("last failed at"))
    def last_failed_at(self, job):
        return job.last_failed_at

    @admin.display(description=_("last error"))
    def last_error(self, job):
        return job.last_error or "—"

    @admin.display(description=_("last error"))
    def short_error(self, job):
        return (job.last_error or "")[:120]

    has_retry_permission = holds_permission(services.RETRY_PERMISSION)

    @admin.action(description=_("Retry the selected failed jobs now"), permissions=["retry"])
    def retry(self, request, queryset):
        ids = list(queryset.values_list("id", flat=True))
        retried = services.jobs_retry(job_ids=ids, actor=request.user)
        done = _("Queued another attempt of %(changed)d of %(selected)d selected.")
        report(self, request, done, retried, len(ids))
