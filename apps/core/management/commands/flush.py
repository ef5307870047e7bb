"""`flush` (used by transactional tests) truncates tables: owner work, not the runtime role's."""

from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import DEFAULT_DB_ALIAS

from apps.core.db.roles import as_owner


class Command(DjangoFlushCommand):
    def execute(self, *args, **options):
        with as_owner(options.get("database") or DEFAULT_DB_ALIAS):
            return super().execute(*args, **options)
