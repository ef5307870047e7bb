from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"
    # The session store's functions (apps/core/sessions.py), on Django's django_session.
    database_functions = (
        "session_load",
        "session_exists",
        "session_create",
        "session_update",
        "session_delete",
        "session_clear_expired",
    )

    def ready(self):
        # Registers the system check that the cache is Redis (the throttles need it).
        from apps.core.api import throttling  # noqa: F401
