"""Havre's database backend: Django's PostgreSQL backend with every query observed.

Declared as ENGINE so that each connection — web request, management command, shell — gets
the same observer without any per-view code.
"""

from django.db.backends.postgresql import base as postgresql

from apps.core.db.observer import QueryObserver


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(QueryObserver())
