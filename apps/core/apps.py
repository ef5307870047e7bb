from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Core")
    # The session store's functions (apps/core/sessions.py), on Django's django_session.
    database_functions = (
        "session_load",
        "session_exists",
        "session_create",
        "session_update",
        "session_delete",
        "session_clear_expired",
        # The erasure's scrub of names and e-mail addresses in JSON (apps/core/erasure.py).
        "jsonb_replace_strings",
    )
    # backup_verify reads each app's main table this way (AppConfig.backup_smoke_queries); the
    # partitioned parent's count proves its partitions are all attached.
    backup_smoke_queries = {"audit_logs": "SELECT count(*) FROM audit_logs"}

    def ready(self):
        # Registers the system check that the cache is Redis (the throttles need it).
        from apps.core.api import throttling  # noqa: F401
        from apps.core.commands import install
        from apps.core.error_tracking import init_from_settings

        init_from_settings()  # Sentry, when SENTRY_DSN is set
        # Every management command acts as command:<name> (apps/core/commands.py).
        install()
