"""Havre's database backend: Django's PostgreSQL backend plus two things every connection
needs, whatever opened it (web request, management command, shell):

* every query is observed (slow-query log, per-request statistics);
* the connection acts as the runtime role (`DATABASE_APP_ROLE`, e.g. app_user: no superuser,
  no BYPASSRLS, owns nothing) unless the code runs `as_owner()` — migrations, flush, test
  database creation — which connects with the owner's credentials and role.
"""

from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base as postgresql

from apps.core.db.observer import QueryObserver
from apps.core.db.roles import owner_mode_active


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(QueryObserver())

    @property
    def acts_as_owner(self) -> bool:
        # The "no database" connection creates and drops databases (tests, reset): owner work.
        return owner_mode_active() or self.alias == NO_DB_ALIAS

    def get_connection_params(self):
        params = super().get_connection_params()
        owner = self.settings_dict.get("OWNER") or {}
        if self.acts_as_owner and owner.get("USER"):
            params["user"] = owner["USER"]
            for key, param in (("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
                if owner.get(key):
                    params[param] = owner[key]
        return params

    def _configure_role(self, connection):
        if self.acts_as_owner:
            return False
        return super()._configure_role(connection)
