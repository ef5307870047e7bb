from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = _("Jobs")
    # procrastinate's tables and functions (its own migrations, app label "procrastinate") are
    # the queue this app runs: their grants, policies and comments live in this app's
    # migrations, so apps/jobs/sql/current.sql lists them.
    database_tables = (
        "procrastinate_jobs",
        "procrastinate_events",
        "procrastinate_periodic_defers",
        "procrastinate_workers",
    )
    database_function_prefixes = ("procrastinate_",)

    def ready(self):
        from apps.core import monitoring
        from apps.jobs import metrics

        monitoring.register_scrape_collector(metrics.JobQueueCollector())
