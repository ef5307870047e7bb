"""`createsuperuser`, acting as a system command so that row-level security lets it write."""

from django.contrib.auth.management.commands.createsuperuser import (
    Command as DjangoCreateSuperuserCommand,
)

from apps.core.context import DbContext, db_context


class Command(DjangoCreateSuperuserCommand):
    def handle(self, *args, **options):
        with db_context(DbContext.for_command("createsuperuser"), using=options["database"]):
            return super().handle(*args, **options)
