"""`makemigrations` checks the migration history as the owner, like `migrate` writes it."""

from django.core.management.commands.makemigrations import Command as DjangoMakeMigrations
from django.db import DEFAULT_DB_ALIAS

from apps.core.db.roles import as_owner


class Command(DjangoMakeMigrations):
    def execute(self, *args, **options):
        with as_owner(options.get("database") or DEFAULT_DB_ALIAS):
            return super().execute(*args, **options)
