from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Reference and demo data (`seed`, `seed --scale N`) and `reset_db`: it stands above
    every domain app and no app imports it (import-linter checks both, see pyproject.toml)."""

    name = "apps.demo"
    label = "demo"
    verbose_name = _("Demo data")
