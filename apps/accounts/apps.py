from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    # Tables no model maps, listed in this app's sql/current.sql (apps/core/db/catalog.py).
    database_tables = ("user_search",)
    # Tables whose triggers write audit_logs (the audit admin's table filter lists them).
    audited_tables = ("users", "profiles", "tenants", "api_tokens")
    # backup_verify: each restored main table read joined to the rows it points to.
    backup_smoke_queries = {
        "users": "SELECT count(*) FROM users u JOIN tenants t ON t.id = u.tenant_id",
    }

    def ready(self):
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from apps.accounts import (
            notifications,  # noqa: F401 (registers its notification kinds)
            personal_data,
        )
        from apps.accounts.backends import record_last_login
        from apps.accounts.selectors import tenant_id_for_slug
        from apps.core.tenancy import register_tenant_lookup

        register_tenant_lookup(tenant_id_for_slug)
        personal_data.register_accounts_sections()

        # Django's receiver saves last_login as the (still anonymous) request would; ours does
        # it as the authentication actor, which row-level security lets write users.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_last_login, dispatch_uid="havre_record_last_login")


class HavreAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site: its login goes through the failed-login limiter.
    Listed in INSTALLED_APPS by its path; not the default config of apps.accounts."""

    default = False
    default_site = "apps.accounts.admin_site.HavreAdminSite"
