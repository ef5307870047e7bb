"""`makemigrations` checks the migration history as the owner, like `migrate` writes it."""

from django.core.management.commands.makemigrations import Command as DjangoMakeMigrations

from apps.core.management.base import FormattedHelp, RunsAsOwner


class Command(FormattedHelp, RunsAsOwner, DjangoMakeMigrations):
    pass
