"""`migrate`, run as the schema owner: the runtime role may not change the schema."""

from django.core.management.commands.migrate import Command as DjangoMigrateCommand
from django.db import DEFAULT_DB_ALIAS

from apps.core.db.roles import as_owner


class Command(DjangoMigrateCommand):
    def execute(self, *args, **options):
        with as_owner(options.get("database") or DEFAULT_DB_ALIAS):
            return super().execute(*args, **options)
