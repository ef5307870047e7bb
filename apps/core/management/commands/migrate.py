"""`migrate`, run as the schema owner: the runtime role may not change the schema."""

from django.core.management.commands.migrate import Command as DjangoMigrateCommand

from apps.core.management.base import FormattedHelp, RunsAsOwner


class Command(FormattedHelp, RunsAsOwner, DjangoMigrateCommand):
    pass
