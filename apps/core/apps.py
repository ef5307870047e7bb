from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        # Registers the system check that the cache is Redis (the throttles need it).
        from apps.core.api import throttling  # noqa: F401
